package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/mail/mailtest"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// Two real `aci serve` processes on one database behind nginx (Debian's
// package, configured by the committed deploy/nginx.conf), as the "scale"
// profile of docker-compose.yml runs them (docs/rules.md §40): a session
// opened through the proxy holds on both instances, the cross-origin check
// behaves as on one instance with the Host nginx forwards, the login
// throttle counts the client's address that nginx appends to
// X-Forwarded-For (not what the client wrote there), and the e-mails of the
// outbox go out once although both instances run the outbox job.
//
// Every address is on the loopback: the clients connect from 127.0.0.2…
// (their own addresses, as distinct clients), nginx from 127.0.0.1, the one
// address in TRUSTED_PROXIES.
func TestTwoInstancesBehindNginx(t *testing.T) {
	t.Parallel()
	ngx := nginxBinary(t)
	bin := buildACI(t)
	ctx := context.Background()
	dbURL := pgtest.NewURL(t)
	st, err := store.Open(ctx, dbURL, pgtest.Options(time.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	// E-mails waiting before the instances start: both instances run the
	// outbox at start, at the same moment, and race for them.
	const queued = 12
	if _, err := pgtest.Owner(t, st).Exec(ctx, `INSERT INTO outbox (to_email, subject, body, created_at, send_after)
		SELECT 'file' || i || '@exemple.fr', 'Message en file ' || i, 'Corps', now(), now() FROM generate_series(1, $1) i`, queued); err != nil {
		t.Fatal(err)
	}
	smtp := mailtest.New(t, 0)

	port := freePort(t)
	base := "http://127.0.0.1:" + port
	env := []string{"DATABASE_URL=" + dbURL, "ADDR=127.0.0.1:0", "BASE_URL=" + base, "TRUSTED_PROXIES=127.0.0.1/32",
		"LOG_FORMAT=json", "SMTP_URL=" + smtp.URL(), "SHUTDOWN_GRACE=2s",
		// The reports' read-only store, on the same database here.
		"DATABASE_REPLICA_URL=" + dbURL}
	var insts [2]*instance
	var wg sync.WaitGroup
	for i := range insts {
		wg.Add(1)
		go func() { defer wg.Done(); insts[i] = startInstance(t, bin, env) }()
	}
	wg.Wait()
	for i, in := range insts {
		if in.addr == "" {
			t.Fatalf("instance %d did not start:\n%s", i+1, in.log.String())
		}
	}
	startNginx(t, ngx, port, insts[0].addr, insts[1].addr)

	// A session opened through the proxy holds on both instances.
	coord := newClient(t, "127.0.0.2")
	if r := coord.post(base, "/login", url.Values{"email": {"coordinateur@demo.portail-aci.fr"}, "password": {seed.DemoPassword}}, base, "same-origin"); r.status != http.StatusSeeOther {
		t.Fatalf("login through the proxy: %d\n%s", r.status, r.body)
	}
	for i := range 8 {
		r := coord.get(base, "/")
		if r.status != http.StatusOK || !strings.Contains(r.body, "Camille Martin") {
			t.Fatalf("request %d after the login: %d (not logged in?)", i+1, r.status)
		}
	}
	for i := range 2 {
		if r := coord.get(base, "/dossiers/export.csv"); r.status != http.StatusOK || !strings.Contains(r.body, seed.ValDeDemo) {
			t.Fatalf("export %d through the proxy (read-only reports store): %d\n%s", i+1, r.status, r.body)
		}
	}
	// Every answer above was the coordinator's home page (an anonymous "/"
	// is a redirection to /login): each instance must have served some, and
	// logged whose they were.
	for i, in := range insts {
		if !in.waitFor(func(l logLine) bool {
			return l.Msg == "request" && l.Path == "/" && l.Status == http.StatusOK && l.UserID != 0 && l.OrgID != 0
		}) {
			t.Fatalf("instance %d served no logged-in page: round robin did not reach it, or the session did not hold there\n%s", i+1, in.log.String())
		}
	}

	// Cross-origin POSTs are refused on every instance; the session stays.
	for i := range 4 {
		if r := coord.post(base, "/logout", nil, "http://evil.example", "cross-site"); r.status != http.StatusForbidden {
			t.Fatalf("cross-origin POST %d through the proxy: %d", i+1, r.status)
		}
		// A client that sends no Sec-Fetch-Site: the Origin alone decides.
		if r := coord.post(base, "/logout", nil, "http://evil.example", ""); r.status != http.StatusForbidden {
			t.Fatalf("cross-origin POST %d without Sec-Fetch-Site: %d", i+1, r.status)
		}
	}
	for i, in := range insts {
		if !in.waitFor(func(l logLine) bool { return l.Msg == "access refused: cross-origin request" }) {
			t.Fatalf("instance %d refused no cross-origin request", i+1)
		}
	}
	if r := coord.get(base, "/"); r.status != http.StatusOK {
		t.Fatalf("refused POSTs ended the session: %d", r.status)
	}
	// Same origin under another name of the host (not BASE_URL), without
	// Sec-Fetch-Site: accepted only if nginx forwards the Host the browser
	// sent, port included (the app compares Origin with it).
	other := newClient(t, "127.0.0.3")
	alias := "http://localhost:" + port
	if r := other.postHost(base, "localhost:"+port, "/login", url.Values{"email": {"coordinateur.b@demo.portail-aci.fr"}, "password": {seed.DemoPassword}}, alias, ""); r.status != http.StatusSeeOther {
		t.Fatalf("same-origin POST under the Host %s: %d", alias, r.status)
	}

	// The login throttle counts the client's own address: writing other
	// addresses in X-Forwarded-For does not escape it.
	sprayer := newClient(t, "127.0.0.4")
	for i := range 5 {
		sprayer.xff = "198.51.100." + strconv.Itoa(i+1)
		sprayer.post(base, "/login", url.Values{"email": {"inconnu" + strconv.Itoa(i) + "@exemple.fr"}, "password": {"mauvais mot de passe"}}, base, "same-origin")
	}
	sprayer.xff = "198.51.100.99"
	if r := sprayer.post(base, "/login", url.Values{"email": {"msp@demo.portail-aci.fr"}, "password": {seed.DemoPassword}}, base, "same-origin"); r.status != http.StatusTooManyRequests {
		t.Fatalf("the sprayer escaped the address throttle with a forged X-Forwarded-For: %d", r.status)
	}
	if r := newClient(t, "127.0.0.5").post(base, "/login", url.Values{"email": {"msp@demo.portail-aci.fr"}, "password": {seed.DemoPassword}}, base, "same-origin"); r.status != http.StatusSeeOther {
		t.Fatalf("another client behind the same proxy is throttled: %d", r.status)
	}
	rows, err := pgtest.Owner(t, st).Query(ctx, `SELECT DISTINCT ip FROM login_attempts ORDER BY ip`)
	if err != nil {
		t.Fatal(err)
	}
	var ips []string
	for rows.Next() {
		var ip string
		if err := rows.Scan(&ip); err != nil {
			t.Fatal(err)
		}
		ips = append(ips, ip)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	if strings.Join(ips, " ") != "127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5" {
		t.Fatalf("login attempts recorded under %v: want each client's own address (not nginx's, not a forged one)", ips)
	}

	// The outbox: every queued e-mail sent, once, by one instance or the other.
	deadline := time.Now().Add(60 * time.Second)
	for countQueued(smtp.Messages()) < queued && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	for _, in := range insts {
		in.stop(t)
	}
	msgs := smtp.Messages()
	seen := map[string]int{}
	for _, m := range msgs {
		seen[strings.Join(m.Rcpt, ",")+" "+subjectOf(m.Data)]++
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("e-mail %q sent %d times", k, n)
		}
	}
	if n := countQueued(msgs); n != queued {
		t.Fatalf("%d of the %d queued e-mails sent", n, queued)
	}
	var sent int
	if err := pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL`).Scan(&sent); err != nil {
		t.Fatal(err)
	}
	if sent != len(msgs) {
		t.Fatalf("%d outbox rows marked sent, %d e-mails received by the SMTP server", sent, len(msgs))
	}
}

func countQueued(msgs []mailtest.Message) int {
	n := 0
	for _, m := range msgs {
		if len(m.Rcpt) == 1 && strings.HasPrefix(m.Rcpt[0], "file") {
			n++
		}
	}
	return n
}

func subjectOf(data string) string {
	for _, l := range strings.Split(data, "\n") {
		if s, ok := strings.CutPrefix(strings.TrimRight(l, "\r"), "Subject: "); ok {
			return s
		}
	}
	return ""
}

// nginxBinary is Debian's nginx; .ci/run installs it (scripts/ensure-nginx.sh).
func nginxBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	t.Fatal("nginx est introuvable : `make test` l'installe (apt-get install -y nginx)")
	return ""
}

// buildACI builds cmd/aci (this package) into the test's temp dir.
func buildACI(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go est introuvable (le test construit cmd/aci) : %v", err)
	}
	bin := filepath.Join(t.TempDir(), "aci")
	cmd := exec.Command(goBin, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/aci: %v\n%s", err, out)
	}
	return bin
}

// freePort is a TCP port free on 127.0.0.1 a moment ago (nginx is given it).
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	return p
}

// logLine is what the tests read of a JSON log line of aci serve.
type logLine struct {
	Msg    string `json:"msg"`
	Path   string `json:"path"`
	Status int    `json:"status"`
	UserID int64  `json:"user_id"`
	OrgID  int64  `json:"org_id"`
}

// instance is one `aci serve` process.
type instance struct {
	cmd  *exec.Cmd
	addr string // host:port it listens on
	log  *lineWriter
	done chan struct{}
}

// startInstance starts `bin serve` with env and waits for the line giving
// its address (addr stays empty if it exits or stays silent for a minute).
// It is stopped at the end of t if the test has not stopped it.
func startInstance(t *testing.T, bin string, env []string) *instance {
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	in := &instance{cmd: cmd, log: &lineWriter{ready: make(chan struct{})}, done: make(chan struct{})}
	cmd.Stderr = in.log
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Error(err)
		return in
	}
	if err := cmd.Start(); err != nil {
		t.Error(err)
		return in
	}
	t.Cleanup(func() { in.stop(t) })
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			if !sent {
				first <- sc.Text()
				sent = true
			}
		}
		if !sent {
			close(first)
		}
		_ = cmd.Wait()
		close(in.done)
	}()
	select {
	case line := <-first:
		in.addr = strings.TrimPrefix(regexp.MustCompile(`http://\S+`).FindString(line), "http://")
	case <-time.After(time.Minute):
	}
	return in
}

// stop ends the instance (SIGTERM: a graceful stop, its jobs included),
// SIGKILL to its process group if it lingers.
func (in *instance) stop(t *testing.T) {
	if in.cmd.Process == nil {
		return
	}
	select {
	case <-in.done:
		return
	default:
	}
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.done:
	case <-time.After(20 * time.Second):
		t.Errorf("aci serve (pid %d) still running 20 s after SIGTERM: killed", in.cmd.Process.Pid)
		_ = syscall.Kill(-in.cmd.Process.Pid, syscall.SIGKILL)
		<-in.done
	}
}

// waitFor reports whether a line of the instance's log matches within 10 s
// (a request's log line is written just after its response).
func (in *instance) waitFor(match func(logLine) bool) bool {
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, s := range strings.Split(in.log.String(), "\n") {
			var l logLine
			if json.Unmarshal([]byte(s), &l) == nil && match(l) {
				return true
			}
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startNginx runs nginx in the foreground with deploy/nginx.conf, its
// upstream servers replaced by a and b and its listen address by
// 127.0.0.1:port; pid, logs and temp files in a temp dir. It waits until
// /healthz answers through it, and stops it at the end of t.
func startNginx(t *testing.T, bin, port, a, b string) {
	t.Helper()
	src, err := os.ReadFile("../../deploy/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	conf := string(src)
	for _, r := range [][2]string{
		{"server app1:8080;", "server " + a + ";"},
		{"server app2:8080;", "server " + b + ";"},
		{"listen 80;", "listen 127.0.0.1:" + port + ";"},
		{"http {", "http {\n" + strings.NewReplacer("DIR", dir).Replace(`    access_log DIR/access.log;
    client_body_temp_path DIR/body;
    proxy_temp_path DIR/proxy;
    fastcgi_temp_path DIR/fastcgi;
    uwsgi_temp_path DIR/uwsgi;
    scgi_temp_path DIR/scgi;`)},
	} {
		if strings.Count(conf, r[0]) != 1 {
			t.Fatalf("deploy/nginx.conf: %q should appear once (the test replaces it)", r[0])
		}
		conf = strings.Replace(conf, r[0], r[1], 1)
	}
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	global := "daemon off; pid " + dir + "/nginx.pid; error_log " + dir + "/error.log;"
	if os.Geteuid() == 0 {
		// As root, nginx's workers would switch to www-data, who cannot
		// enter the test's temp dir: they stay root (a test, on loopback).
		global += " user root;"
	}
	cmd := exec.Command(bin, "-e", dir+"/error.log", "-p", dir, "-c", confPath, "-g", global)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	var out lineWriter
	out.ready = make(chan struct{})
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		// SIGQUIT: nginx's graceful stop, the master ends its workers; the
		// process group is killed if it lingers.
		_ = cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get("http://127.0.0.1:" + port + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-done:
			log, _ := os.ReadFile(dir + "/error.log")
			t.Fatalf("nginx exited: %s\n%s", out.String(), log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(dir + "/error.log")
			t.Fatalf("nginx not answering on port %s: %v\n%s", port, err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// proxyClient is a browser-like client connecting from its own loopback
// address, with a cookie jar, not following redirects; xff, when set, is
// sent as X-Forwarded-For (what a client may forge).
type proxyClient struct {
	t   *testing.T
	c   *http.Client
	xff string
}

func newClient(t *testing.T, from string) *proxyClient {
	jar, _ := cookiejar.New(nil)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 10 * time.Second}
	return &proxyClient{t: t, c: &http.Client{Jar: jar, Timeout: 60 * time.Second,
		Transport:     &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 2},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type proxyResp struct {
	status int
	body   string
}

func (c *proxyClient) do(req *http.Request) proxyResp {
	c.t.Helper()
	if c.xff != "" {
		req.Header.Set("X-Forwarded-For", c.xff)
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return proxyResp{res.StatusCode, string(b)}
}

func (c *proxyClient) get(base, path string) proxyResp {
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	return c.do(req)
}

// post sends a form with the Origin and Sec-Fetch-Site a browser would send
// ("" sends none).
func (c *proxyClient) post(base, path string, form url.Values, origin, fetchSite string) proxyResp {
	return c.postHost(base, "", path, form, origin, fetchSite)
}

// postHost is post with the Host header host ("" the URL's).
func (c *proxyClient) postHost(base, host, path string, form url.Values, origin, fetchSite string) proxyResp {
	req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
	if host != "" {
		req.Host = host
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if fetchSite != "" {
		req.Header.Set("Sec-Fetch-Site", fetchSite)
	}
	return c.do(req)
}
