package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/portail-aci/aci/internal/auth"
	"github.com/portail-aci/aci/internal/config"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/server"
	"github.com/portail-aci/aci/internal/store"
)

const userUsage = `Usage :
  aci user create --email E --name N --org-kind national|cpam|ars|dcgdr|structure --org "Nom" --role RÔLE [--password-stdin]
  aci user disable --email E
  aci user reset-mfa --email E

create crée le compte et son rattachement à l'organisation nommée (pour
national, « Administration nationale » est créée si elle n'existe pas). Sans
--password-stdin, un mot de passe fort est généré et affiché une seule fois :
transmettez-le par un canal sûr ; la personne le change à sa première
connexion (Mon compte). Rôles : structure member|coordinator, cpam
referent|manager, ars agent|director, dcgdr reviewer, national admin.
disable désactive le compte : ses sessions prennent fin à leur prochaine requête.
reset-mfa retire la vérification en deux étapes du compte (téléphone et codes
de secours perdus, par exemple du dernier administrateur national) : la
personne l'active de nouveau à sa prochaine connexion si elle est exigée.
`

// cmdUser runs `aci user create|disable|reset-mfa` (the first
// national admin of a real deployment comes from here).
func cmdUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, userUsage)
		return exitCode(2)
	}
	switch args[0] {
	case "create":
		return cmdUserCreate(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "disable":
		return cmdUserDisable(ctx, args[1:], getenv, stdout, stderr)
	case "reset-mfa":
		return cmdUserResetMFA(ctx, args[1:], getenv, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, userUsage)
		return nil
	}
	fmt.Fprintf(stderr, "aci user : sous-commande inconnue %q\n%s", args[0], userUsage)
	return exitCode(2)
}

// refuse prints a one-line French message and exits 2.
func refuse(stderr io.Writer, format string, a ...any) error {
	fmt.Fprintf(stderr, "aci user : "+format+"\n", a...)
	return exitCode(2)
}

func cmdUserCreate(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "adresse e-mail (identifiant de connexion)")
	name := fs.String("name", "", "nom affiché")
	kind := fs.String("org-kind", "", "type d'organisation : national, cpam, ars, dcgdr, structure")
	org := fs.String("org", "", "nom de l'organisation (national : « Administration nationale » par défaut)")
	role := fs.String("role", "", "rôle dans l'organisation")
	fromStdin := fs.Bool("password-stdin", false, "lit le mot de passe sur l'entrée standard (première ligne)")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	if fs.NArg() > 0 {
		return refuse(stderr, "argument inattendu %q", fs.Arg(0))
	}
	k := domain.OrgKind(strings.ToLower(strings.TrimSpace(*kind)))
	if !k.Valid() {
		return refuse(stderr, "--org-kind doit valoir national, cpam, ars, dcgdr ou structure (reçu %q)", *kind)
	}
	r := domain.Role(strings.ToLower(strings.TrimSpace(*role)))
	if !r.AllowedFor(k) {
		var allowed []string
		for _, x := range domain.RolesFor(k) {
			allowed = append(allowed, string(x))
		}
		return refuse(stderr, "le rôle %q n'existe pas pour une organisation de type %s (possibles : %s)", *role, k.Label(), strings.Join(allowed, ", "))
	}
	if k != domain.OrgNational && strings.TrimSpace(*org) == "" {
		return refuse(stderr, "indiquez le nom de l'organisation avec --org")
	}
	if err := store.ValidateAccount(store.NewAccount{Email: *email, Name: *name, OrgID: 1, Role: r}); err != nil {
		return refuse(stderr, "%s", domain.ErrorMessage(err))
	}
	password, generated := "", false
	if *fromStdin {
		line, err := bufio.NewReader(io.LimitReader(stdin, auth.MaxPasswordBytes+2)).ReadString('\n')
		if err != nil && err != io.EOF {
			return err
		}
		password = strings.TrimRight(line, "\r\n")
		if msg := auth.PasswordProblem(password, *email); msg != "" {
			return refuse(stderr, "%s", msg)
		}
	} else {
		password, generated = server.GeneratePassword(), true
	}

	cfg, err := config.Parse(getenv)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	var orgID int64
	if k == domain.OrgNational {
		orgID, err = st.EnsureNationalOrg(ctx, store.CLIActor(), *org)
	} else {
		orgID, err = st.OrganisationIDByName(ctx, k, strings.TrimSpace(*org))
		if domain.IsNotFound(err) {
			return refuse(stderr, "aucune organisation de type %s ne s'appelle %q", k.Label(), *org)
		}
	}
	if err != nil {
		return err
	}
	hash, err := auth.Hash(password)
	if err != nil {
		return err
	}
	id, err := st.CreateAccount(ctx, store.CLIActor(), store.NewAccount{Email: *email, Name: *name, PasswordHash: hash, OrgID: orgID, Role: r})
	if code := domain.ErrorCode(err); code == domain.EInvalid || code == domain.EConflict {
		return refuse(stderr, "%s", domain.ErrorMessage(err))
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "compte créé : %s (n° %d), %s dans %s\n", store.NormalizeEmail(*email), id, r.Label(), orgLabel(k, *org))
	if generated {
		fmt.Fprintf(stdout, "mot de passe initial (affiché une seule fois) : %s\n", password)
		fmt.Fprintln(stdout, "Transmettez-le par un canal sûr ; la personne le change à sa première connexion (Mon compte).")
	}
	return nil
}

func orgLabel(k domain.OrgKind, org string) string {
	if k == domain.OrgNational && strings.TrimSpace(org) == "" {
		return store.NationalOrgName
	}
	return strings.TrimSpace(org)
}

func cmdUserDisable(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user disable", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "adresse e-mail du compte")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	if strings.TrimSpace(*email) == "" || fs.NArg() > 0 {
		return refuse(stderr, "indiquez le compte avec --email")
	}
	cfg, err := config.Parse(getenv)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByEmail(ctx, *email)
	if domain.IsNotFound(err) {
		return refuse(stderr, "aucun compte n'a l'adresse %q", store.NormalizeEmail(*email))
	} else if err != nil {
		return err
	}
	err = st.SetUserDisabled(ctx, store.CLIActor(), u.ID, true)
	if domain.ErrorCode(err) == domain.EConflict {
		return refuse(stderr, "%s", domain.ErrorMessage(err))
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "compte désactivé : %s (ses sessions prennent fin à leur prochaine requête)\n", u.Email)
	return nil
}

// cmdUserResetMFA removes an account's second factor (docs/rules.md §34):
// the way back in for a national admin who lost both phone and recovery
// codes, when no other admin can reset it on the admin pages.
func cmdUserResetMFA(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user reset-mfa", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "adresse e-mail du compte")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	if strings.TrimSpace(*email) == "" || fs.NArg() > 0 {
		return refuse(stderr, "indiquez le compte avec --email")
	}
	cfg, err := config.Parse(getenv)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByEmail(ctx, *email)
	if domain.IsNotFound(err) {
		return refuse(stderr, "aucun compte n'a l'adresse %q", store.NormalizeEmail(*email))
	} else if err != nil {
		return err
	}
	err = st.ResetMFA(ctx, store.CLIActor(), u.ID)
	if domain.ErrorCode(err) == domain.EConflict {
		return refuse(stderr, "%s", domain.ErrorMessage(err))
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "vérification en deux étapes réinitialisée : %s\n", u.Email)
	return nil
}
