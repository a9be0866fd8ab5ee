// Package config reads Portail ACI's configuration from the environment.
// There are no globals: cmd/aci calls Parse(os.Getenv) once and passes the
// Config down.
package config

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// Config is the whole configuration. Every field comes from one environment
// variable, listed in the README.
type Config struct {
	// DatabaseURL (DATABASE_URL): PostgreSQL connection string. Empty means
	// "make run" starts a private cluster under .data/ (aci devdb).
	DatabaseURL string
	// DatabaseReplicaURL (DATABASE_REPLICA_URL): optional connection string
	// of a read replica of DatabaseURL. The CSV exports of lists and the
	// steering page read from it (a few seconds behind the primary at
	// most); everything else, and every write, uses DatabaseURL. Empty
	// (default): they read the primary (docs/rules.md §40).
	DatabaseReplicaURL string
	// OwnerDatabaseURL (OWNER_DATABASE_URL): the connection string of the
	// role that owns the schema, for aci migrate and the reference data of
	// aci seed (docs/rules.md §36); DATABASE_URL's role, which serves, owns
	// nothing. Empty: those commands use DATABASE_URL (a single role).
	OwnerDatabaseURL string
	// Addr (ADDR): where the HTTP server listens. Default 127.0.0.1:8080.
	Addr string
	// BaseURL (BASE_URL): the public URL, used in e-mails and to decide
	// whether cookies are Secure. Default http://<Addr>.
	BaseURL string
	// LogFormat (LOG_FORMAT): "text" (default) or "json".
	LogFormat string
	// SMTPURL (SMTP_URL): smtp://user:pass@host:port for outgoing e-mail.
	// Empty: e-mails are logged and kept in the outbox.
	SMTPURL string
	// MailFrom (MAIL_FROM): sender address. Default no-reply@portail-aci.fr.
	MailFrom string
	// SessionIdle (SESSION_IDLE_TIMEOUT) and SessionLifetime
	// (SESSION_LIFETIME): 30 min and 12 h by default.
	SessionIdle     time.Duration
	SessionLifetime time.Duration
	// DataDir (DATA_DIR): where aci devdb keeps its cluster. Default .data.
	DataDir string
	// TrustedProxies (TRUSTED_PROXIES): comma-separated CIDRs (or single
	// addresses) of the reverse proxies in front of the server. A request
	// whose TCP peer is one of them has its client address read from
	// X-Forwarded-For (the right-most address that is not a trusted proxy);
	// otherwise the peer is the client. Empty (default): X-Forwarded-For is
	// never believed.
	TrustedProxies []netip.Prefix
	// DBConnectTimeout (DB_CONNECT_TIMEOUT): how long opening one
	// connection to PostgreSQL may take. Default 5s.
	DBConnectTimeout time.Duration
	// DBStatementTimeout (DB_STATEMENT_TIMEOUT): PostgreSQL's
	// statement_timeout on the server's connections; a statement running
	// longer is cancelled by PostgreSQL itself. Default 15s.
	DBStatementTimeout time.Duration
	// RequestTimeout (REQUEST_TIMEOUT): the deadline of a request's database
	// work (waiting for a pooled connection included); past it the request
	// answers 503. Default 30s.
	RequestTimeout time.Duration
	// ShutdownGrace (SHUTDOWN_GRACE): how long aci serve waits for the
	// requests in flight when it stops, before cutting them off. Default 15s.
	ShutdownGrace time.Duration
	// MFA (MFA): "required" (default) — the CPAM, ARS, DCGDR and national
	// accounts must enrol a second factor (TOTP) at their next login and
	// prove it at every login — or "optional" — every account may enrol
	// one on /compte, none has to (the demo of aci run). An enrolled
	// account proves it at login either way (docs/rules.md §34).
	MFA MFAPolicy
}

// MFAPolicy is the MFA setting.
type MFAPolicy string

const (
	MFARequired MFAPolicy = "required"
	MFAOptional MFAPolicy = "optional"
)

// Parse builds a Config from getenv (os.Getenv in production).
func Parse(getenv func(string) string) (Config, error) {
	c := Config{
		DatabaseURL:      getenv("DATABASE_URL"),
		OwnerDatabaseURL: getenv("OWNER_DATABASE_URL"),
		Addr:             or(getenv("ADDR"), "127.0.0.1:8080"),
		LogFormat:        or(getenv("LOG_FORMAT"), "text"),
		SMTPURL:          getenv("SMTP_URL"),
		MailFrom:         or(getenv("MAIL_FROM"), "no-reply@portail-aci.fr"),
		SessionIdle:      30 * time.Minute,
		SessionLifetime:  12 * time.Hour,
		DataDir:          or(getenv("DATA_DIR"), ".data"),

		DBConnectTimeout:   5 * time.Second,
		DBStatementTimeout: 15 * time.Second,
		RequestTimeout:     30 * time.Second,
		ShutdownGrace:      15 * time.Second,
		MFA:                MFAPolicy(or(getenv("MFA"), string(MFARequired))),
	}
	if c.MFA != MFARequired && c.MFA != MFAOptional {
		return c, fmt.Errorf("config: MFA must be required or optional, not %q", c.MFA)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, fmt.Errorf("config: LOG_FORMAT must be text or json, not %q", c.LogFormat)
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return c, fmt.Errorf("config: ADDR %q: %w", c.Addr, err)
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"SESSION_IDLE_TIMEOUT", &c.SessionIdle}, {"SESSION_LIFETIME", &c.SessionLifetime},
		{"DB_CONNECT_TIMEOUT", &c.DBConnectTimeout}, {"DB_STATEMENT_TIMEOUT", &c.DBStatementTimeout},
		{"REQUEST_TIMEOUT", &c.RequestTimeout}, {"SHUTDOWN_GRACE", &c.ShutdownGrace}} {
		if v := getenv(d.name); v != "" {
			t, err := time.ParseDuration(v)
			if err != nil || t <= 0 {
				return c, fmt.Errorf("config: %s %q is not a positive duration (e.g. 30m)", d.name, v)
			}
			*d.dst = t
		}
	}
	for _, f := range strings.Split(getenv("TRUSTED_PROXIES"), ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil {
				return c, fmt.Errorf("config: TRUSTED_PROXIES: %q is neither a CIDR (10.0.0.0/8) nor an address", f)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, p.Masked())
	}
	c.DatabaseReplicaURL = getenv("DATABASE_REPLICA_URL")
	c.BaseURL = strings.TrimRight(getenv("BASE_URL"), "/")
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	return c, nil
}

// HTTPS reports whether the public URL is https (cookies then get Secure and
// the __Host- prefix, and HSTS is sent).
func (c Config) HTTPS() bool { return strings.HasPrefix(c.BaseURL, "https://") }

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
