// Package domain holds the pure rules and types of Portail ACI: money, calendar
// dates, roles, coded errors, and (in sub-packages) funding, structures and the
// dossier workflow. It imports the standard library only: no database, no HTTP,
// no clock (time is always passed in).
package domain

import (
	"strconv"
	"strings"
)

// Cents is an amount of money in euro cents. Money is never a float.
type Cents int64

// Euros builds an amount from whole euros.
func Euros(e int64) Cents { return Cents(e * 100) }

// MulDiv returns c × num ÷ den rounded half away from zero to the cent.
//
// Decision (docs/rules.md §11): every product or proration is computed in integers
// on cents and rounded half away from zero to the cent, once, at the line
// level. This is the one rounding function of the product; every proration and
// every achievement product goes through it. den must be > 0.
func MulDiv(c Cents, num, den int64) Cents {
	if den <= 0 {
		panic("domain.MulDiv: non-positive denominator")
	}
	n := int64(c) * num
	neg := n < 0
	if neg {
		n = -n
	}
	q, r := n/den, n%den
	if 2*r >= den {
		q++
	}
	if neg {
		q = -q
	}
	return Cents(q)
}

// FormatEUR formats cents the French way: "87 500,00 €", with a narrow no-break
// space (U+202F) between thousands, a comma before the decimals and a no-break
// space (U+00A0) before the euro sign.
func FormatEUR(c Cents) string {
	return FormatNumber(c) + "\u00a0€"
}

// FormatNumber formats cents as a French decimal number without currency:
// "87 500,00".
func FormatNumber(c Cents) string {
	v := int64(c)
	neg := v < 0
	if neg {
		v = -v
	}
	euros, cents := v/100, v%100
	s := GroupThousands(euros)
	var b strings.Builder
	if neg {
		b.WriteString("-")
	}
	b.WriteString(s)
	b.WriteString(",")
	if cents < 10 {
		b.WriteByte('0')
	}
	b.WriteString(strconv.FormatInt(cents, 10))
	return b.String()
}

// FormatPlain formats cents for a spreadsheet (docs/rules.md §27): a decimal
// comma, no thousands separator, no currency: "-1234,50".
func FormatPlain(c Cents) string {
	return strings.ReplaceAll(FormatNumber(c), "\u202f", "")
}

// GroupThousands writes a non-negative integer with a narrow no-break space
// between groups of three digits: 45000 → "45 000".
func GroupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteString("\u202f")
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}
