package funding

import (
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
)

// fuzzInput builds a valid schedule input from fuzzed numbers: arbitrary
// non-negative barème amounts (up to MaxAmount), any tier, signature day,
// start offsets, rates and crisis flags.
func fuzzInput(amount int64, pop int64, signedOff uint16, startMask uint8, offs uint64, rate uint16, crisis uint8) ScheduleInput {
	if amount < 0 {
		amount = -amount
	}
	if amount < 0 {
		amount = 0
	}
	amount %= int64(MaxAmount) + 1
	if pop < 0 {
		pop = -pop
	}
	if pop < 0 {
		pop = 0
	}
	tier, _ := Tier(pop)
	b := Avenant2()
	// Scale every amount by a fuzzed factor, keeping them within MaxAmount.
	for i := range b.Missions {
		for _, p := range []*PerTier{&b.Missions[i].Fixed, &b.Missions[i].Variable, &b.Missions[i].FixedFirst, &b.Missions[i].FixedUpdate} {
			for j := range p {
				if p[j] != 0 {
					p[j] = domain.Cents((amount + int64(j)*7919 + int64(i)*104729) % (int64(MaxAmount) + 1))
				}
			}
		}
	}
	b.EarlySigner = PerTier{domain.Cents(amount), domain.Cents(amount / 3), 1, 0}
	b.AdvancePercent = int64(rate % 101) // the advance rate is the barème's
	// From the day avenant 2 took effect: earlier contract years are refused
	// (no 2019 barème entered, docs/rules.md §4).
	signed := b.Effective.AddDays(int(signedOff % 3000))
	in := ScheduleInput{Baremes: []Bareme{b}, Tier: tier, Signed: signed, Starts: map[Mission]domain.Date{}}
	end := signed.AddYears(ContractYears)
	span := signed.DaysUntil(end)
	for i, m := range AllMissions()[1:] {
		if startMask&(1<<i) == 0 {
			continue
		}
		off := int((offs >> (8 * i)) & 0xff * 8 % uint64(span))
		in.Starts[m] = signed.AddDays(off)
	}
	for y := 0; y < ContractYears; y++ {
		in.Crisis[y] = crisis&(1<<y) != 0
		in.Achievement[y] = map[Mission]Rate{Acces: Rate((int(rate) + y*977) % 10_001), Parcours: Rate(int(rate) % 10_001), Qualite: Rate((int(rate) * 7) % 10_001)}
	}
	return in
}

// FuzzSchedule: for any valid input, schedule total == Σ yearly due, every
// total is the sum of its lines, no payment is negative, and payments are in
// date order.
func FuzzSchedule(f *testing.F) {
	f.Add(int64(7_000_000), int64(60_000), uint16(0), uint8(0x3f), uint64(0x0102030405), uint16(10_000), uint8(0))
	f.Add(int64(1), int64(10), uint16(1520), uint8(0x01), uint64(0xffffffffffff), uint16(3_333), uint8(0x1f))
	f.Add(int64(1_000_000_000_000), int64(175_001), uint16(59), uint8(0x2a), uint64(0x9911), uint16(0), uint8(0x05))
	f.Add(int64(0), int64(80_000), uint16(1155), uint8(0x10), uint64(0), uint16(9_999), uint8(0x02))
	f.Fuzz(func(t *testing.T, amount, pop int64, signedOff uint16, startMask uint8, offs uint64, rate uint16, crisis uint8) {
		in := fuzzInput(amount, pop, signedOff, startMask, offs, rate, crisis)
		s, err := BuildSchedule(in)
		if err != nil {
			t.Fatalf("BuildSchedule: %v", err)
		}
		checkInvariant(t, in, s)
		for _, p := range s.Payments {
			if p.Amount < 0 {
				t.Fatalf("negative payment %+v", p)
			}
			if p.Rule == "" || p.ContractYear < 1 || p.ContractYear > ContractYears {
				t.Fatalf("bad payment %+v", p)
			}
		}
		tr, err := Terminate(in, in.Signed.AddDays(int(signedOff%2000)), s.Total)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Due > s.Total || tr.Due < 0 || tr.TropPercu != s.Total-tr.Due {
			t.Fatalf("termination %+v, schedule total %d", tr, s.Total)
		}
	})
}

// FuzzRateFromIndicators: the mission rate is within [0, 10 000].
func FuzzRateFromIndicators(f *testing.F) {
	f.Add(int64(0), int64(10), int64(5), int64(1), true, int64(3), int64(2))
	f.Add(int64(-5), int64(-5), int64(-5), int64(7), false, int64(1<<40), int64(1))
	f.Fuzz(func(t *testing.T, base, target, value, w1 int64, inc bool, value2, w2 int64) {
		if w1 <= 0 || w2 <= 0 || w1 > 1<<40 || w2 > 1<<40 {
			return
		}
		if base > 1<<50 || base < -(1<<50) || target > 1<<50 || target < -(1<<50) || value > 1<<50 || value < -(1<<50) || value2 > 1<<50 || value2 < -(1<<50) {
			return
		}
		dir := Increasing
		if !inc {
			dir = Decreasing
		}
		r, err := RateFromIndicators([]Measure{{dir, base, target, value, w1}, {Increasing, base, target, value2, w2}})
		if err != nil || !r.Valid() {
			t.Fatalf("rate %d, %v", r, err)
		}
	})
}

// BenchmarkSchedules1200 computes the full 5-year schedules of 1 200 CPTS
// with varied populations and start dates.
func BenchmarkSchedules1200(b *testing.B) {
	ins := make([]ScheduleInput, 1200)
	bar := Avenant2()
	for i := range ins {
		tier, _ := Tier(int64(10_000 + i*397%250_000))
		signed := domain.Date{Y: 2022, M: time.April, D: 1}.AddDays(i * 7 % 1500)
		in := ScheduleInput{Baremes: []Bareme{bar}, Tier: tier, Signed: signed, Starts: map[Mission]domain.Date{}}
		for j, m := range AllMissions()[1:] {
			if (i+j)%7 == 6 {
				continue
			}
			in.Starts[m] = signed.AddDays((i*13 + j*61) % 700)
		}
		in.Crisis[i%5] = i%3 == 0
		in.Achievement[1] = map[Mission]Rate{Acces: Rate(5_000 + i%5_000)}
		ins[i] = in
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, in := range ins {
			if _, err := BuildSchedule(in); err != nil {
				b.Fatal(err)
			}
		}
	}
}
