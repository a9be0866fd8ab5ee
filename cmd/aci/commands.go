package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/portail-aci/aci/internal/config"
	"github.com/portail-aci/aci/internal/pdf"
	"github.com/portail-aci/aci/internal/pgcluster"
	"github.com/portail-aci/aci/internal/refdata"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/server"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

func openStore(ctx context.Context, cfg config.Config) (*store.Store, error) {
	if cfg.DatabaseURL == "" {
		return nil, errors.New("DATABASE_URL est vide : indiquez la base PostgreSQL (ou utilisez « make run », qui démarre une base privée)")
	}
	return store.Open(ctx, cfg.DatabaseURL, storeOptions(cfg))
}

// storeOptions are the store's collaborators in production: the wall clock
// and templ's contract document, with the connect and statement timeouts of
// cfg.
func storeOptions(cfg config.Config) store.Options {
	return store.Options{Clock: time.Now, RenderContract: pages.RenderContractDocument,
		ConnectTimeout: cfg.DBConnectTimeout, StatementTimeout: cfg.DBStatementTimeout}
}

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Parse(getenv)
	if err != nil {
		return err
	}
	owner, err := openOwner(ctx, cfg)
	if err != nil {
		return err
	}
	defer owner.Close()
	if err := migrateAndGrant(ctx, owner, cfg, stdout); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "migrations appliquées")
	return nil
}

// openOwner connects as the role that owns the schema: OWNER_DATABASE_URL,
// or DATABASE_URL when it is unset (docs/rules.md §36).
func openOwner(ctx context.Context, cfg config.Config) (*pgxpool.Pool, error) {
	u := cfg.OwnerDatabaseURL
	if u == "" {
		u = cfg.DatabaseURL
	}
	if u == "" {
		return nil, errors.New("OWNER_DATABASE_URL et DATABASE_URL sont vides : indiquez la base PostgreSQL (ou utilisez « make run », qui démarre une base privée)")
	}
	return store.OpenOwner(ctx, u)
}

// migrateAndGrant applies the migrations as the owner, then grants
// DATABASE_URL's role what serving needs (new tables included), unless it is
// the owner itself.
func migrateAndGrant(ctx context.Context, owner *pgxpool.Pool, cfg config.Config, stdout io.Writer) error {
	if err := store.Migrate(ctx, owner); err != nil {
		return err
	}
	app, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if cfg.DatabaseURL == "" || err != nil || app.ConnConfig.User == owner.Config().ConnConfig.User {
		fmt.Fprintln(stdout, "OWNER_DATABASE_URL absent ou identique à DATABASE_URL : aucun droit accordé ; aci serve refuse de servir en propriétaire des tables (voir README, « Two roles »)")
		return nil
	}
	if err := store.GrantApp(ctx, owner, app.ConnConfig.User); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "droits accordés au rôle applicatif %s\n", app.ConnConfig.User)
	return nil
}

func cmdSeed(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	demo := fs.Bool("demo", false, "ajoute les comptes et données de démonstration")
	scale := fs.String("scale", "", "« national » : le jeu de données national dans une base vide (docs/rules.md §37)")
	seedValue := fs.Uint64("seed", seed.DefaultNationalSeed, "graine du jeu de données national (même graine, même jour : mêmes données)")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	factor, err := scaleFactor(*scale)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitCode(2)
	}
	cfg, err := config.Parse(getenv)
	if err != nil {
		return err
	}
	if factor > 0 {
		cfg.DBStatementTimeout = 0 // one bulk transaction
	}
	owner, err := openOwner(ctx, cfg)
	if err != nil {
		return err
	}
	defer owner.Close()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if factor == 0 {
		return seedAll(ctx, owner, st, *demo, stdout)
	}
	// The national data set is copied in bulk (COPY), which PostgreSQL
	// refuses on a table under row-level security: it is loaded through the
	// owner's connection, as a role that bypasses the policies (the
	// cluster's superuser under make bench; docs/rules.md §36, §37).
	return seedNational(ctx, owner, store.New(owner, storeOptions(cfg)), factor, *seedValue, stdout)
}

// scaleFactor is the size of `aci seed --scale X`: "" none (reference data
// and --demo only), "national" the national volume (1), or a factor in
// ]0, 1] of it (a smaller data set on the same code path).
func scaleFactor(scale string) (float64, error) {
	switch scale {
	case "":
		return 0, nil
	case "national":
		return 1, nil
	}
	f, err := strconv.ParseFloat(scale, 64)
	if err != nil || f <= 0 || f > 1 {
		return 0, fmt.Errorf("--scale %q : attendu « national » ou un facteur entre 0 et 1 (0.1 : un dixième du volume national)", scale)
	}
	return f, nil
}

// seedNational loads the reference data, then the national data set
// (docs/rules.md §37), and reports its time and the database size.
func seedNational(ctx context.Context, owner *pgxpool.Pool, st *store.Store, factor float64, seedValue uint64, stdout io.Writer) error {
	start := time.Now()
	if err := refdata.Load(ctx, owner); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "référentiels chargés (%s)\n", time.Since(start).Round(time.Millisecond))
	rep, err := seed.LoadNational(ctx, st, seed.NationalOptions{Factor: factor, Seed: seedValue})
	if err != nil {
		return err
	}
	size, err := st.DatabaseSize(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "jeu de données national chargé (facteur %g, graine %d) en %s ; base : %s\n", factor, seedValue,
		time.Since(start).Round(time.Millisecond), size)
	for _, t := range store.NationalTables() {
		fmt.Fprintf(stdout, "  %-28s %8d\n", t, rep.Counts[t])
	}
	fmt.Fprintf(stdout, "comptes : ceux de la démonstration et les comptes nationaux (…@national.portail-aci.fr), mot de passe %s\n", seed.DemoPassword)
	return nil
}

// seedAll loads the reference data as the owner (owner), then the demo
// through the store (the application role, on the system paths).
func seedAll(ctx context.Context, owner *pgxpool.Pool, st *store.Store, demo bool, stdout io.Writer) error {
	start := time.Now()
	if err := refdata.Load(ctx, owner); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "référentiels chargés (%s)\n", time.Since(start).Round(time.Millisecond))
	if demo {
		if err := seed.Demo(ctx, st); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "données de démonstration chargées (mot de passe des comptes : %s)\n", seed.DemoPassword)
	}
	return nil
}

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Parse(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeStore(st, log, cfg.ShutdownGrace)
	pending, err := store.Pending(ctx, st.Pool)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		return fmt.Errorf("migrations en attente, lancez « aci migrate » d'abord : %s", strings.Join(pending, ", "))
	}
	if err := store.CheckAppRole(ctx, st.Pool); err != nil {
		return err
	}
	return serve(ctx, cfg, st, log, stdout)
}

// openReports opens the read-only store of DATABASE_REPLICA_URL for the
// reports (docs/rules.md §40), or returns nil when it is unset (the reports
// then read the main store).
func openReports(ctx context.Context, cfg config.Config) (*store.Store, error) {
	if cfg.DatabaseReplicaURL == "" {
		return nil, nil
	}
	o := storeOptions(cfg)
	o.ReadOnly = true
	st, err := store.Open(ctx, cfg.DatabaseReplicaURL, o)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_REPLICA_URL : %w", err)
	}
	return st, nil
}

// closeStore closes the pool, waiting at most grace for the connections in
// use: a connection stuck on a hung database must not keep the process from
// exiting.
func closeStore(st *store.Store, log *slog.Logger, grace time.Duration) {
	done := make(chan struct{})
	go func() { st.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		log.Warn("database pool not closed within the grace period: exiting anyway", "grace", grace.String())
	}
}

// serve runs the HTTP server until ctx is done, then shuts it down
// gracefully: the requests in flight have SHUTDOWN_GRACE to finish, then
// their contexts are cancelled (ending their database work) and their
// connections closed.
func serve(ctx context.Context, cfg config.Config, st *store.Store, log *slog.Logger, stdout io.Writer) error {
	reports, err := openReports(ctx, cfg)
	if err != nil {
		return err
	}
	if reports != nil {
		defer closeStore(reports, log, cfg.ShutdownGrace)
	}
	srv := server.New(cfg, st, log, server.Options{PDF: pdf.New(pdf.Options{Timeout: 45 * time.Second, MaxConcurrent: 2}), Reports: reports})
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	hs := &http.Server{
		BaseContext:       func(net.Listener) context.Context { return base },
		Addr:              cfg.Addr,
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("écoute sur %s : %w", cfg.Addr, err)
	}
	bg := srv.StartJobs(ctx, srv.Jobs())
	fmt.Fprintf(stdout, "Portail ACI sur http://%s (Ctrl-C pour arrêter)\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		bg()
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	err = hs.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		log.Warn("requests still running after the grace period: cut off", "grace", cfg.ShutdownGrace.String())
		cancelBase()
		err = hs.Close()
	}
	bg()
	return err
}

// devCluster starts (creating it the first time) the private cluster under
// dataDir/postgres, with its application role (pgcluster.AppRole: the
// cluster's superuser owns the schema and migrates, docs/rules.md §36), and
// returns it with the URL of database "aci" as the superuser.
func devCluster(ctx context.Context, dataDir string, stderr io.Writer) (*pgcluster.Cluster, string, error) {
	want, err := filepath.Abs(filepath.Join(dataDir, "postgres"))
	if err != nil {
		return nil, "", err
	}
	// Root in a directory the postgres user cannot enter (a clone under
	// /root): the cluster lives where that user can reach it.
	dir, moved, err := pgcluster.Place(want)
	if err != nil {
		return nil, "", err
	}
	if moved {
		fmt.Fprintf(stderr, "L'utilisateur postgres ne peut pas entrer dans %s : la base privée est dans %s.\n", filepath.Dir(want), dir)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, "", err
	}
	c, err := pgcluster.Ensure(ctx, dir, pgcluster.Options{Fsync: true, Log: stderr})
	if err != nil {
		return nil, "", err
	}
	if err := c.EnsureDatabase(ctx, "aci"); err != nil {
		_ = c.Stop()
		return nil, "", err
	}
	if err := c.EnsureRole(ctx, pgcluster.AppRole); err != nil {
		_ = c.Stop()
		return nil, "", err
	}
	return c, c.URL("aci"), nil
}

func cmdDevDB(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Parse(getenv)
	if err != nil {
		return err
	}
	c, url, err := devCluster(ctx, cfg.DataDir, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "DATABASE_URL='%s'\nOWNER_DATABASE_URL='%s'\n", c.URLAs("aci", pgcluster.AppRole), url)
	if !c.Started() {
		fmt.Fprintln(stdout, "(la base tournait déjà : elle reste démarrée)")
		return nil
	}
	fmt.Fprintln(stdout, "Base démarrée ; Ctrl-C pour l'arrêter.")
	<-ctx.Done()
	return c.Stop()
}

// cmdRun is `make run`: a private cluster when DATABASE_URL is unset,
// migrations, reference and demo data, then the server. On Ctrl-C or
// SIGTERM (or when its parent, make, goes away) it stops the server
// gracefully and then the cluster it started, leaving nothing running.
func cmdRun(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	withParent := fs.Bool("exit-with-parent", false, "s'arrête proprement si le processus parent (make) disparaît")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	cfg, err := config.Parse(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	demoMFA(&cfg, getenv, log)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if *withParent {
		go watchParent(ctx, cancel)
	}
	if cfg.DatabaseURL == "" {
		c, url, err := devCluster(ctx, cfg.DataDir, stderr)
		if err != nil {
			return err
		}
		if c.Started() {
			defer func() {
				if err := c.Stop(); err != nil {
					log.Error("stopping the private cluster", "error", err.Error())
				} else {
					fmt.Fprintln(stdout, "base privée arrêtée")
				}
			}()
		}
		cfg.DatabaseURL, cfg.OwnerDatabaseURL = c.URLAs("aci", pgcluster.AppRole), url
		fmt.Fprintf(stdout, "base privée : %s (migrations en %s, service en %s)\n", c.Dir, pgcluster.Superuser, pgcluster.AppRole)
	}
	owner, err := openOwner(ctx, cfg)
	if err != nil {
		return err
	}
	err = migrateAndGrant(ctx, owner, cfg, io.Discard)
	if err != nil {
		owner.Close()
		return err
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, storeOptions(cfg))
	if err != nil {
		owner.Close()
		return err
	}
	defer closeStore(st, log, cfg.ShutdownGrace)
	err = seedAll(ctx, owner, st, true, stdout)
	owner.Close()
	if err != nil {
		return err
	}
	return serve(ctx, cfg, st, log, stdout)
}

// demoMFA: the demo of aci run (make run) asks no second factor unless MFA
// is set, so that the demo accounts log in with their password alone, and
// it says so at start (docs/rules.md §34).
func demoMFA(cfg *config.Config, getenv func(string) string, log *slog.Logger) {
	if getenv("MFA") == "" {
		cfg.MFA = config.MFAOptional
		log.Warn("MFA=optional (démo) : les comptes de démonstration se connectent avec leur seul mot de passe ; " +
			"la vérification en deux étapes reste proposée sur /compte. aci serve l'exige par défaut (MFA=required) " +
			"des comptes CPAM, ARS, DCGDR et nationaux.")
		return
	}
	log.Info("second factor policy", "MFA", string(cfg.MFA))
}

// watchParent cancels when the parent process changes (make was killed):
// make does not forward SIGTERM to its recipe, so without this a `kill` of
// make would leave the server and its cluster running.
func watchParent(ctx context.Context, cancel context.CancelFunc) {
	ppid := os.Getppid()
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if os.Getppid() != ppid {
				cancel()
				return
			}
		}
	}
}
