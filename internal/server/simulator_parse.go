package server

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

// simForm reads the simulator's GET parameters and collects French,
// field-level errors. Every value is bounded; the raw text is kept so the
// form shows what was typed.
type simForm struct {
	q       url.Values
	errs    map[string]string
	summary []string
}

func newSimForm(q url.Values) *simForm { return &simForm{q: q, errs: map[string]string{}} }

// raw returns a trimmed parameter cut to 40 characters (no simulator value
// is longer).
func (f *simForm) raw(name string) string {
	v := strings.TrimSpace(f.q.Get(name))
	if utf8.RuneCountInString(v) > 40 {
		v = string([]rune(v)[:40])
	}
	return v
}

func (f *simForm) fail(field, label, msg string) {
	if _, ok := f.errs[field]; ok {
		return
	}
	f.errs[field] = capitalize(msg)
	f.summary = append(f.summary, label+" : "+msg)
}

// integer reads a whole number in [min, max]; spaces (also narrow no-break
// ones) between thousands are accepted. ok is false when empty or wrong.
func (f *simForm) integer(name, label string, min, max int64, required bool) (int64, bool) {
	v := f.raw(name)
	if v == "" {
		if required {
			f.fail(name, label, "saisissez un nombre")
		}
		return 0, false
	}
	clean := strings.NewReplacer(" ", "", "\u202f", "", "\u00a0", "").Replace(v)
	n, err := strconv.ParseInt(clean, 10, 64)
	switch {
	case err != nil && strings.HasPrefix(clean, "-"):
		f.fail(name, label, "le nombre ne peut pas être négatif")
	case err != nil:
		f.fail(name, label, "saisissez un nombre entier, sans décimales (ex. 45 000)")
	case n < 0 && min >= 0:
		f.fail(name, label, "le nombre ne peut pas être négatif")
	case n < min || n > max:
		f.fail(name, label, "saisissez un nombre entre "+domain.GroupThousands(min)+" et "+domain.GroupThousands(max))
	default:
		return n, true
	}
	return 0, false
}

// rate reads a percentage between 0 and 100 with at most two decimals
// ("85", "85,5", "85.25") as a funding.Rate in basis points.
func (f *simForm) rate(name, label string) (funding.Rate, bool) {
	v := strings.TrimSuffix(strings.TrimSpace(f.raw(name)), "%")
	v = strings.TrimSpace(strings.ReplaceAll(v, ",", "."))
	if v == "" {
		return funding.FullRate, true
	}
	whole, frac, _ := strings.Cut(v, ".")
	if len(frac) > 2 {
		f.fail(name, label, "deux décimales au plus (ex. 85,25)")
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	// Digits only (ParseInt would take a sign inside the decimals: "85.+5").
	if strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		if strings.HasPrefix(whole, "-") {
			f.fail(name, label, "le taux doit être compris entre 0 et 100 %")
		} else {
			f.fail(name, label, "saisissez un pourcentage entre 0 et 100 (ex. 85 ou 85,5)")
		}
		return 0, false
	}
	w, err1 := strconv.ParseInt(whole, 10, 64)
	d, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || d < 0 || strings.HasPrefix(frac, "-") {
		if strings.HasPrefix(whole, "-") {
			f.fail(name, label, "le taux doit être compris entre 0 et 100 %")
		} else {
			f.fail(name, label, "saisissez un pourcentage entre 0 et 100 (ex. 85 ou 85,5)")
		}
		return 0, false
	}
	if w < 0 || w > 100 || (w == 100 && d > 0) {
		f.fail(name, label, "le taux doit être compris entre 0 et 100 %")
		return 0, false
	}
	return funding.Rate(w*100 + d), true
}

// date reads an optional date, as the date picker sends it (AAAA-MM-JJ) or
// typed the French way (jj/mm/aaaa), between 2000 and 2100.
func (f *simForm) date(name, label string) (domain.Date, bool) {
	v := f.raw(name)
	if v == "" {
		return domain.Date{}, true
	}
	d, err := domain.ParseFrenchDate(v)
	if err != nil {
		f.fail(name, label, "date invalide : saisissez une date réelle au format jj/mm/aaaa")
		return domain.Date{}, false
	}
	if d.Y < 2000 || d.Y > 2100 {
		f.fail(name, label, "date hors limites : choisissez une année entre 2000 et 2100")
		return domain.Date{}, false
	}
	return d, true
}

// checked reports whether a checkbox (value "1") or one value of a repeated
// parameter was sent.
func (f *simForm) has(name, value string) bool {
	for _, v := range f.q[name] {
		if v == value {
			return true
		}
	}
	return false
}

// capitalize upper-cases the first letter of a message shown on its own.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
