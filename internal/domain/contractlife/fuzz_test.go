package contractlife

import (
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

// FuzzParseValue: whatever is typed, ParseValue either refuses it with a
// coded French error or returns a valid value that its own String and Input
// forms read back to exactly.
func FuzzParseValue(f *testing.F) {
	for _, s := range []string{"62,5", "62,5 %", "62.5", "1 234", "1\u202f234", "-3", "100,01", "62,555", "abc", "", ",5", "0", "999 999 999 999", "−0,00 %"} {
		f.Add(true, s)
		f.Add(false, s)
	}
	f.Fuzz(func(t *testing.T, percent bool, s string) {
		u := Count
		if percent {
			u = Percent
		}
		v, err := ParseValue(u, s)
		if err != nil {
			if c := domain.ErrorCode(err); c != domain.EInvalid || domain.ErrorMessage(err) == "" {
				t.Fatalf("%q: error %v (code %s)", s, err, c)
			}
			return
		}
		if !v.Valid() || v.Unit != u {
			t.Fatalf("%q → invalid %+v", s, v)
		}
		if u == Count {
			// The digits typed are the count's digits: spaces and a sign of
			// zero aside, nothing is dropped or invented.
			typed := strings.Map(func(r rune) rune {
				if isSpace(r) || r == '-' || r == '−' {
					return -1
				}
				return r
			}, s)
			if typed == "" || strings.TrimLeft(typed, "0") != strings.TrimLeft(v.Input(), "0") {
				t.Fatalf("%q → %d", s, v.N)
			}
		}
		for _, form := range []string{v.String(), v.Input()} {
			back, err := ParseValue(u, form)
			if err != nil || back != v {
				t.Fatalf("%q → %+v → %q → %+v, %v", s, v, form, back, err)
			}
		}
	})
}

// FuzzParseIndicatorsJSON: any file is refused with a coded French error or
// gives indicators whose rates are within [0, 100 %].
func FuzzParseIndicatorsJSON(f *testing.F) {
	f.Add([]byte(`[{"mission":"acces","baseline":"60","target":"70","value":"62,5","weight":1,"decreasing":false}]`))
	f.Add([]byte(`[{"mission":"parcours","baseline":10,"target":12,"value":11.5},{"mission":"acces","unit":"nombre","baseline":"1 000","target":"900","value":"950","decreasing":true}]`))
	f.Add([]byte(`[{"mission":"acces","baseline":"-1","target":"x","value":null,"weight":"2"}]`))
	f.Add([]byte(`{"a":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ms, err := ParseIndicatorsJSON(data)
		if err != nil {
			if domain.ErrorCode(err) != domain.EInvalid || domain.ErrorMessage(err) == "" {
				t.Fatalf("error %v", err)
			}
			return
		}
		if len(ms) == 0 {
			t.Fatal("no indicator and no error")
		}
		rates, err := MissionRates(ms)
		if err != nil {
			t.Fatalf("parsed indicators refused: %v", err)
		}
		for m, r := range rates {
			if !r.Valid() || !m.HasAchievement() {
				t.Fatalf("%s: rate %d", m, r)
			}
		}
	})
}

// FuzzYearMoney: for any contract (signature day, starts, validated rates),
// each year's advances (signature, starts, anniversaries) plus its balances
// at closing equal, mission by mission, what the funding engine says is due
// for the year (funding.YearDue) — crise aside, paid by its plan (§4).
func FuzzYearMoney(f *testing.F) {
	f.Add(uint16(0), uint8(0x3f), uint64(0x0102030405), uint16(10_000), uint8(2))
	f.Add(uint16(1520), uint8(0x01), uint64(0xffffffffffff), uint16(3_333), uint8(1))
	f.Add(uint16(59), uint8(0x2a), uint64(0x9911), uint16(0), uint8(4))
	f.Fuzz(func(t *testing.T, signedOff uint16, startMask uint8, offs uint64, rate uint16, tier uint8) {
		signed := domain.Date{Y: 2022, M: time.April, D: 1}.AddDays(int(signedOff % 2500))
		starts := map[funding.Mission]domain.Date{}
		span := signed.DaysUntil(LastDay(signed)) + 1
		for i, m := range funding.AllMissions()[1:] {
			if startMask&(1<<i) != 0 {
				starts[m] = signed.AddDays(int((offs>>(8*i))&0xff*9) % span)
			}
		}
		c := Contract{Signed: signed, Starts: starts}
		for i := range c.Terms {
			c.Terms[i] = Terms{funding.Avenant2(), 1 + int(tier)%4}
		}
		var ach [funding.ContractYears]map[funding.Mission]funding.Rate
		for y := range ach {
			ach[y] = map[funding.Mission]funding.Rate{}
			for j, m := range funding.AllMissions() {
				if m.HasAchievement() {
					ach[y][m] = funding.Rate((int(rate) + 977*y + 131*j) % 10_001)
				}
			}
		}
		advances := [funding.ContractYears]map[funding.Mission]domain.Cents{}
		for y := range advances {
			advances[y] = map[funding.Mission]domain.Cents{}
		}
		add := func(ps []funding.Payment, err error) {
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range ps {
				if p.Kind == funding.KindAvance {
					advances[p.ContractYear-1][p.Mission] += p.Amount
				}
			}
		}
		add(SignaturePayments(c))
		for m, at := range starts {
			add(StartAdvance(c, m, at))
		}
		for n := 2; n <= funding.ContractYears; n++ {
			add(AnniversaryAdvances(c, n))
		}
		in := funding.ScheduleInput{Baremes: []funding.Bareme{funding.Avenant2()}, Tier: c.Terms[0].Tier, Signed: signed, Starts: starts, Achievement: ach}
		for n := 1; n <= funding.ContractYears; n++ {
			y, _ := ContractYearOf(signed, n)
			lines, err := YearBalance(BalanceInput{Contract: c, Year: n, Closed: y.Next(), Rates: ach[n-1], Advances: advances[n-1]})
			if err != nil {
				t.Fatal(err)
			}
			got := map[funding.Mission]domain.Cents{}
			for m, a := range advances[n-1] {
				got[m] += a
			}
			for _, l := range lines {
				if l.Mission == funding.Crise || l.Due != y.Next() || l.ContractYear != n {
					t.Fatalf("balance line %+v", l)
				}
				got[l.Mission] += l.Amount
			}
			e, err := funding.YearDue(in, n)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range e.Lines {
				if l.Mission == funding.Crise {
					continue
				}
				if got[l.Mission] != l.Fixed+l.Variable {
					t.Fatalf("year %d %s: advances + balance %d, engine %d (%+v)", n, l.Mission, got[l.Mission], l.Fixed+l.Variable, l)
				}
				delete(got, l.Mission)
			}
			delete(got, funding.Crise)
			for m, v := range got {
				if v != 0 {
					t.Fatalf("year %d: %s paid %d, engine nothing", n, m, v)
				}
			}
		}
	})
}
