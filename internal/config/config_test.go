package config

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTrustedProxies(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "TRUSTED_PROXIES" {
				return v
			}
			return ""
		}
	}
	c, err := Parse(env(""))
	if err != nil || c.TrustedProxies != nil {
		t.Fatalf("default: %v %v", c.TrustedProxies, err)
	}
	c, err = Parse(env(" 10.0.0.0/8, 192.168.1.7 ,fd00::/8,172.16.5.9/12,"))
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"),
		netip.MustParsePrefix("fd00::/8"), netip.MustParsePrefix("172.16.0.0/12")}
	if err != nil || !slices.Equal(c.TrustedProxies, want) {
		t.Fatalf("parsed %v %v", c.TrustedProxies, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.local", "10.0.0"} {
		if _, err := Parse(env(bad)); err == nil || !strings.Contains(err.Error(), "TRUSTED_PROXIES") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestDatabaseTimeouts(t *testing.T) {
	c, err := Parse(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for name, d := range map[string]time.Duration{"DB_CONNECT_TIMEOUT": c.DBConnectTimeout,
		"DB_STATEMENT_TIMEOUT": c.DBStatementTimeout, "REQUEST_TIMEOUT": c.RequestTimeout, "SHUTDOWN_GRACE": c.ShutdownGrace} {
		if d <= 0 {
			t.Errorf("%s: no default (%v)", name, d)
		}
	}
	if c.DBStatementTimeout >= c.RequestTimeout {
		t.Errorf("statement timeout %v should end a statement before the request's deadline %v", c.DBStatementTimeout, c.RequestTimeout)
	}
	env := map[string]string{"DB_CONNECT_TIMEOUT": "2s", "DB_STATEMENT_TIMEOUT": "1500ms", "REQUEST_TIMEOUT": "1m", "SHUTDOWN_GRACE": "3s"}
	c, err = Parse(func(k string) string { return env[k] })
	if err != nil || c.DBConnectTimeout != 2*time.Second || c.DBStatementTimeout != 1500*time.Millisecond ||
		c.RequestTimeout != time.Minute || c.ShutdownGrace != 3*time.Second {
		t.Fatalf("parsed %+v %v", c, err)
	}
	for _, k := range []string{"DB_CONNECT_TIMEOUT", "DB_STATEMENT_TIMEOUT", "REQUEST_TIMEOUT", "SHUTDOWN_GRACE"} {
		for _, bad := range []string{"0s", "-1s", "15"} {
			if _, err := Parse(func(n string) string { return map[string]string{k: bad}[n] }); err == nil || !strings.Contains(err.Error(), k) {
				t.Errorf("%s=%q: %v", k, bad, err)
			}
		}
	}
}

// MFA is required unless set to optional; anything else is refused
// (docs/rules.md §34).
func TestMFASetting(t *testing.T) {
	for v, want := range map[string]MFAPolicy{"": MFARequired, "required": MFARequired, "optional": MFAOptional} {
		c, err := Parse(func(k string) string { return map[string]string{"MFA": v}[k] })
		if err != nil || c.MFA != want {
			t.Errorf("MFA=%q: %q %v", v, c.MFA, err)
		}
	}
	for _, bad := range []string{"off", "Required", "true"} {
		if _, err := Parse(func(k string) string { return map[string]string{"MFA": bad}[k] }); err == nil || !strings.Contains(err.Error(), "MFA") {
			t.Errorf("MFA=%q: %v", bad, err)
		}
	}
}
