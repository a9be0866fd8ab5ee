package cli

import (
	"fmt"
	"io"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
)

// writeFundingWithRates prints `aci funding --indicators`: each mission's
// rate (from its indicators, docs/rules.md §6) and variable amount with the
// rest of the entitlement. Without --indicators the output is the historic
// one, unchanged.
func writeFundingWithRates(stdout, stderr io.Writer, asJSON bool, b funding.Bareme, population int64, tier, year int, crisis bool,
	fallback funding.Rate, rates map[funding.Mission]funding.Rate, measures []contractlife.Measure, e funding.Entitlement) int {
	rateOf := func(m funding.Mission) *funding.Rate {
		if !m.HasAchievement() {
			return nil
		}
		r := rates[m]
		return &r
	}
	if asJSON {
		out := fundingRateJSON{Tier: tier, TotalCents: e.Total, Lines: []fundingRateLineJSON{}}
		for _, l := range e.Lines {
			f, v := fundingLineOut(l)
			out.Lines = append(out.Lines, fundingRateLineJSON{l.Mission, f, v, rateOf(l.Mission)})
		}
		return writeJSON(stdout, stderr, "funding", out)
	}
	yes := map[bool]string{true: "oui", false: "non"}
	fmt.Fprintf(stdout, "Financement ACI CPTS — barème %s (en vigueur le %s)\n", b.Name, b.Effective.French())
	fmt.Fprintf(stdout, "Population : %s habitants — taille %d — année de contrat %d — crise déclarée : %s — taux d'atteinte : selon les indicateurs (missions sans indicateur : %s)\n\n",
		domain.GroupThousands(population), tier, year, yes[crisis], funding.FormatRate(fallback))
	fmt.Fprintln(stdout, "Indicateurs :")
	for _, m := range funding.AllMissions() {
		first := true
		for _, ms := range measures {
			if ms.Mission != m {
				continue
			}
			if first {
				fmt.Fprintf(stdout, "  %s — taux d'atteinte %s\n", m.Label(), funding.FormatRate(rates[m]))
				first = false
			}
			r, err := contractlife.IndicatorRate(ms)
			if err != nil {
				return fail(stderr, "funding", err)
			}
			fmt.Fprintf(stdout, "    %s : %s\n", ms.Describe(), funding.FormatRate(r))
		}
	}
	fmt.Fprintln(stdout)
	var supplement domain.Cents
	for _, l := range e.Lines {
		supplement += l.Supplement
	}
	if supplement != 0 {
		fmt.Fprintf(stdout, "Fonctionnement de l'année 1 dont supplément exceptionnel signataire précoce (signature avant le %s, avenant 2) : %s\n",
			b.EarlySignerCutoff.French(), domain.FormatEUR(supplement))
	}
	if !b.Has(funding.Crise) {
		fmt.Fprintf(stdout, "La mission crises sanitaires graves n'existe pas dans le barème %s : elle a été créée par l'avenant 2.\n", b.Name)
	}
	if supplement != 0 || !b.Has(funding.Crise) {
		fmt.Fprintln(stdout)
	}
	t := table{right: []bool{false, true, true, true, true}}
	t.add("Mission", "Part fixe", "Taux d'atteinte", "Part variable", "Total")
	for _, l := range e.Lines {
		f, v := fundingLineOut(l)
		shown := ""
		if r := rateOf(l.Mission); r != nil {
			shown = funding.FormatRate(*r)
		}
		t.add(l.Mission.Label(), domain.FormatEUR(f), shown, domain.FormatEUR(v), domain.FormatEUR(f+v))
	}
	t.add("Total", "", "", "", domain.FormatEUR(e.Total))
	t.write(stdout)
	return ExitOK
}
