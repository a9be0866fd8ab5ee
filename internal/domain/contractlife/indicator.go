package contractlife

import (
	"strconv"
	"strings"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

// Unit is the unit of an indicator's values (docs/rules.md §6, decision
// "units"): a count or a percentage.
type Unit string

const (
	Count   Unit = "nombre"      // a whole number ≥ 0: « 1 234 »
	Percent Unit = "pourcentage" // 0 to 100 with up to two decimals: « 62,5 % »
)

// Valid reports whether u is a known unit.
func (u Unit) Valid() bool { return u == Count || u == Percent }

// Label is the French name of the unit.
func (u Unit) Label() string {
	switch u {
	case Count:
		return "nombre"
	case Percent:
		return "pourcentage"
	}
	return string(u)
}

// ParseUnit reads a unit code ("nombre" or "pourcentage", also "%").
func ParseUnit(s string) (Unit, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "nombre", "count":
		return Count, nil
	case "pourcentage", "percent", "%":
		return Percent, nil
	}
	return "", domain.Errorf(domain.EInvalid, "unité d'indicateur inconnue %q (nombre ou pourcentage)", s)
}

// MaxCount is the largest count an indicator may hold (10¹² − 1): it keeps
// every difference of values far from int64 overflow.
const MaxCount = 999_999_999_999

// MaxPercent is 100 %, in hundredths of a percent.
const MaxPercent = 10_000

// Value is one indicator value in its own unit, stored exactly
// (docs/rules.md §6, decision "units"): a count as the number itself, a
// percentage as hundredths of a percent (62,5 % → 6 250). The zero Value has
// no unit and means "no value".
type Value struct {
	Unit Unit
	N    int64
}

// CountOf builds a count value; it fails below 0 or above MaxCount.
func CountOf(n int64) (Value, error) {
	if n < 0 {
		return Value{}, domain.Errorf(domain.EInvalid, "un nombre ne peut pas être négatif")
	}
	if n > MaxCount {
		return Value{}, domain.Errorf(domain.EInvalid, "nombre trop grand (au plus %s)", domain.GroupThousands(MaxCount))
	}
	return Value{Count, n}, nil
}

// PercentOf builds a percentage from hundredths of a percent (6 250 =
// 62,5 %); it fails outside [0, 10 000].
func PercentOf(hundredths int64) (Value, error) {
	if hundredths < 0 {
		return Value{}, domain.Errorf(domain.EInvalid, "un pourcentage ne peut pas être négatif")
	}
	if hundredths > MaxPercent {
		return Value{}, domain.Errorf(domain.EInvalid, "un pourcentage ne peut pas dépasser 100 %%")
	}
	return Value{Percent, hundredths}, nil
}

// IsZero reports whether v is the zero Value (no value).
func (v Value) IsZero() bool { return v == Value{} }

// Valid reports whether v holds a value of a known unit within its range.
func (v Value) Valid() bool {
	switch v.Unit {
	case Count:
		return v.N >= 0 && v.N <= MaxCount
	case Percent:
		return v.N >= 0 && v.N <= MaxPercent
	}
	return false
}

// String shows the value as people write it (docs/rules.md §6, decision
// "units": "shown as written, never as 6 250 centièmes"): a count with a
// narrow no-break space between thousands (« 1 234 »), a percentage with a
// decimal comma, without trailing zeros, and a no-break space before the
// sign (« 62,5 % », « 100 % », « 0,05 % »). The zero Value is "".
func (v Value) String() string {
	switch v.Unit {
	case Count:
		return domain.GroupThousands(v.N)
	case Percent:
		return v.Input() + "\u00a0%"
	}
	return ""
}

// Input is the value as a form field shows it back: a count without
// separators (« 1234 »), a percentage without its sign (« 62,5 »). ParseValue
// reads it back to the same value.
func (v Value) Input() string {
	switch v.Unit {
	case Count:
		return strconv.FormatInt(v.N, 10)
	case Percent:
		s := strconv.FormatInt(v.N/100, 10)
		frac := v.N % 100
		switch {
		case frac == 0:
		case frac%10 == 0:
			s += "," + strconv.FormatInt(frac/10, 10)
		default:
			s += "," + strconv.FormatInt(frac/10, 10) + strconv.FormatInt(frac%10, 10)
		}
		return s
	}
	return ""
}

// isSpace reports the spaces people (and spreadsheets) put in numbers: the
// ordinary space, the no-break space, the narrow no-break space and the thin
// space.
func isSpace(r rune) bool {
	return r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\u2009' || r == '\t'
}

func trimSpaces(s string) string { return strings.TrimFunc(s, isSpace) }

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseValue reads an indicator value typed as people write it in French
// (docs/rules.md §6, decision "units").
//
// Decision — what is accepted:
//   - a count: digits, with spaces (ordinary, no-break, narrow or thin) only
//     as thousands separators between groups of three digits: « 1234 »,
//     « 1 234 », « 1 234 567 »; no decimal, no sign; at most MaxCount;
//   - a percentage: 0 to 100 with at most two decimals, a decimal comma or a
//     decimal point (« 62,5 », « 62.5 », pasted from a spreadsheet), with or
//     without the sign « % », spaced or not (« 62,5 % », « 62,5% »); a digit
//     is required before the separator (« 0,5 », not « ,5 »).
//
// Refusals (French messages, code invalid): empty, negative, text, a
// decimal in a count, more than two decimals, above 100 %.
func ParseValue(u Unit, s string) (Value, error) {
	t := trimSpaces(s)
	if t == "" {
		return Value{}, domain.Errorf(domain.EInvalid, "valeur manquante")
	}
	neg := false
	if r := strings.TrimPrefix(strings.TrimPrefix(t, "-"), "−"); r != t {
		neg, t = true, trimSpaces(r)
		if t == "" {
			return Value{}, notANumber(s)
		}
	}
	switch u {
	case Count:
		return parseCount(s, t, neg)
	case Percent:
		return parsePercent(s, t, neg)
	}
	return Value{}, domain.Errorf(domain.EInvalid, "unité d'indicateur inconnue %q", string(u))
}

// ParseField is ParseValue for a form field: the error names the field.
func ParseField(field string, u Unit, s string) (Value, error) {
	v, err := ParseValue(u, s)
	if err != nil {
		return Value{}, domain.FieldError(field, "%s", domain.ErrorMessage(err))
	}
	return v, nil
}

func notANumber(s string) error {
	return domain.Errorf(domain.EInvalid, "« %s » n'est pas un nombre", trimSpaces(s))
}

func parseCount(orig, t string, neg bool) (Value, error) {
	if strings.ContainsAny(t, ",.") {
		digits := strings.NewReplacer(",", "", ".", "").Replace(t)
		if allDigits(strings.Map(func(r rune) rune {
			if isSpace(r) {
				return -1
			}
			return r
		}, digits)) {
			return Value{}, domain.Errorf(domain.EInvalid, "un nombre entier est attendu, sans décimale ni point (séparez les milliers par des espaces : 1 234)")
		}
		return Value{}, notANumber(orig)
	}
	groups := strings.FieldsFunc(t, isSpace)
	for i, g := range groups {
		if !allDigits(g) || i > 0 && len(g) != 3 || i == 0 && len(groups) > 1 && len(g) > 3 {
			return Value{}, notANumber(orig)
		}
	}
	digits := strings.TrimLeft(strings.Join(groups, ""), "0")
	if neg {
		if digits == "" {
			return Value{Count, 0}, nil
		}
		return Value{}, domain.Errorf(domain.EInvalid, "un nombre ne peut pas être négatif")
	}
	if len(digits) > 12 {
		return Value{}, domain.Errorf(domain.EInvalid, "nombre trop grand (au plus %s)", domain.GroupThousands(MaxCount))
	}
	var n int64
	for i := 0; i < len(digits); i++ {
		n = n*10 + int64(digits[i]-'0')
	}
	return CountOf(n)
}

func parsePercent(orig, t string, neg bool) (Value, error) {
	if r, ok := strings.CutSuffix(t, "%"); ok {
		t = trimSpaces(r)
	}
	intPart, frac, hasSep := strings.Cut(strings.Replace(t, ",", ".", 1), ".")
	if !allDigits(intPart) || hasSep && !allDigits(frac) {
		return Value{}, notANumber(orig)
	}
	if len(frac) > 2 {
		return Value{}, domain.Errorf(domain.EInvalid, "au plus deux décimales sont admises (ex. 62,55 %%)")
	}
	intPart = strings.TrimLeft(intPart, "0")
	zero := intPart == "" && strings.Trim(frac, "0") == ""
	if neg && !zero {
		return Value{}, domain.Errorf(domain.EInvalid, "un pourcentage ne peut pas être négatif")
	}
	if len(intPart) > 3 {
		return Value{}, domain.Errorf(domain.EInvalid, "un pourcentage ne peut pas dépasser 100 %%")
	}
	var n int64
	for i := 0; i < len(intPart); i++ {
		n = n*10 + int64(intPart[i]-'0')
	}
	n *= 100
	for i := 0; i < 2; i++ {
		if i < len(frac) {
			n += int64(frac[i]-'0') * []int64{10, 1}[i]
		}
	}
	return PercentOf(n)
}

// Measure is one indicator of a mission for a contract year, its values in
// the indicator's own unit (docs/rules.md §6).
type Measure struct {
	Mission   funding.Mission
	Direction funding.Direction
	Weight    int64 // > 0
	Baseline  Value
	Target    Value
	Value     Value // the validated value (or the declared one, for a simulation)
}

// maxWeight bounds an indicator weight (the sum of weights stays far from
// overflow).
const maxWeight = 1_000_000

// Funding converts m to the funding engine's measure: the three values must
// be valid and of the same unit, and then compare as integers (hundredths of
// a percent, or counts).
func (m Measure) Funding() (funding.Measure, error) {
	if !m.Mission.HasAchievement() {
		return funding.Measure{}, domain.Errorf(domain.EInvalid, "la mission %s n'a pas d'indicateurs d'atteinte", m.Mission.Label())
	}
	if m.Direction != funding.Increasing && m.Direction != funding.Decreasing {
		return funding.Measure{}, domain.Errorf(domain.EInvalid, "sens d'indicateur inconnu %q (croissant ou decroissant)", string(m.Direction))
	}
	if m.Weight <= 0 || m.Weight > maxWeight {
		return funding.Measure{}, domain.Errorf(domain.EInvalid, "poids d'indicateur invalide (%d) : un entier entre 1 et %s est attendu", m.Weight, domain.GroupThousands(maxWeight))
	}
	for _, v := range []Value{m.Baseline, m.Target, m.Value} {
		if !v.Valid() {
			return funding.Measure{}, domain.Errorf(domain.EInvalid, "valeur d'indicateur manquante ou hors limites (%s)", m.Mission.Label())
		}
	}
	if m.Baseline.Unit != m.Target.Unit || m.Value.Unit != m.Target.Unit {
		return funding.Measure{}, domain.Errorf(domain.EInvalid, "valeurs d'indicateur d'unités différentes (%s)", m.Mission.Label())
	}
	return funding.Measure{Direction: m.Direction, Baseline: m.Baseline.N, Target: m.Target.N, Value: m.Value.N, Weight: m.Weight}, nil
}

// IndicatorRate is one indicator's rate in basis points, rounded to 4
// decimals like a mission's (docs/rules.md §6, decision: progress from
// baseline toward target clamped to [0, 1], reversed for a decreasing
// indicator, a target equal to the baseline reached when the value is at
// least as good). It is computed by funding.RateFromIndicators on this one
// indicator, so there is one formula.
func IndicatorRate(m Measure) (funding.Rate, error) {
	fm, err := m.Funding()
	if err != nil {
		return 0, err
	}
	fm.Weight = 1
	return funding.RateFromIndicators([]funding.Measure{fm})
}

// MissionRates groups indicators by mission and returns each mission's rate
// (docs/rules.md §6, decision: Σ weight × rate / Σ weight, rounded to 4
// decimals — funding.RateFromIndicators, exact rationals, one rounding).
func MissionRates(ms []Measure) (map[funding.Mission]funding.Rate, error) {
	by := map[funding.Mission][]funding.Measure{}
	for _, m := range ms {
		fm, err := m.Funding()
		if err != nil {
			return nil, err
		}
		by[m.Mission] = append(by[m.Mission], fm)
	}
	out := make(map[funding.Mission]funding.Rate, len(by))
	for mission, list := range by {
		r, err := funding.RateFromIndicators(list)
		if err != nil {
			return nil, err
		}
		out[mission] = r
	}
	return out, nil
}
