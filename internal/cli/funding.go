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
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

// Exit statuses.
const (
	ExitOK       = 0
	ExitInternal = 1
	ExitUsage    = 2
)

const fundingUsage = `Usage : aci funding --population N [--missions all|socle|CODE,CODE...] [--year 1..5] [--crisis] [--achievement R] [--signed AAAA-MM-JJ] [--json]

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
  --signed DATE     date de signature : choisit le barème en vigueur ce jour-là et le supplément
                    signataire précoce (année 1) ; sans elle, barème en vigueur aujourd'hui,
                    sans supplément
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
			return badf("option inconnue %s (voir --help)", strings.TrimPrefix(msg, "flag provided but not defined: "))
		case strings.HasPrefix(msg, "flag needs an argument: "):
			return badf("l'option %s attend une valeur", strings.TrimPrefix(msg, "flag needs an argument: "))
		}
		return badf("option invalide : %s", msg)
	}
	if fs.NArg() > 0 {
		return badf("argument inattendu %q (voir --help)", fs.Arg(0))
	}
	return nil
}

func parsePopulation(s string) (int64, int, error) {
	if s == "" {
		return 0, 0, badf("--population est obligatoire (nombre d'habitants)")
	}
	n, err := strconv.ParseInt(strings.TrimSpace(strings.ReplaceAll(s, "_", "")), 10, 64)
	if err != nil {
		return 0, 0, badf("population invalide %q : un nombre entier d'habitants est attendu", s)
	}
	if n < 0 {
		return 0, 0, badf("population invalide %d : elle ne peut pas être négative", n)
	}
	tier, err := funding.Tier(n)
	return n, tier, err
}

// parseRate reads an achievement rate in [0, 1] ("0.85" or "0,85") as basis
// points, rounded half away from zero to 4 decimals, without floats.
func parseRate(s string) (funding.Rate, error) {
	r, ok := new(big.Rat).SetString(strings.ReplaceAll(strings.TrimSpace(s), ",", "."))
	if !ok || strings.ContainsAny(s, "/eE") {
		return 0, badf("taux d'atteinte invalide %q : un nombre entre 0 et 1 est attendu (ex. 0,85)", s)
	}
	if r.Sign() < 0 || r.Cmp(big.NewRat(1, 1)) > 0 {
		return 0, badf("taux d'atteinte %s hors de [0, 1]", s)
	}
	r.Mul(r, big.NewRat(2*int64(funding.FullRate), 1))
	q := new(big.Int).Quo(new(big.Int).Add(r.Num(), r.Denom()), new(big.Int).Mul(r.Denom(), big.NewInt(2)))
	return funding.Rate(q.Int64()), nil
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
// barème has (the 2019 barème has no crise).
func parseMissions(s string, b funding.Bareme) ([]funding.Mission, error) {
	var ms []funding.Mission
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return nil, badf("--missions vide : all, socle ou une liste de codes est attendu")
	case "all":
		ms = funding.AllMissions
	case "socle":
		ms = append([]funding.Mission{funding.Fonctionnement}, funding.SocleMissions...)
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

type fundingLineJSON struct {
	Mission         funding.Mission `json:"mission"`
	Label           string          `json:"label"`
	FixedCents      domain.Cents    `json:"fixed_cents"`
	VariableCents   domain.Cents    `json:"variable_cents"`
	SupplementCents domain.Cents    `json:"supplement_cents,omitempty"`
	TotalCents      domain.Cents    `json:"total_cents"`
}

type fundingJSON struct {
	Tier          int               `json:"tier"`
	Population    int64             `json:"population"`
	Bareme        string            `json:"bareme"`
	BaremeName    string            `json:"bareme_name"`
	Year          int               `json:"year"`
	Crisis        bool              `json:"crisis"`
	AchievementBP funding.Rate      `json:"achievement_bp"`
	TotalCents    domain.Cents      `json:"total_cents"`
	Lines         []fundingLineJSON `json:"lines"`
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
	asJSON := fs.Bool("json", false, "")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			io.WriteString(stdout, fundingUsage)
			return ExitOK
		}
		return fail(stderr, "funding", err)
	}
	population, tier, err := parsePopulation(*pop)
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
	var signedOn domain.Date
	at := today
	if *signed != "" {
		if signedOn, err = parseDate("--signed", *signed); err != nil {
			return fail(stderr, "funding", err)
		}
		at = signedOn
	}
	b, err := funding.BaremeAt(funding.Builtin(), at)
	if err != nil {
		return fail(stderr, "funding", err)
	}
	ms, err := parseMissions(*missions, b)
	if err != nil {
		return fail(stderr, "funding", err)
	}
	rates := map[funding.Mission]funding.Rate{}
	for _, m := range funding.AllMissions {
		if m.HasAchievement() {
			rates[m] = rate
		}
	}
	e, err := funding.Annual(funding.YearInput{Bareme: b, Tier: tier, Missions: ms, Year: y, Crisis: *crisis, Achievement: rates, Signed: signedOn})
	if err != nil {
		return fail(stderr, "funding", err)
	}
	if *asJSON {
		out := fundingJSON{Tier: tier, Population: population, Bareme: b.Code, BaremeName: b.Name, Year: y, Crisis: *crisis, AchievementBP: rate, TotalCents: e.Total, Lines: []fundingLineJSON{}}
		for _, l := range e.Lines {
			out.Lines = append(out.Lines, fundingLineJSON{l.Mission, l.Mission.Label(), l.Fixed, l.Variable, l.Supplement, l.Total()})
		}
		return writeJSON(stdout, stderr, "funding", out)
	}
	yes := map[bool]string{true: "oui", false: "non"}
	fmt.Fprintf(stdout, "Financement ACI CPTS — barème %s (en vigueur le %s)\n", b.Name, b.Effective.French())
	fmt.Fprintf(stdout, "Population : %s habitants — taille %d — année de contrat %d — crise déclarée : %s — taux d'atteinte : %s\n\n",
		domain.GroupThousands(population), tier, y, yes[*crisis], funding.FormatRate(rate))
	t := table{right: []bool{false, true, true, true}}
	t.add("Mission", "Part fixe", "Part variable", "Total")
	for _, l := range e.Lines {
		t.add(l.Mission.Label(), domain.FormatEUR(l.Fixed), domain.FormatEUR(l.Variable), domain.FormatEUR(l.Fixed+l.Variable))
		if l.Supplement != 0 {
			t.add("Supplément signataire précoce (avant le "+b.EarlySignerCutoff.French()+")", domain.FormatEUR(l.Supplement), domain.FormatEUR(0), domain.FormatEUR(l.Supplement))
		}
	}
	t.add("Total", "", "", domain.FormatEUR(e.Total))
	t.write(stdout)
	fmt.Fprintf(stdout, "\nTaille de CPTS : %d\n", tier)
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
