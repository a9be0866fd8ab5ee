package main

import (
	"context"
	"fmt"
	"io"

	"github.com/portail-aci/aci/internal/config"
)

const auditUsage = `Usage : aci audit verify

Vérifie la chaîne d'empreintes de l'historique de chaque dossier (dossier_audit) :
chaque ligne doit correspondre à son empreinte et à celle de la précédente, et la
dernière à la tête de chaîne enregistrée sur le dossier (lignes supprimées).
Code de sortie 0 si tout est intact, 1 à la première anomalie (nommée).
`

// cmdAudit runs `aci audit verify`.
func cmdAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) != 1 || args[0] != "verify" {
		if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(stdout, auditUsage)
			return nil
		}
		fmt.Fprint(stderr, auditUsage)
		return exitCode(2)
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
	rep, err := st.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if rep.Broken != "" {
		fmt.Fprintf(stderr, "chaîne d'audit ROMPUE : %s\n", rep.Broken)
		return exitCode(1)
	}
	fmt.Fprintf(stdout, "chaîne d'audit intacte : %d lignes, %d dossiers\n", rep.Rows, rep.Dossiers)
	return nil
}
