// Package cli holds the subcommands of the aci binary that need no database:
// `aci funding` (simulate one contract year of a CPTS) and `aci schedule`
// (the 5-year payment schedule). Each takes its arguments, its output
// streams and today's date, and returns the exit status: 0 ok, 2 bad input
// (one French line on stderr), 1 unexpected error. They never panic.
package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
)

// Exit statuses.
const (
	ExitOK       = 0
	ExitInternal = 1
	ExitUsage    = 2
)

const fundingUsage = `Usage : aci funding --population N [--missions all|socle|CODE,CODE...] [--year 1..5] [--crisis] [--achievement R] [--indicators FICHIER] [--signed AAAA-MM-JJ] [--json]

Simule le financement ACI d'une CPTS pour une année de contrat.
  --population N    population couverte (somme des populations légales des communes)
  --missions M      all (défaut : les 7 lignes), socle (fonctionnement + acces, parcours,
                    prevention, crise) ou une liste de codes séparés par des virgules parmi
                    fonctionnement, acces, parcours, prevention, crise, qualite, accompagnement
                    (le fonctionnement est toujours inclus)
  --year N          année de contrat, de 1 à 5 (défaut 1 : plan de crise rédigé la 1re année,
                    mis à jour ensuite)
  --crisis          une crise sanitaire grave a été déclarée par l'ARS cette année
  --achievement R   taux d'atteinte entre 0 et 1 (« 0.85 » ou « 0,85 »), défaut 1, appliqué à
                    chaque mission à indicateurs
  --indicators F    fichier JSON des indicateurs : liste de {"mission", "baseline", "target",
                    "value", "weight", "decreasing"}, valeurs écrites comme d'habitude
                    (« "62,5" », « "62,5 %" », « "1 234" ») ; le taux d'atteinte de chaque
                    mission en est calculé (les autres missions gardent --achievement)
  --signed DATE     date de signature : choisit le barème en vigueur le premier jour de l'année
                    de contrat et le supplément signataire précoce ; sans elle, barème en
                    vigueur aujourd'hui, sans supplément. Une année qui commence avant le
                    01/04/2022 (avenant 2) est refusée : barème ACI CPTS 2019 non saisi
  --json            un objet JSON au lieu du tableau
`

// usageError is bad input: exit 2 with its one-line French message.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func badf(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// fail writes err as one line on stderr and returns the exit status.
func fail(stderr io.Writer, cmd string, err error) int {
	var u usageError
	msg, code := "", ExitInternal
	switch {
	case errors.As(err, &u):
		msg, code = u.msg, ExitUsage
	case domain.ErrorCode(err) == domain.EInvalid || domain.ErrorCode(err) == domain.ENotFound:
		msg, code = domain.ErrorMessage(err), ExitUsage
	default:
		msg = "erreur inattendue : " + err.Error()
	}
	msg = strings.Join(strings.Fields(msg), " ") // exactly one line
	fmt.Fprintf(stderr, "aci %s : %s\n", cmd, msg)
	return code
}

// guard turns a panic into an internal error (exit 1): the commands never
// panic at their caller.
func guard(stderr io.Writer, cmd string, code *int) {
	if r := recover(); r != nil {
		*code = fail(stderr, cmd, fmt.Errorf("%v", r))
	}
}

// parseFlags parses args with fs, translating flag's English errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		msg := err.Error()
		switch {
		case strings.HasPrefix(msg, "flag provided but not defined: "):
			return badf("option inconnue -%s (voir --help)", strings.TrimPrefix(msg, "flag provided but not defined: "))
		case strings.HasPrefix(msg, "flag needs an argument: "):
			return badf("l'option -%s attend une valeur", strings.TrimPrefix(msg, "flag needs an argument: "))
		}
		return badf("option invalide : %s", msg)
	}
	if fs.NArg() > 0 {
		return badf("argument inattendu %q (voir --help)", fs.Arg(0))
	}
	return nil
}

// parsePopulation reads --population; its tier depends on the barème's edges
// (funding.Bareme.Tier, docs/rules.md §3).
func parsePopulation(s string) (int64, error) {
	if s == "" {
		return 0, badf("--population est obligatoire (nombre d'habitants)")
	}
	n, err := strconv.ParseInt(strings.TrimSpace(strings.ReplaceAll(s, "_", "")), 10, 64)
	if err != nil {
		return 0, badf("population invalide %q : un nombre entier d'habitants est attendu", s)
	}
	if n < 0 {
		return 0, badf("population invalide %d : elle ne peut pas être négative", n)
	}
	return n, nil
}

// parseRate reads an achievement rate in [0, 1] ("0.85", "0,85", "1", ".5")
// as basis points, on the decimal digits, without floats (docs/rules.md §11).
//
// Decision: a rate given with more than 4 decimals is rounded half away from
// zero to 4 decimals, the precision of a mission's rate (docs/rules.md §6: "a
// mission's rate … rounded to 4 decimals"): 0.33335 → 0.3334, 0.12344 →
// 0.1234. Only plain decimals are accepted (no sign, exponent, hex,
// fraction or spaces inside).
func parseRate(s string) (funding.Rate, error) {
	bad := badf("taux d'atteinte invalide %q : un nombre entre 0 et 1 est attendu (ex. 0,85)", s)
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "-") {
		return 0, badf("taux d'atteinte %s hors de [0, 1]", t)
	}
	intPart, frac, _ := strings.Cut(strings.ReplaceAll(t, ",", "."), ".")
	if intPart == "" && frac == "" || len(intPart) > 12 || len(frac) > 64 {
		return 0, bad
	}
	for _, c := range intPart + frac {
		if c < '0' || c > '9' {
			return 0, bad
		}
	}
	var ip int64
	for _, c := range intPart {
		ip = ip*10 + int64(c-'0')
	}
	// Basis points from the first 4 decimals, then round on the 5th digit
	// (half away from zero; the value is ≥ 0).
	var bp int64
	for i := 0; i < 4; i++ {
		bp *= 10
		if i < len(frac) {
			bp += int64(frac[i] - '0')
		}
	}
	if len(frac) > 4 && frac[4] >= '5' {
		bp++
	}
	// Out of range when above 1: integer part ≥ 2, or 1 with any non-zero decimal.
	if ip > 1 || ip == 1 && strings.Trim(frac, "0") != "" {
		return 0, badf("taux d'atteinte %s hors de [0, 1]", t)
	}
	return funding.Rate(ip*int64(funding.FullRate) + bp), nil
}

func parseDate(flagName, s string) (domain.Date, error) {
	d, err := domain.ParseDate(strings.TrimSpace(s))
	if err != nil {
		return domain.Date{}, badf("%s : date invalide %q (format attendu AAAA-MM-JJ)", flagName, s)
	}
	return d, nil
}

// parseMissions reads --missions: all, socle or a list of codes.
// Fonctionnement is always included. all and socle keep the missions the
// barème has (a barème may lack a mission: crise came with avenant 2).
func parseMissions(s string, b funding.Bareme) ([]funding.Mission, error) {
	var ms []funding.Mission
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return nil, badf("--missions vide : all, socle ou une liste de codes est attendu")
	case "all":
		ms = funding.AllMissions()
	case "socle":
		ms = append([]funding.Mission{funding.Fonctionnement}, funding.SocleMissions()...)
	default:
		seen := map[funding.Mission]bool{funding.Fonctionnement: true}
		out := []funding.Mission{funding.Fonctionnement}
		for _, c := range strings.Split(s, ",") {
			m, err := funding.ParseMission(c)
			if err != nil {
				return nil, badf("mission inconnue %q (codes : fonctionnement, acces, parcours, prevention, crise, qualite, accompagnement ; ou all, socle)", strings.TrimSpace(c))
			}
			if !b.Has(m) {
				return nil, badf("la mission %s n'existe pas dans le barème %s", m, b.Name)
			}
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
		return out, nil
	}
	var out []funding.Mission
	for _, m := range ms {
		if b.Has(m) {
			out = append(out, m)
		}
	}
	return out, nil
}

// fundingLineJSON and fundingJSON are exactly the documented JSON interface
// ("{"tier": 2, "total_cents": 38250000, "lines": [{"mission": "acces",
// "fixed_cents": 7000000, "variable_cents": 3000000}, ...]}"): other tools
// and tests rely on these keys and on no others.
type fundingLineJSON struct {
	Mission       funding.Mission `json:"mission"`
	FixedCents    domain.Cents    `json:"fixed_cents"`
	VariableCents domain.Cents    `json:"variable_cents"`
}

type fundingJSON struct {
	Tier       int               `json:"tier"`
	TotalCents domain.Cents      `json:"total_cents"`
	Lines      []fundingLineJSON `json:"lines"`
}

// fundingRateLineJSON is a line with --indicators (docs/rules.md §6): per line,
// rate_bp, the mission rate in basis points, next to fixed_cents and
// variable_cents. Decision: rate_bp is null on the lines without an
// achievement rate (fonctionnement, crise); it is the --achievement rate on
// an achievement mission without indicators in the file.
type fundingRateLineJSON struct {
	Mission       funding.Mission `json:"mission"`
	FixedCents    domain.Cents    `json:"fixed_cents"`
	VariableCents domain.Cents    `json:"variable_cents"`
	RateBP        *funding.Rate   `json:"rate_bp"`
}

type fundingRateJSON struct {
	Tier       int                   `json:"tier"`
	TotalCents domain.Cents          `json:"total_cents"`
	Lines      []fundingRateLineJSON `json:"lines"`
}

// readIndicators reads the --indicators file (at most
// contractlife.MaxIndicatorsJSON bytes) and parses it (docs/rules.md §6).
func readIndicators(path string) ([]contractlife.Measure, error) {
	if strings.TrimSpace(path) == "" {
		return nil, badf("--indicators attend le chemin d'un fichier JSON")
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, badf("fichier d'indicateurs introuvable : %s", path)
		}
		return nil, badf("fichier d'indicateurs illisible : %s", path)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, contractlife.MaxIndicatorsJSON+1))
	if err != nil {
		return nil, badf("fichier d'indicateurs illisible : %s", path)
	}
	return contractlife.ParseIndicatorsJSON(data)
}

// fundingLineOut is one line as the CLI shows it. The early-signer
// supplement is added to the fixed part of the fonctionnement line of year 1
// (docs/rules.md §5, decision: "paid once, with the first fonctionnement
// payment. Total amorçage after signature then T1 87 500 · T2 105 000 · T3
// 131 250 · T4 157 500"), so that total_cents is the sum of fixed_cents +
// variable_cents over the lines (docs/rules.md §11: totals are sums of lines).
func fundingLineOut(l funding.Line) (fixed, variable domain.Cents) {
	return l.Fixed + l.Supplement, l.Variable
}

// Funding runs `aci funding` (see fundingUsage).
func Funding(args []string, stdout, stderr io.Writer, today domain.Date) (code int) {
	defer guard(stderr, "funding", &code)
	fs := flag.NewFlagSet("funding", flag.ContinueOnError)
	pop := fs.String("population", "", "")
	missions := fs.String("missions", "all", "")
	year := fs.String("year", "1", "")
	crisis := fs.Bool("crisis", false, "")
	achievement := fs.String("achievement", "1", "")
	signed := fs.String("signed", "", "")
	indicatorsFile := fs.String("indicators", "", "")
	asJSON := fs.Bool("json", false, "")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			io.WriteString(stdout, fundingUsage)
			return ExitOK
		}
		return fail(stderr, "funding", err)
	}
	withIndicators := false
	fs.Visit(func(f *flag.Flag) { withIndicators = withIndicators || f.Name == "indicators" })
	population, err := parsePopulation(*pop)
	if err != nil {
		return fail(stderr, "funding", err)
	}
	y, err := strconv.Atoi(strings.TrimSpace(*year))
	if err != nil || y < 1 || y > funding.ContractYears {
		return fail(stderr, "funding", badf("année de contrat invalide %q : attendue entre 1 et 5", *year))
	}
	rate, err := parseRate(*achievement)
	if err != nil {
		return fail(stderr, "funding", err)
	}
	// The barème of the contract year: in force on its first day when the
	// signature date is known, else today (docs/rules.md §4).
	var signedOn domain.Date
	var b funding.Bareme
	if *signed != "" {
		if signedOn, err = parseDate("--signed", *signed); err != nil {
			return fail(stderr, "funding", err)
		}
		b, err = funding.YearBareme(funding.Builtin(), signedOn, y)
	} else {
		b, err = funding.BaremeAt(funding.Builtin(), today)
	}
	if err != nil {
		return fail(stderr, "funding", err)
	}
	tier, err := b.Tier(population)
	if err != nil {
		return fail(stderr, "funding", err)
	}
	ms, err := parseMissions(*missions, b)
	if err != nil {
		return fail(stderr, "funding", err)
	}
	rates := map[funding.Mission]funding.Rate{}
	for _, m := range funding.AllMissions() {
		if m.HasAchievement() {
			rates[m] = rate
		}
	}
	var measures []contractlife.Measure
	if withIndicators {
		if measures, err = readIndicators(*indicatorsFile); err != nil {
			return fail(stderr, "funding", err)
		}
		byMission, err := contractlife.MissionRates(measures)
		if err != nil {
			return fail(stderr, "funding", err)
		}
		for m, r := range byMission {
			if !slices.Contains(ms, m) {
				return fail(stderr, "funding", badf("la mission %s a des indicateurs mais n'est pas simulée (voir --missions)", m))
			}
			rates[m] = r
		}
	}
	e, err := funding.Annual(funding.YearInput{Bareme: b, Tier: tier, Missions: ms, Year: y, Crisis: *crisis, Achievement: rates, Signed: signedOn})
	if err != nil {
		return fail(stderr, "funding", err)
	}
	if withIndicators {
		return writeFundingWithRates(stdout, stderr, *asJSON, b, population, tier, y, *crisis, rate, rates, measures, e)
	}
	if *asJSON {
		out := fundingJSON{Tier: tier, TotalCents: e.Total, Lines: []fundingLineJSON{}}
		for _, l := range e.Lines {
			f, v := fundingLineOut(l)
			out.Lines = append(out.Lines, fundingLineJSON{l.Mission, f, v})
		}
		return writeJSON(stdout, stderr, "funding", out)
	}
	yes := map[bool]string{true: "oui", false: "non"}
	fmt.Fprintf(stdout, "Financement ACI CPTS — barème %s (en vigueur le %s)\n", b.Name, b.Effective.French())
	fmt.Fprintf(stdout, "Population : %s habitants — taille %d — année de contrat %d — crise déclarée : %s — taux d'atteinte : %s\n\n",
		domain.GroupThousands(population), tier, y, yes[*crisis], funding.FormatRate(rate))
	// Notes first, so that the table ends the output with its total line.
	var supplement domain.Cents
	for _, l := range e.Lines {
		supplement += l.Supplement
	}
	if supplement != 0 {
		fmt.Fprintf(stdout, "Fonctionnement de l'année %d dont supplément exceptionnel signataire précoce (signature avant le %s, %s) : %s\n",
			y, b.EarlySignerCutoff.French(), b.Name, domain.FormatEUR(supplement))
	}
	if !b.Has(funding.Crise) {
		fmt.Fprintf(stdout, "La mission crises sanitaires graves n'existe pas dans le barème %s : elle a été créée par l'avenant 2.\n", b.Name)
	}
	if supplement != 0 || !b.Has(funding.Crise) {
		fmt.Fprintln(stdout)
	}
	t := table{right: []bool{false, true, true, true}}
	t.add("Mission", "Part fixe", "Part variable", "Total")
	for _, l := range e.Lines {
		f, v := fundingLineOut(l)
		t.add(l.Mission.Label(), domain.FormatEUR(f), domain.FormatEUR(v), domain.FormatEUR(f+v))
	}
	t.add("Total", "", "", domain.FormatEUR(e.Total))
	t.write(stdout)
	return ExitOK
}

func writeJSON(stdout, stderr io.Writer, cmd string, v any) int {
	buf, err := json.Marshal(v)
	if err != nil {
		return fail(stderr, cmd, err)
	}
	buf = append(buf, '\n')
	if _, err := stdout.Write(buf); err != nil {
		return fail(stderr, cmd, err)
	}
	return ExitOK
}

// table writes aligned columns (widths in runes, so that the narrow no-break
// spaces of amounts count as one).
type table struct {
	rows  [][]string
	right []bool // right-align column i
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			if n := utf8.RuneCountInString(c); n > widths[i] {
				widths[i] = n
			}
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		b.Reset()
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if i < len(t.right) && t.right[i] {
				b.WriteString(pad + c)
			} else if i < len(r)-1 {
				b.WriteString(c + pad)
			} else {
				b.WriteString(c)
			}
		}
		io.WriteString(w, strings.TrimRight(b.String(), " ")+"\n")
	}
}
