package auth

import "time"

// The login throttle (docs/decisions.md "Login rate limit"). Three rules,
// each a wait before the next attempt is even checked; none can lock out
// everyone, and none holds a correct password from an address that has
// logged in to the account before — except that address's own failures on
// that account (otherwise a guesser behind the owner's address would have
// no limit at all).
//
//   - Account lock: MaxFailures failures on the account since its last
//     success (within LockMemory) lock it for the addresses that never
//     logged in to it, for Window after the last failure, doubled for each
//     further failure (15 min, 30, 1 h, … at most LockMemory). Attempts
//     refused by a rule are not failures: an attacker's batch of five every
//     15 minutes gets one guess per lock, ever rarer. The owner, told by
//     e-mail when the lock starts, still logs in from a usual address.
//   - Pair throttle: MaxFailures failures on the account from one address
//     within Window (since the account's last success) make that address
//     wait for that account 1 min after its last failure, doubled for each
//     further failure, at most Window. It applies to known addresses too.
//   - Address throttle (password spraying): failures against MaxFailures
//     distinct accounts from one address within Window make that address
//     wait, for the accounts it never logged in to, 1 min after its last
//     failure, doubled for each further account, at most Window.

// LockMemory bounds how far back the account lock counts failures, and its
// longest duration.
const LockMemory = 24 * time.Hour

// LoginHistory is what the login attempts tell about one account and one
// address (store.LoginHistory counts it).
type LoginHistory struct {
	KnownAddress bool // the address has logged in to the account before

	AccountFailures    int // on the account since its last success, within LockMemory
	AccountLastFailure time.Time
	PairFailures       int // on the account from the address since the account's last success, within Window
	PairLastFailure    time.Time
	AddressAccounts    int // distinct accounts failed from the address within Window
	AddressLastFailure time.Time
}

// LoginWait returns until when an attempt with this history is refused
// without checking the password; the zero time when it may go ahead.
func LoginWait(h LoginHistory, now time.Time) time.Time {
	var until time.Time
	later := func(t time.Time) {
		if t.After(until) {
			until = t
		}
	}
	if h.PairFailures >= MaxFailures {
		later(h.PairLastFailure.Add(doubling(time.Minute, h.PairFailures-MaxFailures, Window)))
	}
	if !h.KnownAddress && h.AccountFailures >= MaxFailures {
		later(h.AccountLastFailure.Add(doubling(Window, h.AccountFailures-MaxFailures, LockMemory)))
	}
	if !h.KnownAddress && h.AddressAccounts >= MaxFailures {
		later(h.AddressLastFailure.Add(doubling(time.Minute, h.AddressAccounts-MaxFailures, Window)))
	}
	if !until.After(now) {
		return time.Time{}
	}
	return until
}

// LockStarts reports whether a failure that brings the account's failures
// (since its last success) to n starts a lock: the owner is then told by
// e-mail, once per lock after a success.
func LockStarts(n int) bool { return n == MaxFailures }

// doubling is base × 2^k, at most max.
func doubling(base time.Duration, k int, max time.Duration) time.Duration {
	d := base
	for range k {
		if d >= max {
			break
		}
		d *= 2
	}
	return min(d, max)
}
