package domain

import (
	"fmt"
	"strings"
	"time"
)

// Paris is the time zone in which every calendar date of the product is read.
// It is set once at start-up and never reassigned (a *time.Location is
// immutable and safe for concurrent use).
var Paris = mustLoadParis()

func mustLoadParis() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		// The binary embeds time/tzdata (see cmd/aci), so this only happens in
		// a test binary on a machine without zoneinfo; fall back to CET.
		return time.FixedZone("CET", 3600)
	}
	return loc
}

// Date is a calendar date (no time, no zone), as used by contracts and
// payment schedules. The zero value is "no date".
type Date struct {
	Y int
	M time.Month
	D int
}

// NewDate normalises y-m-d (so 2024-02-30 becomes 2024-03-01).
func NewDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 12, 0, 0, 0, time.UTC))
}

// DateOf returns the calendar date of t in Europe/Paris.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Paris).Date()
	return Date{y, m, d}
}

// ParseDate reads an ISO date "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, Errorf(EInvalid, "date invalide %q (format attendu AAAA-MM-JJ)", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// Time returns midnight UTC of the date, for arithmetic.
func (d Date) Time() time.Time { return time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, time.UTC) }

// IsZero says whether d is the zero date.
func (d Date) IsZero() bool { return d.Y == 0 && d.M == 0 && d.D == 0 }

// AddDays returns d + n days.
func (d Date) AddDays(n int) Date { return DateOf0(d.Time().AddDate(0, 0, n)) }

// AddMonths returns the same day n months later; when that day does not
// exist (31 → 30 April) it is the last day of the target month.
func (d Date) AddMonths(n int) Date {
	first := time.Date(d.Y, d.M, 1, 0, 0, 0, 0, time.UTC).AddDate(0, n, 0)
	last := first.AddDate(0, 1, -1).Day()
	day := d.D
	if day > last {
		day = last
	}
	return Date{first.Year(), first.Month(), day}
}

// AddYears returns the same day n years later (29 February → 28 February).
func (d Date) AddYears(n int) Date { return d.AddMonths(12 * n) }

// DaysUntil returns the number of days from d to e (e − d).
func (d Date) DaysUntil(e Date) int { return int(e.Time().Sub(d.Time()).Hours() / 24) }

// Before, After and Equal compare dates.
func (d Date) Before(e Date) bool { return d.Time().Before(e.Time()) }
func (d Date) After(e Date) bool  { return d.Time().After(e.Time()) }
func (d Date) Equal(e Date) bool  { return d == e }

// String is the ISO form "2006-01-02".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Y, int(d.M), d.D) }

// French is the form shown to users: "jj/mm/aaaa".
func (d Date) French() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d/%02d/%04d", d.D, int(d.M), d.Y)
}

// DateOf0 takes the date part of a UTC time without zone conversion.
func DateOf0(t time.Time) Date { return Date{t.Year(), t.Month(), t.Day()} }

// ParseFrenchDate reads a date typed the French way ("jj/mm/aaaa", also
// "j/m/aaaa") or sent by a date input ("aaaa-mm-jj"); impossible dates
// (30/02) are refused.
func ParseFrenchDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"02/01/2006", "2/1/2006", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return DateOf0(t), nil
		}
	}
	return Date{}, Errorf(EInvalid, "date invalide %q (format attendu jj/mm/aaaa)", s)
}

// FrenchDateTime shows an instant as users read it: "jj/mm/aaaa à HH:MM",
// in Europe/Paris.
func FrenchDateTime(t time.Time) string { return t.In(Paris).Format("02/01/2006 à 15:04") }
