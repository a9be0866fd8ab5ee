package store

import (
	"testing"

	"github.com/portail-aci/aci/internal/domain/funding"
)

// The tier filter's population ranges are the inverse of funding.Tier
// (docs/rules.md §3): each edge and its neighbour fall on the right side.
func TestTierPopulationMatchesFunding(t *testing.T) {
	for tier := 1; tier <= 4; tier++ {
		lo, hi, ok := tierPopulation(tier)
		if !ok {
			t.Fatalf("tier %d unknown", tier)
		}
		for _, p := range []int64{lo, hi, (lo + hi) / 2} {
			if got, _ := funding.Tier(p); got != tier {
				t.Errorf("population %d: funding.Tier %d, filter says %d", p, got, tier)
			}
		}
		if got, _ := funding.Tier(hi + 1); tier < 4 && got != tier+1 {
			t.Errorf("population %d: funding.Tier %d, want %d", hi+1, got, tier+1)
		}
	}
	for _, bad := range []int{0, 5, -1} {
		if _, _, ok := tierPopulation(bad); ok {
			t.Errorf("tier %d accepted", bad)
		}
	}
}
