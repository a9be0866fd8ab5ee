package contractlife

import (
	"fmt"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

// Year is one contract year: from one anniversary of the signature to the
// day before the next (docs/rules.md §8: "The cycle is the contract year,
// from one anniversary of the signature to the next"). End is inclusive.
type Year struct {
	N     int         // 1..5
	Start domain.Date // first day
	End   domain.Date // last day, inclusive
	Days  int64       // 365 or 366
}

// Next is the anniversary that ends the year: the day after End.
func (y Year) Next() domain.Date { return y.End.AddDays(1) }

// Contains reports whether d falls within the year.
func (y Year) Contains(d domain.Date) bool { return cmp(d, y.Start) >= 0 && cmp(d, y.End) <= 0 }

// Label is the French form of the year's dates, end inclusive: « du
// 01/03/2024 au 28/02/2025 ».
func (y Year) Label() string { return fmt.Sprintf("du %s au %s", y.Start.French(), y.End.French()) }

// Anniversary is the n-th anniversary of a signature (n = 0: the signature
// day; n = 5: the day after the contract's last day).
//
// Decision (docs/rules.md §8): the anniversary of a 29 February signature is
// 28 February in a common year and 29 February in a leap year — the same date
// arithmetic as the funding engine's schedule (domain.Date.AddYears), so that
// the years shown and the years paid are the same. Signed 29/02/2024: year 1
// du 29/02/2024 au 27/02/2025, year 4 du 28/02/2027 au 28/02/2028 (366 days),
// year 5 du 29/02/2028 au 27/02/2029.
func Anniversary(signed domain.Date, n int) domain.Date { return signed.AddYears(n) }

// ContractYearOf returns contract year n (1..5) of a contract signed on
// signed (docs/rules.md §8).
func ContractYearOf(signed domain.Date, n int) (Year, error) {
	if signed.IsZero() {
		return Year{}, domain.FieldError("signed", "date de signature manquante")
	}
	if n < 1 || n > funding.ContractYears {
		return Year{}, domain.FieldError("year", "année de contrat invalide (%d) : attendue entre 1 et 5", n)
	}
	start, next := Anniversary(signed, n-1), Anniversary(signed, n)
	return Year{N: n, Start: start, End: next.AddDays(-1), Days: int64(start.DaysUntil(next))}, nil
}

// Years returns the five contract years of a contract signed on signed
// (docs/rules.md §8: "The contract lasts 5 years (five contract years)").
func Years(signed domain.Date) ([]Year, error) {
	out := make([]Year, 0, funding.ContractYears)
	for n := 1; n <= funding.ContractYears; n++ {
		y, err := ContractYearOf(signed, n)
		if err != nil {
			return nil, err
		}
		out = append(out, y)
	}
	return out, nil
}

// LastDay is the contract's last day in force: the day before the fifth
// anniversary (01/03/2024 → 28/02/2029).
func LastDay(signed domain.Date) domain.Date {
	return Anniversary(signed, funding.ContractYears).AddDays(-1)
}

// YearAt returns the contract year that contains d, and false when d is
// before the signature or after the contract's last day.
func YearAt(signed, d domain.Date) (Year, bool) {
	for n := 1; n <= funding.ContractYears; n++ {
		if cmp(d, Anniversary(signed, n)) < 0 {
			if cmp(d, Anniversary(signed, n-1)) < 0 {
				return Year{}, false
			}
			y, err := ContractYearOf(signed, n)
			return y, err == nil
		}
	}
	return Year{}, false
}

// Terms are what a contract year is computed on: its barème and the CPTS's
// tier that year.
type Terms struct {
	Bareme funding.Bareme
	Tier   int
}

// YearBareme returns the barème of a contract year.
//
// Decision (docs/rules.md §4, "which barème a contract year uses"): the
// barème in force on the first day of that contract year — amendments of the
// ACI apply to contracts in progress from the next contract year.
func YearBareme(list []funding.Bareme, y Year) (funding.Bareme, error) {
	b, err := funding.BaremeAt(list, y.Start)
	if err != nil {
		return funding.Bareme{}, domain.Errorf(domain.ENotFound, "barème ACI CPTS 2019 non saisi : aucun barème ACI CPTS en vigueur le %s, premier jour de l'année %d du contrat", y.Start.French(), y.N)
	}
	return b, nil
}

// BaremesByYear returns the barème of each of the five contract years of a
// contract signed on signed (docs/rules.md §4, decision: in force on the
// first day of each year).
func BaremesByYear(list []funding.Bareme, signed domain.Date) ([funding.ContractYears]funding.Bareme, error) {
	var out [funding.ContractYears]funding.Bareme
	years, err := Years(signed)
	if err != nil {
		return out, err
	}
	for i, y := range years {
		if out[i], err = YearBareme(list, y); err != nil {
			return out, err
		}
	}
	return out, nil
}
