// Command aci is Portail ACI's one binary:
//
//	aci serve      serve HTTP on ADDR (refuses pending migrations)
//	aci migrate    apply the migrations
//	aci seed       load reference data (régions, départements, communes); --demo adds the demo accounts;
//	               --scale national [--seed N] loads the national data set into an empty database (docs/rules.md §37)
//	aci run        what `make run` does: private cluster when DATABASE_URL is unset, migrate, seed --demo, serve
//	aci devdb      start the private cluster under .data/postgres and print its DATABASE_URL
//	aci funding    annual funding of a CPTS (see aci funding -h)
//	aci schedule   5-year payment schedule of a CPTS
//	aci audit      verify the dossiers' audit hash chains (aci audit verify)
//	aci user       create or disable an account, reset its second factor (aci user create|disable|reset-mfa)
//
// main only calls run; all wiring is in this package, all logic elsewhere.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // Europe/Paris even on machines without zoneinfo
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ec exitCode
		if errors.As(err, &ec) {
			os.Exit(int(ec))
		}
		fmt.Fprintln(os.Stderr, "aci:", err)
		os.Exit(1)
	}
}

// exitCode is returned by commands that already printed their message and
// want a specific exit status.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

const usage = `Usage: aci <commande> [options]

Commandes :
  serve      sert l'application sur ADDR (refuse de démarrer si des migrations sont en attente)
  migrate    applique les migrations de la base
  seed       charge les référentiels (régions, départements, communes) ; --demo ajoute les comptes de démonstration ;
             --scale national [--seed N] charge le jeu de données national dans une base vide
  run        ce que fait « make run » : base privée sous .data/ si DATABASE_URL est vide, migrations, démo, serveur
  devdb      démarre la base privée sous .data/postgres et affiche son DATABASE_URL
  funding    financement annuel d'une CPTS (aci funding -h)
  schedule   échéancier de paiement sur 5 ans d'une CPTS (aci schedule -h)
  audit      vérifie la chaîne d'empreintes de l'historique des dossiers (aci audit verify)
  user       crée ou désactive un compte, réinitialise sa vérification en deux étapes (aci user create|disable|reset-mfa -h)
  bench      ce que fait « make bench » : serveur sur une base privée (.data/bench), charge de chaque page, docs/benchmarks.md
`

// stdin is where `aci user create --password-stdin` reads.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitCode(2)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, rest, getenv, stdout, stderr)
	case "seed":
		return cmdSeed(ctx, rest, getenv, stdout, stderr)
	case "run":
		return cmdRun(ctx, rest, getenv, stdout, stderr)
	case "devdb":
		return cmdDevDB(ctx, rest, getenv, stdout, stderr)
	case "funding":
		return cmdFunding(ctx, rest, getenv, stdout, stderr)
	case "schedule":
		return cmdSchedule(ctx, rest, getenv, stdout, stderr)
	case "audit":
		return cmdAudit(ctx, rest, getenv, stdout, stderr)
	case "user":
		return cmdUser(ctx, rest, getenv, stdin, stdout, stderr)
	case "bench":
		return cmdBench(ctx, rest, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "aci : commande inconnue %q\n%s", cmd, usage)
	return exitCode(2)
}
