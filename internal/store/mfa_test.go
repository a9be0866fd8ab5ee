package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/portail-aci/aci/internal/auth"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
)

// The second factor in the store at fixed instants (docs/rules.md §34):
// enrolment needs a right code; a code is spent once (the same code again
// is a replay, an older one too); a recovery code works once; disabling
// needs a code; the admin reset removes it; each change is audited.
func TestMFAStoreLifecycle(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	uid, err := st.CreateUser(ctx, "agent.mfa@example.fr", "Agent MFA", "x")
	if err != nil {
		t.Fatal(err)
	}
	k, err := auth.NewTOTPKey("agent.mfa@example.fr")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 9, 10, 15, 7, 0, time.UTC)
	code := func(t0 time.Time) string {
		c, err := totp.GenerateCode(k.Secret(), t0)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if m, err := st.MFA(ctx, uid); err != nil || m.Enabled {
		t.Fatalf("before enrolment: %+v %v", m, err)
	}
	// A wrong code (the code of 10 minutes later) does not enrol.
	if _, err := st.EnableMFA(ctx, uid, k.Secret(), code(at.Add(10*time.Minute)), at); !(domain.ErrorCode(err) == domain.EInvalid) {
		t.Fatalf("enrol with a wrong code: %v", err)
	}
	recovery, err := st.EnableMFA(ctx, uid, k.Secret(), code(at), at)
	if err != nil || len(recovery) != auth.RecoveryCodes {
		t.Fatalf("enrol: %v %v", recovery, err)
	}
	if m, _ := st.MFA(ctx, uid); !m.Enabled || m.RecoveryLeft != 10 || !m.EnabledAt.Equal(at) {
		t.Fatalf("after enrolment: %+v", m)
	}
	if _, err := st.EnableMFA(ctx, uid, k.Secret(), code(at.Add(time.Minute)), at.Add(time.Minute)); !(domain.ErrorCode(err) == domain.EConflict) {
		t.Fatalf("second enrolment: %v", err)
	}
	// The enrolment's code was spent: the same code, even a few seconds
	// later, is a replay.
	if c, err := st.VerifyMFA(ctx, uid, code(at), at.Add(5*time.Second)); err != nil || c.OK || !c.Replay {
		t.Fatalf("enrolment code replayed: %+v %v", c, err)
	}
	next := at.Add(30 * time.Second)
	if c, err := st.VerifyMFA(ctx, uid, code(next), next); err != nil || !c.OK || c.Recovery {
		t.Fatalf("next step: %+v %v", c, err)
	}
	if c, _ := st.VerifyMFA(ctx, uid, code(next), next.Add(10*time.Second)); c.OK || !c.Replay {
		t.Fatalf("same code twice: %+v", c)
	}
	// A code of the step before the last accepted one, still within the
	// skew, is a replay too.
	if c, _ := st.VerifyMFA(ctx, uid, code(at), next); c.OK || !c.Replay {
		t.Fatalf("older step: %+v", c)
	}
	if c, _ := st.VerifyMFA(ctx, uid, "000000", next.Add(30*time.Second)); c.OK && code(next.Add(30*time.Second)) != "000000" {
		t.Fatalf("wrong code accepted: %+v", c)
	}
	// A recovery code: once, typed in upper case with spaces.
	typed := "  " + recovery[3][:4] + " " + recovery[3][5:] + " "
	if c, err := st.VerifyMFA(ctx, uid, typed, next); err != nil || !c.OK || !c.Recovery || c.RecoveryLeft != 9 {
		t.Fatalf("recovery code: %+v %v", c, err)
	}
	if c, _ := st.VerifyMFA(ctx, uid, recovery[3], next); c.OK {
		t.Fatalf("recovery code used twice: %+v", c)
	}
	if c, _ := st.VerifyMFA(ctx, uid, "abcd-efgh-ijkl-mnop", next); c.OK {
		t.Fatalf("invented recovery code: %+v", c)
	}
	// Disabling: a wrong code changes nothing, a recovery code works.
	if c, err := st.DisableMFA(ctx, uid, "123", next); err != nil || c.OK {
		t.Fatalf("disable with a wrong code: %+v %v", c, err)
	}
	if m, _ := st.MFA(ctx, uid); !m.Enabled || m.RecoveryLeft != 9 {
		t.Fatalf("after refused disable: %+v", m)
	}
	if c, codes, err := st.RenewRecoveryCodes(ctx, uid, recovery[0], next); err != nil || !c.OK || len(codes) != 10 {
		t.Fatalf("renew: %+v %v", c, err)
	}
	if m, _ := st.MFA(ctx, uid); m.RecoveryLeft != 10 {
		t.Fatalf("after renewal: %+v", m)
	}
	if c, _ := st.VerifyMFA(ctx, uid, recovery[5], next); c.OK {
		t.Fatal("an old recovery code works after the renewal")
	}
	later := next.Add(time.Minute)
	if c, err := st.DisableMFA(ctx, uid, code(later), later); err != nil || !c.OK {
		t.Fatalf("disable: %+v %v", c, err)
	}
	if m, _ := st.MFA(ctx, uid); m.Enabled {
		t.Fatalf("after disable: %+v", m)
	}
	if _, err := st.VerifyMFA(ctx, uid, code(later), later); !domain.IsNotFound(err) {
		t.Fatalf("verify without MFA: %v", err)
	}
	// The admin reset.
	if err := st.ResetMFA(ctx, store.Actor{UserID: uid, Name: "Admin"}, uid); !(domain.ErrorCode(err) == domain.EConflict) {
		t.Fatalf("reset without MFA: %v", err)
	}
	k2 := k.Secret()
	at2 := later.Add(time.Hour)
	if _, err := st.EnableMFA(ctx, uid, k2, code(at2), at2); err != nil {
		t.Fatal(err)
	}
	if err := st.ResetMFA(ctx, store.Actor{UserID: uid, Name: "Admin"}, uid); err != nil {
		t.Fatal(err)
	}
	if m, _ := st.MFA(ctx, uid); m.Enabled {
		t.Fatal("after reset")
	}
	audit, err := st.AdminAuditFor(ctx, uid)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, a := range audit {
		count[a.Action]++
	}
	want := map[string]int{store.AuditMFAEnable: 2, store.AuditMFARecoveryUsed: 2, store.AuditMFARecoveryNew: 1,
		store.AuditMFADisable: 1, store.AuditMFAReset: 1}
	for a, n := range want {
		if count[a] != n {
			t.Errorf("audit %s: %d rows, want %d (%v)", a, count[a], n, count)
		}
	}
}
