package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/store/pgtest"
)

// The last use of a session is written at most once a minute; a renewed
// token keeps its row; ending the others keeps the current one.
func TestUserSessionsTouchAndRenew(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	scopes := demo(t, st)
	uid := scopes["coordinateur@demo.portail-aci.fr"].UserID
	live := func(token string) {
		if _, err := pgtest.Owner(t, st).Exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES ($1, '\x00', now() + interval '1 hour')`, token); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	for _, tok := range []string{"tok-a", "tok-b"} {
		live(tok)
		if err := st.RecordSession(ctx, tok, uid, "Firefox", "192.0.2.1", at); err != nil {
			t.Fatal(err)
		}
	}
	lastUsed := func(token string) time.Time {
		list, err := st.UserSessions(ctx, uid, token)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range list {
			if v.Current {
				return v.LastUsed
			}
		}
		t.Fatalf("%s not listed as current: %+v", token, list)
		return time.Time{}
	}
	if err := st.TouchSession(ctx, "tok-a", "192.0.2.1", at.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := lastUsed("tok-a"); !got.Equal(at) {
		t.Fatalf("touched within the minute: %v", got)
	}
	later := at.Add(2 * time.Minute)
	if err := st.TouchSession(ctx, "tok-a", "192.0.2.1", later); err != nil {
		t.Fatal(err)
	}
	if got := lastUsed("tok-a"); !got.Equal(later) {
		t.Fatalf("not touched after a minute: %v", got)
	}
	live("tok-a2")
	if err := st.RenewSession(ctx, "tok-a", "tok-a2", later); err != nil {
		t.Fatal(err)
	}
	lastUsed("tok-a2")
	n, err := st.EndOtherSessions(ctx, uid, "tok-a2")
	if err != nil || n != 1 {
		t.Fatalf("ended %d %v", n, err)
	}
	list, err := st.UserSessions(ctx, uid, "tok-a2")
	if err != nil || len(list) != 1 || !list[0].Current {
		t.Fatalf("after ending the others: %+v %v", list, err)
	}
}
