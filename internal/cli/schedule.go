package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

const scheduleUsage = `Usage : aci schedule --population N --signed AAAA-MM-JJ [--launch CODE=AAAA-MM-JJ,...] [--crisis-years 2,4] [--achievement R] [--json]

Échéancier des versements ACI d'une CPTS sur les 5 années du contrat (chaque année sur le barème
en vigueur à son premier jour ; une année qui commence avant le 01/04/2022, avenant 2, est
refusée : barème ACI CPTS 2019 non saisi).
  --population N      population couverte
  --signed DATE       date de signature du contrat (obligatoire)
  --launch LISTE      missions démarrées et leur date de démarrage, ex. acces=2024-06-01,parcours=2025-01-15 ;
                      sans cette option, les missions socle (acces, parcours, prevention, crise) sont
                      réputées démarrées à la signature ; le fonctionnement est toujours versé
  --crisis-years L    années de contrat (1 à 5) où l'ARS a déclaré une crise sanitaire grave, ex. 2,4
  --achievement R     taux d'atteinte entre 0 et 1 (« 0.85 » ou « 0,85 ») appliqué à chaque mission
                      à indicateurs et chaque année, défaut 1
  --json              un objet JSON au lieu du tableau
`

// paymentJSON and scheduleJSON are exactly the documented JSON interface
// ("{"payments": [{"due": "2024-03-15", "mission": "parcours", "kind":
// "avance", "amount_cents": 1234567}, ...], "total_cents": ...}"): other
// tools and tests rely on these keys and on no others. The contract year and
// the rule of each payment are in the text output and on the simulator page.
type paymentJSON struct {
	Due         string          `json:"due"`
	Mission     funding.Mission `json:"mission"`
	Kind        funding.Kind    `json:"kind"`
	AmountCents domain.Cents    `json:"amount_cents"`
}

type scheduleJSON struct {
	Payments   []paymentJSON `json:"payments"`
	TotalCents domain.Cents  `json:"total_cents"`
}

type launchJSON struct {
	Mission funding.Mission `json:"mission"`
	Start   string          `json:"start"`
}

// parseLaunch reads --launch "acces=2024-06-01,parcours=2025-01-15".
// A fonctionnement entry is accepted and ignored (it starts at signature).
func parseLaunch(s string) (map[funding.Mission]domain.Date, error) {
	out := map[funding.Mission]domain.Date{}
	for _, item := range strings.Split(s, ",") {
		code, date, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			return nil, badf("--launch : %q attendu sous la forme CODE=AAAA-MM-JJ", strings.TrimSpace(item))
		}
		m, err := funding.ParseMission(code)
		if err != nil {
			return nil, badf("mission inconnue %q dans --launch", strings.TrimSpace(code))
		}
		d, err := parseDate("--launch "+string(m), date)
		if err != nil {
			return nil, err
		}
		if _, dup := out[m]; dup {
			return nil, badf("--launch : mission %s donnée deux fois", m)
		}
		if m != funding.Fonctionnement {
			out[m] = d
		}
	}
	return out, nil
}

func parseYears(s string) ([funding.ContractYears]bool, error) {
	var out [funding.ContractYears]bool
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, p := range strings.Split(s, ",") {
		y, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || y < 1 || y > funding.ContractYears {
			return out, badf("--crisis-years : année de contrat invalide %q (attendue entre 1 et 5)", strings.TrimSpace(p))
		}
		out[y-1] = true
	}
	return out, nil
}

// Schedule runs `aci schedule` (see scheduleUsage). today is unused: each
// contract year's barème is the one in force on its first day.
func Schedule(args []string, stdout, stderr io.Writer, today domain.Date) (code int) {
	defer guard(stderr, "schedule", &code)
	a, err := parseScheduleArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		io.WriteString(stdout, scheduleUsage)
		return ExitOK
	}
	if err != nil {
		return fail(stderr, "schedule", err)
	}
	// Each contract year is computed on the barème in force on its first day
	// (docs/rules.md §4); the tier and the default missions follow year 1's.
	list := funding.Builtin()
	b, err := funding.YearBareme(list, a.signed, 1)
	if err != nil {
		return fail(stderr, "schedule", err)
	}
	tier, err := b.Tier(a.population)
	if err != nil {
		return fail(stderr, "schedule", err)
	}
	starts, err := scheduleStarts(a, b)
	if err != nil {
		return fail(stderr, "schedule", err)
	}
	in := funding.ScheduleInput{Baremes: list, Tier: tier, Signed: a.signed, Starts: starts, Crisis: a.crisis}
	for y := range in.Achievement {
		in.Achievement[y] = map[funding.Mission]funding.Rate{}
		for _, m := range funding.AllMissions() {
			if m.HasAchievement() {
				in.Achievement[y][m] = a.rate
			}
		}
	}
	s, err := funding.BuildSchedule(in)
	if err != nil {
		return fail(stderr, "schedule", err)
	}
	if a.asJSON {
		out := scheduleJSON{TotalCents: s.Total, Payments: []paymentJSON{}}
		for _, p := range s.Payments {
			out.Payments = append(out.Payments, paymentJSON{p.Due.String(), p.Mission, p.Kind, p.Amount})
		}
		return writeJSON(stdout, stderr, "schedule", out)
	}
	writeScheduleText(stdout, a, b, tier, starts, list, s)
	return ExitOK
}

// scheduleArgs are the options of `aci schedule`, parsed; launch is still
// the raw --launch list (read once the barème is known).
type scheduleArgs struct {
	population int64
	signed     domain.Date
	launch     string
	rate       funding.Rate
	crisis     [funding.ContractYears]bool
	asJSON     bool
}

// parseScheduleArgs reads the options of `aci schedule`; --help answers
// flag.ErrHelp.
func parseScheduleArgs(args []string) (scheduleArgs, error) {
	var a scheduleArgs
	fs := flag.NewFlagSet("schedule", flag.ContinueOnError)
	pop := fs.String("population", "", "")
	signed := fs.String("signed", "", "")
	launch := fs.String("launch", "", "")
	crisisYears := fs.String("crisis-years", "", "")
	achievement := fs.String("achievement", "1", "")
	asJSON := fs.Bool("json", false, "")
	if err := parseFlags(fs, args); err != nil {
		return a, err
	}
	a.launch, a.asJSON = *launch, *asJSON
	var err error
	if a.population, err = parsePopulation(*pop); err != nil {
		return a, err
	}
	if *signed == "" {
		return a, badf("--signed est obligatoire (date de signature AAAA-MM-JJ)")
	}
	if a.signed, err = parseDate("--signed", *signed); err != nil {
		return a, err
	}
	if a.rate, err = parseRate(*achievement); err != nil {
		return a, err
	}
	if a.crisis, err = parseYears(*crisisYears); err != nil {
		return a, err
	}
	return a, nil
}

// scheduleStarts is the start date of each mission: the --launch list, or by
// default every socle mission of barème b at signature.
func scheduleStarts(a scheduleArgs, b funding.Bareme) (map[funding.Mission]domain.Date, error) {
	if a.launch != "" {
		return parseLaunch(a.launch)
	}
	starts := map[funding.Mission]domain.Date{}
	for _, m := range funding.SocleMissions() {
		if b.Has(m) {
			starts[m] = a.signed
		}
	}
	return starts, nil
}

// writeScheduleText writes the text output of `aci schedule`: a heading with
// year 1's barème and tier, the missions started, the table of payments, the
// total of each contract year with its barème, and the five years' total.
func writeScheduleText(stdout io.Writer, a scheduleArgs, b funding.Bareme, tier int, starts map[funding.Mission]domain.Date, list []funding.Bareme, s funding.Schedule) {
	fmt.Fprintf(stdout, "Échéancier ACI CPTS — barème de l'année 1 : %s — taille %d (population %s) — signé le %s\n",
		b.Name, tier, domain.GroupThousands(a.population), a.signed.French())
	var launches []launchJSON
	for _, m := range funding.AllMissions() {
		if d, ok := starts[m]; ok {
			launches = append(launches, launchJSON{m, d.String()})
		}
	}
	var ls []string
	for _, l := range launches {
		d, _ := domain.ParseDate(l.Start)
		ls = append(ls, fmt.Sprintf("%s le %s", l.Mission.Label(), d.French()))
	}
	if len(ls) == 0 {
		ls = []string{"aucune (seul le fonctionnement de l'année 1 est versé)"}
	}
	fmt.Fprintf(stdout, "Missions démarrées : %s\n\n", strings.Join(ls, ", "))
	t := table{right: []bool{false, true, false, false, true, false}}
	t.add("Échéance", "Année", "Mission", "Nature", "Montant", "Règle")
	for _, p := range s.Payments {
		t.add(p.Due.French(), strconv.Itoa(p.ContractYear), p.Mission.Label(), string(p.Kind), domain.FormatEUR(p.Amount), p.Rule)
	}
	t.write(stdout)
	fmt.Fprintln(stdout)
	names := map[string]string{}
	for _, x := range list {
		names[x.Code] = x.Name
	}
	for i, e := range s.Years {
		fmt.Fprintf(stdout, "Année %d (du %s au %s, barème %s) : %s\n", e.Year, a.signed.AddYears(i).French(), a.signed.AddYears(i+1).French(), names[e.Bareme], domain.FormatEUR(e.Total))
	}
	fmt.Fprintf(stdout, "Total sur 5 ans : %s\n", domain.FormatEUR(s.Total))
}
