package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/config"
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
