package domain

import (
	"testing"
	"time"
)

// FuzzParseFrenchDate: whatever is typed in a date field, ParseFrenchDate
// refuses it with a coded French error, or returns a real calendar date that
// its French and ISO forms read back to exactly (docs/rules.md §39).
func FuzzParseFrenchDate(f *testing.F) {
	for _, s := range []string{"01/02/2026", "1/2/2026", "2026-02-01", "29/02/2024", "29/02/2025", "31/04/2026", " 05/06/2027 ", "00/01/2026", "1/13/2026", "", "aaaa", "01/02/26", "2026-2-1", "01-02-2026", "9999-12-31"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseFrenchDate(s)
		if err != nil {
			if ErrorCode(err) != EInvalid || ErrorMessage(err) == "" {
				t.Fatalf("%q: error %v (code %s)", s, err, ErrorCode(err))
			}
			return
		}
		if d.IsZero() || d.M < time.January || d.M > time.December || d.D < 1 || d.D > 31 {
			t.Fatalf("%q → %+v", s, d)
		}
		if tm := time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, time.UTC); tm.Day() != d.D || tm.Month() != d.M {
			t.Fatalf("%q → impossible date %+v", s, d)
		}
		for _, form := range []string{d.French(), d.String()} {
			back, err := ParseFrenchDate(form)
			if err != nil || back != d {
				t.Fatalf("%q → %+v → %q → %+v, %v", s, d, form, back, err)
			}
		}
		if back, err := ParseDate(d.String()); err != nil || back != d {
			t.Fatalf("ParseDate(%q) = %+v, %v", d.String(), back, err)
		}
	})
}

// FuzzParseDate: the ISO date of a date input is refused with a coded
// error or read back to the same string.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-02-01", "2024-02-29", "2025-02-29", "", "2026-13-01", "26-01-01", "01/02/2026"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if ErrorCode(err) != EInvalid {
				t.Fatalf("%q: error %v (code %s)", s, err, ErrorCode(err))
			}
			return
		}
		if back, err := ParseDate(d.String()); err != nil || back != d {
			t.Fatalf("%q → %+v → %q → %+v, %v", s, d, d.String(), back, err)
		}
	})
}
