package main

import (
	"bufio"
	"context"
	"fmt"
	"github.com/jackc/pgx/v5"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/pgcluster"
	"github.com/portail-aci/aci/internal/refdata"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// The fault tests (docs/rules.md §39) run `aci serve` as a real process —
// this test binary started again with childEnv set, which TestMain turns
// into `aci serve` (the run function of main) — so that they can kill it
// with SIGKILL, stop it with SIGTERM and stop or freeze its PostgreSQL.
// Everything listens on loopback or on a unix socket.
const childEnv = "ACI_TEST_CHILD"

// serveChild is main for the child process: `aci serve` with the
// environment, until SIGTERM or SIGINT — or until the test process is gone
// (watchParent), so that a killed test run leaves no server behind.
func serveChild() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go watchParent(ctx, stop)
	err := run(ctx, []string{"serve"}, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "aci:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// child is a running `aci serve` process.
type child struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string        // http://127.0.0.1:port
	log  *lineWriter   // its stderr (the server's log)
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done
}

// startServe starts `aci serve` on database dbURL with the extra settings
// vars, on a free loopback port, and waits until it listens. The process is
// killed at the end of the test if still running.
func startServe(t *testing.T, dbURL string, vars map[string]string) *child {
	t.Helper()
	env := append(os.Environ(), childEnv+"=serve", "DATABASE_URL="+dbURL, "ADDR=127.0.0.1:0", "MFA=optional", "LOG_FORMAT=text")
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = env
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{t: t, cmd: cmd, log: &lineWriter{ready: make(chan struct{})}, done: make(chan struct{})}
	cmd.Stderr = c.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a := regexp.MustCompile(`http://\S+`).FindString(sc.Text()); a != "" {
				select {
				case addr <- a:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	go func() { c.err = cmd.Wait(); close(c.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-c.done
		if t.Failed() {
			t.Logf("server log:\n%s", lastLines(c.log.String(), 40))
		}
	})
	select {
	case c.base = <-addr:
	case <-c.done:
		t.Fatalf("aci serve ended before listening: %v\n%s", c.err, c.log.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("aci serve not listening after 60 s\n%s", c.log.String())
	}
	return c
}

// kill9 kills the server with SIGKILL, as a crash would, and waits for it.
func (c *child) kill9() {
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
}

// terminate sends SIGTERM and returns how long the process took to exit, at
// most within (then the test fails).
func (c *child) terminate(within time.Duration) time.Duration {
	c.t.Helper()
	start := time.Now()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
		return time.Since(start)
	case <-time.After(within):
		c.t.Fatalf("aci serve still running %s after SIGTERM", within)
		return 0
	}
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

// webClient is a browser-like client of a child server: its own cookies, no
// redirects followed, a bounded wait (a guard against hanging forever; the
// tests assert the server answers far sooner). Network errors are returned,
// never fatal: the fault tests expect them.
type webClient struct {
	base string
	c    *http.Client
}

func newWebClient(base string) *webClient {
	jar, _ := cookiejar.New(nil)
	return &webClient{base: base, c: &http.Client{Jar: jar, Timeout: 45 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type answer struct {
	status   int
	location string
	body     string
	took     time.Duration
}

func (w *webClient) do(req *http.Request) (answer, error) {
	start := time.Now()
	res, err := w.c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, location: res.Header.Get("Location"), body: string(b), took: time.Since(start)}, err
}

func (w *webClient) get(path string) (answer, error) {
	req, _ := http.NewRequest(http.MethodGet, w.base+path, nil)
	return w.do(req)
}

// post sends a same-origin form, confirmed (confirm=1) as a browser with
// JavaScript does.
func (w *webClient) post(path string, form url.Values) (answer, error) {
	f := url.Values{"confirm": {"1"}}
	for k, v := range form {
		f[k] = v
	}
	req, _ := http.NewRequest(http.MethodPost, w.base+path, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", w.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return w.do(req)
}

func (w *webClient) login(t *testing.T, email string) {
	t.Helper()
	a, err := w.post("/login", url.Values{"email": {email}, "password": {seed.DemoPassword}})
	if err != nil || a.status != http.StatusSeeOther {
		t.Fatalf("login %s: %d %v\n%s", email, a.status, err, a.body)
	}
}

// demoDatabase returns a pgtest database loaded with the demo data: the
// connection string the server uses (the application role, bound by
// row-level security) and the one the test's own fixtures and checks use
// (the owner, as a system path: docs/rules.md §36).
func demoDatabase(t *testing.T) (serveURL, fixtureURL string) {
	t.Helper()
	u := pgtest.NewURL(t)
	loadDemo(t, "", u, false)
	return u, pgtest.OwnerURL(u)
}

// connectFixture opens the test's own connection on u (a fixture URL of
// demoDatabase or privateCluster), which sees every row (the system
// setting of row-level security, docs/rules.md §36).
func connectFixture(t *testing.T, u string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(u)
	if err != nil {
		t.Fatal(err)
	}
	store.OwnerConfig(cfg)
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// loadDemo migrates and loads the reference data as ownerURL's role (when
// migrate), then loads the demo data as appURL's, as aci seed does.
func loadDemo(t *testing.T, ownerURL, appURL string, migrate bool) {
	t.Helper()
	ctx := context.Background()
	if migrate {
		owner, err := store.OpenOwner(ctx, ownerURL)
		if err != nil {
			t.Fatal(err)
		}
		defer owner.Close()
		if err := store.Migrate(ctx, owner); err != nil {
			t.Fatal(err)
		}
		if err := refdata.Load(ctx, owner); err != nil {
			t.Fatal(err)
		}
		if err := store.GrantApp(ctx, owner, pgcluster.AppRole); err != nil {
			t.Fatal(err)
		}
	}
	st, err := store.Open(ctx, appURL, pgtest.Options(time.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
}

// privateCluster starts a PostgreSQL cluster of the test's own (the one of
// pgtest is shared by the package's tests and must never be stopped), with
// database "aci" migrated and loaded with the demo data. It is stopped and
// removed at the end of the test, resumed first if the test froze it. It
// returns the server's connection string (the application role) and the
// fixtures' (the superuser).
func privateCluster(t *testing.T) (c *pgcluster.Cluster, data, serveURL, fixtureURL string) {
	t.Helper()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "aci-fault-")
	if err != nil {
		t.Fatal(err)
	}
	data = filepath.Join(dir, "data")
	opts := pgcluster.Options{StopMode: "fast", Settings: []string{"shared_buffers=16MB", "jit=off"}}
	c, err = pgcluster.Ensure(ctx, data, opts)
	if err != nil {
		_ = os.RemoveAll(dir)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		signalPostgres(c, syscall.SIGCONT)
		if running, _ := c.Running(context.Background()); running {
			_ = c.ForceStop()
		}
		_ = os.RemoveAll(dir)
		_ = os.RemoveAll(c.SocketDir)
	})
	pgtest.Watch(t, c, dir)
	if err := c.EnsureDatabase(ctx, "aci"); err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureRole(ctx, pgcluster.AppRole); err != nil {
		t.Fatal(err)
	}
	serveURL, fixtureURL = c.URLAs("aci", pgcluster.AppRole), c.URL("aci")
	loadDemo(t, fixtureURL, serveURL, true)
	return c, data, serveURL, fixtureURL
}

// restartCluster starts the stopped cluster again on its data directory.
func restartCluster(t *testing.T, data string) *pgcluster.Cluster {
	t.Helper()
	c, err := pgcluster.Ensure(context.Background(), data, pgcluster.Options{StopMode: "fast", Settings: []string{"shared_buffers=16MB", "jit=off"}})
	if err != nil {
		t.Fatal(err)
	}
	pgtest.Watch(t, c, filepath.Dir(data))
	return c
}

// signalPostgres sends sig to the postmaster of c and to every backend and
// auxiliary process it started (its children, from /proc).
func signalPostgres(c *pgcluster.Cluster, sig syscall.Signal) {
	pm, err := c.PID()
	if err != nil {
		return
	}
	pids := []int{pm}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so after the last ')'.
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(pm) {
			pids = append(pids, pid)
		}
	}
	// Children first when stopping (no new work handed to them), the
	// postmaster first when resuming.
	if sig == syscall.SIGSTOP {
		for i := len(pids) - 1; i >= 0; i-- {
			_ = syscall.Kill(pids[i], sig)
		}
		return
	}
	for _, p := range pids {
		_ = syscall.Kill(p, sig)
	}
}

// acks records what the server acknowledged, from several goroutines.
type acks struct {
	mu   sync.Mutex
	list []string
	code map[int]int // status → count
}

func (a *acks) add(s string) { a.mu.Lock(); a.list = append(a.list, s); a.mu.Unlock() }

func (a *acks) saw(status int) {
	a.mu.Lock()
	if a.code == nil {
		a.code = map[int]int{}
	}
	a.code[status]++
	a.mu.Unlock()
}

func (a *acks) all() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.list...)
}
