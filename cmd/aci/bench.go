package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/portail-aci/aci/internal/bench"
	"github.com/portail-aci/aci/internal/config"
	"github.com/portail-aci/aci/internal/pgcluster"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
)

// benchDatabase is the database of `aci bench` in its private cluster
// (DATA_DIR/bench), dropped and recreated at each run.
const benchDatabase = "aci_bench"

// benchMFA is the second-factor policy of the bench's server (MFA): optional,
// as in the demo of make run, whatever the environment says.
const benchMFA = "optional"

// cmdBench is `make bench`: a private cluster under DATA_DIR/bench, a fresh
// database migrated and seeded with BENCH_DATA (national by default:
// `aci seed --scale national`; demo: `aci seed --demo`; any other value X:
// `aci seed --scale X`), this same binary started as the server (`aci
// serve`, a second process), a wait for the start-up burst of its jobs
// (waitJobsSettled, at most BENCH_SETTLE, default 10m), then the load generator
// (internal/bench) on every page for BENCH_DURATION (default 10s) at
// BENCH_CONNECTIONS (default 32). It prints the table and writes it, with
// the machine's description, to BENCH_OUT (default docs/benchmarks.md).
func cmdBench(ctx context.Context, _ []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Parse(getenv)
	if err != nil {
		return err
	}
	dur, conns := 10*time.Second, 32
	if v := getenv("BENCH_DURATION"); v != "" {
		if dur, err = time.ParseDuration(v); err != nil || dur <= 0 {
			return fmt.Errorf("BENCH_DURATION : durée invalide %q (ex. 10s)", v)
		}
	}
	if v := getenv("BENCH_CONNECTIONS"); v != "" {
		if conns, err = strconv.Atoi(v); err != nil || conns < 1 {
			return fmt.Errorf("BENCH_CONNECTIONS : nombre invalide %q", v)
		}
	}
	settle := 10 * time.Minute
	if v := getenv("BENCH_SETTLE"); v != "" {
		if settle, err = time.ParseDuration(v); err != nil || settle < 0 {
			return fmt.Errorf("BENCH_SETTLE : durée invalide %q (ex. 10m)", v)
		}
	}
	data := or(getenv("BENCH_DATA"), "national")
	load := bench.LoadAverage()
	out := or(getenv("BENCH_OUT"), filepath.Join("docs", "benchmarks.md"))

	c, _, err := devCluster(ctx, filepath.Join(cfg.DataDir, "bench"), stderr)
	if err != nil {
		return err
	}
	if c.Started() {
		defer func() { _ = c.Stop() }()
	}
	if err := c.DropDatabase(ctx, benchDatabase); err != nil {
		return err
	}
	if err := c.EnsureDatabase(ctx, benchDatabase); err != nil {
		return err
	}
	pgVersion, err := c.ServerVersion(ctx)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		return err
	}
	// MFA=optional, like make run: the load generator logs in with the
	// password alone, and the agency accounts (CPAM, ARS, DCGDR, national)
	// would otherwise be sent to the second factor's enrolment (303) instead
	// of their pages. Said in docs/benchmarks.md. As in production:
	// migrations and reference data as the owner, the server as the
	// application role (docs/rules.md §36).
	env := append(benchEnv(os.Environ(), c.URLAs(benchDatabase, pgcluster.AppRole), addr), "OWNER_DATABASE_URL="+c.URL(benchDatabase))
	seedArgs := []string{"seed", "--demo"}
	if data != "demo" {
		seedArgs = []string{"seed", "--scale", data}
	}
	for _, args := range [][]string{{"migrate"}, seedArgs} {
		start := time.Now()
		cmd := exec.CommandContext(ctx, exe, args...)
		var b bytes.Buffer
		cmd.Env, cmd.Stdout, cmd.Stderr = env, &b, &b
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("aci %v : %w\n%s", args, err, b.String())
		}
		fmt.Fprintf(stdout, "aci %v : %s\n", args, time.Since(start).Round(time.Millisecond))
	}
	// The steady state of a running database (autovacuum's work done), not
	// the minute after a bulk load.
	start := time.Now()
	if err := c.Vacuum(ctx, benchDatabase); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "VACUUM (ANALYZE) : %s\n", time.Since(start).Round(time.Millisecond))

	logPath := filepath.Join(cfg.DataDir, "bench", "server.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	srv := exec.Command(exe, "serve")
	srv.Env, srv.Stdout, srv.Stderr = env, logf, logf
	if err := srv.Start(); err != nil {
		return err
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = srv.Process.Signal(syscall.SIGTERM)
			_ = srv.Wait()
		}
	}
	defer stop()
	base := "http://" + addr
	if err := waitHealthy(ctx, base, 60*time.Second); err != nil {
		return fmt.Errorf("le serveur ne répond pas (journal : %s) : %w", logPath, err)
	}
	settled, err := waitJobsSettled(ctx, cfg, c.URLAs(benchDatabase, pgcluster.AppRole), settle)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "tâches de démarrage : %s\n", settled)
	fmt.Fprintf(stdout, "serveur pid %d sur %s ; %s par page, %d connexions\n", srv.Process.Pid, base, dur, conns)
	results, err := bench.Run(ctx, bench.Options{Base: base, Password: seed.DemoPassword, Connections: conns,
		Duration: dur, Progress: stdout}, bench.Pages())
	if err != nil {
		return err
	}
	// The export of every payment of France, alone (docs/rules.md §35): a
	// user's one export, not 32 at once.
	var alone bench.Alone
	if p, ok := bench.PageNamed(bench.FranceExport); ok {
		alone = bench.Single(ctx, base, seed.DemoPassword, p)
		fmt.Fprintf(stdout, "%s, seul : statut %d, %d octets en %s %s\n", p.Name, alone.Status, alone.Bytes, alone.Elapsed.Round(time.Millisecond), alone.Err)
	}
	m := bench.Machine{CPU: bench.CPUModel(), Cores: runtime.NumCPU(), RAM: bench.MemTotal(), Go: runtime.Version(),
		PostgreSQL: pgVersion, Data: data, Duration: dur, Conns: conns, PeakRSS: bench.PeakRSS(srv.Process.Pid), Load: load, At: time.Now(), MFA: benchMFA, Settled: settled}
	stop()
	fmt.Fprintln(stdout)
	bench.Table(stdout, results)
	fmt.Fprintln(stdout)
	bench.Targets(stdout, results, m.PeakRSS, alone)
	fmt.Fprintf(stdout, "\nmémoire résidente maximale du serveur : %s\n", m.PeakRSS)
	var doc bytes.Buffer
	bench.Markdown(&doc, m, results, alone)
	if err := os.WriteFile(out, doc.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "écrit dans %s\n", out)
	return nil
}

// benchEnv is the environment of the bench's commands and server: the
// caller's, with the bench's database, address and MFA=optional (last wins).
func benchEnv(environ []string, databaseURL, addr string) []string {
	return append(slices.Clip(environ), "DATABASE_URL="+databaseURL, "ADDR="+addr, "MFA="+benchMFA)
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitJobsSettled waits until the first pass of the server's background jobs
// is over: at start they walk every contract and every audit row and queue
// thousands of e-mails (national data), competing with the first pages
// measured. Settled is: no e-mail queued for settleQuiet. The e-mails still
// due are then sent by the outbox job at its steady pace (50 every 15 s)
// while the pages are measured, as in service; the jobs are neither delayed
// nor disabled. After within, the run goes on and says so (docs/rules.md §35).
func waitJobsSettled(ctx context.Context, cfg config.Config, url string, within time.Duration) (string, error) {
	const settleQuiet = 10 * time.Second
	st, err := store.Open(ctx, url, storeOptions(cfg))
	if err != nil {
		return "", err
	}
	defer st.Close()
	start := time.Now()
	last, since := -1, time.Now()
	for {
		due, total, err := st.MailQueue(ctx, time.Now())
		if err != nil {
			return "", err
		}
		if total != last {
			last, since = total, time.Now()
		}
		waited := time.Since(start).Round(time.Second)
		if time.Since(since) >= settleQuiet {
			return fmt.Sprintf("premier passage fini après %s : %d e-mails mis en file, %d encore dus (envoyés pendant la mesure, 50 toutes les 15 s)", waited, total, due), nil
		}
		if waited >= within {
			return fmt.Sprintf("pas fini après %s (BENCH_SETTLE) : %d e-mails mis en file, %d encore dus", waited, total, due), nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

func waitHealthy(ctx context.Context, base string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("statut %d", res.StatusCode)
		}
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
