package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/portail-aci/aci/internal/auth"
	"github.com/portail-aci/aci/internal/config"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// aci run (make run): the demo asks no second factor unless MFA is set,
// and says so in its start log; MFA=required is kept when asked for.
func TestRunDemoMFAOptional(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want config.MFAPolicy
		log  string
	}{{"", config.MFAOptional, "MFA=optional (démo)"}, {"required", config.MFARequired, "MFA=required"}} {
		getenv := func(k string) string { return map[string]string{"MFA": tc.env}[k] }
		cfg, err := config.Parse(getenv)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		demoMFA(&cfg, getenv, slog.New(slog.NewTextHandler(&buf, nil)))
		if cfg.MFA != tc.want || !strings.Contains(buf.String(), tc.log) {
			t.Errorf("MFA=%q: %q, log %q", tc.env, cfg.MFA, buf.String())
		}
	}
}

// aci user reset-mfa: the way back in for an admin without phone nor
// recovery codes; audited; a second reset, or an unknown account, is
// refused with one French line.
func TestUserResetMFA(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewURL(t)
	st, err := store.Open(ctx, url, pgtest.Options(time.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	u, err := st.UserByEmail(ctx, "admin@demo.portail-aci.fr")
	if err != nil {
		t.Fatal(err)
	}
	k, err := auth.NewTOTPKey(u.Email)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	code, _ := totp.GenerateCode(k.Secret(), now)
	if _, err := st.EnableMFA(ctx, u.ID, k.Secret(), code, now); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DATABASE_URL": url}
	out, stderr, err := runArgs(t, env, "user", "reset-mfa", "--email", "Admin@demo.portail-aci.fr")
	if err != nil || !strings.Contains(out, "réinitialisée") {
		t.Fatalf("reset-mfa: %v %q %q", err, out, stderr)
	}
	if m, _ := st.MFA(ctx, u.ID); m.Enabled {
		t.Fatal("still enrolled")
	}
	audit, _ := st.AdminAuditFor(ctx, u.ID)
	if len(audit) == 0 || audit[0].Action != store.AuditMFAReset || audit[0].ActorName != store.CLIActor().Name {
		t.Fatalf("audit: %+v", audit)
	}
	for _, args := range [][]string{{"--email", "admin@demo.portail-aci.fr"}, {"--email", "nobody@x.fr"}, {}} {
		_, stderr, err := runArgs(t, env, append([]string{"user", "reset-mfa"}, args...)...)
		var ec exitCode
		if !errors.As(err, &ec) || ec != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || stderr == "" {
			t.Errorf("%v: %v %q", args, err, stderr)
		}
	}
}

// aci bench (make bench) starts its server with MFA=optional whatever the
// environment says: the load generator logs in with the password alone, and
// with MFA=required the agency accounts would only get the enrolment's 303.
func TestBenchServerMFAOptional(t *testing.T) {
	env := benchEnv([]string{"MFA=required", "HOME=/x"}, "postgres://b", "127.0.0.1:1")
	cfg, err := config.Parse(func(k string) string {
		v := ""
		for _, kv := range env { // the last value wins, as in os/exec
			if name, val, _ := strings.Cut(kv, "="); name == k {
				v = val
			}
		}
		return v
	})
	if err != nil || cfg.MFA != config.MFAOptional || cfg.DatabaseURL != "postgres://b" || cfg.Addr != "127.0.0.1:1" {
		t.Fatalf("bench env %v: %+v %v", env, cfg, err)
	}
}
