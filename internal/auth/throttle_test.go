package auth

import (
	"testing"
	"time"
)

func TestLoginWait(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	for _, tc := range []struct {
		name string
		h    LoginHistory
		want time.Duration // from now; 0: go ahead
	}{
		{"nothing", LoginHistory{}, 0},
		{"4 failures", LoginHistory{AccountFailures: 4, AccountLastFailure: ago(time.Minute)}, 0},
		{"account lock", LoginHistory{AccountFailures: 5, AccountLastFailure: ago(time.Minute)}, 14 * time.Minute},
		{"account lock doubles", LoginHistory{AccountFailures: 6, AccountLastFailure: ago(time.Minute)}, 29 * time.Minute},
		{"account lock capped", LoginHistory{AccountFailures: 60, AccountLastFailure: ago(time.Minute)}, LockMemory - time.Minute},
		{"account lock spares a known address", LoginHistory{KnownAddress: true, AccountFailures: 50, AccountLastFailure: ago(time.Minute)}, 0},
		{"account lock over", LoginHistory{AccountFailures: 5, AccountLastFailure: ago(16 * time.Minute)}, 0},
		{"pair", LoginHistory{KnownAddress: true, PairFailures: 5, PairLastFailure: ago(10 * time.Second)}, 50 * time.Second},
		{"pair doubles", LoginHistory{KnownAddress: true, PairFailures: 7, PairLastFailure: ago(time.Minute)}, 3 * time.Minute},
		{"pair capped", LoginHistory{KnownAddress: true, PairFailures: 40, PairLastFailure: ago(time.Minute)}, Window - time.Minute},
		{"spraying", LoginHistory{AddressAccounts: 5, AddressLastFailure: ago(0)}, time.Minute},
		{"spraying capped", LoginHistory{AddressAccounts: 500, AddressLastFailure: ago(0)}, Window},
		{"spraying spares a known address", LoginHistory{KnownAddress: true, AddressAccounts: 500, AddressLastFailure: ago(0)}, 0},
		{"the longest wins", LoginHistory{AccountFailures: 5, AccountLastFailure: ago(time.Minute), AddressAccounts: 5, AddressLastFailure: ago(0)}, 14 * time.Minute},
	} {
		got := LoginWait(tc.h, now)
		if tc.want == 0 && !got.IsZero() || tc.want != 0 && !got.Equal(now.Add(tc.want)) {
			t.Errorf("%s: until %v, want now+%v", tc.name, got, tc.want)
		}
	}
	if LockStarts(4) || !LockStarts(5) || LockStarts(6) {
		t.Error("LockStarts")
	}
}
