package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Machine describes where a run was measured.
type Machine struct {
	CPU        string
	Cores      int
	RAM        string
	Go         string
	PostgreSQL string
	Data       string // the data set (demo, national...)
	Duration   time.Duration
	Conns      int
	PeakRSS    string // the server's VmHWM at the end of the run
	Load       string // /proc/loadavg at the start: other work on the machine
	At         time.Time
	MFA        string // the server's MFA setting
	Settled    string // how the start-up burst of the server's jobs ended before the first page
}

// CPUModel and MemTotal read /proc (Linux); "inconnu" elsewhere.
func CPUModel() string {
	return procField("/proc/cpuinfo", "model name", ":")
}

func MemTotal() string { return procField("/proc/meminfo", "MemTotal", ":") }

// LoadAverage is /proc/loadavg's 1, 5 and 15 minutes averages.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "inconnue"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "inconnue"
	}
	return strings.Join(f[:3], " ")
}

// PeakRSS is the high-water mark of the resident memory of process pid.
func PeakRSS(pid int) string { return procField(fmt.Sprintf("/proc/%d/status", pid), "VmHWM", ":") }

func procField(path, key, sep string) string {
	f, err := os.Open(path)
	if err != nil {
		return "inconnu"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), sep)
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return "inconnu"
}

// floor returns the throughput of the floor page in results (0: absent).
func floor(results []Result) float64 {
	for _, r := range results {
		if r.Page.Name == Floor && r.Skipped == "" {
			return r.RPS()
		}
	}
	return 0
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

// Table writes the results as a Markdown table.
func Table(w io.Writer, results []Result) {
	f := floor(results)
	fmt.Fprintln(w, "| page | rôle | chemin | req/s | p50 (ms) | p95 (ms) | p99 (ms) | part du plancher | erreurs |")
	fmt.Fprintln(w, "|---|---|---|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		who := r.Page.Who
		if who == "" {
			who = "anonyme"
		}
		who = strings.TrimSuffix(who, "@demo.portail-aci.fr")
		if r.Skipped != "" {
			fmt.Fprintf(w, "| %s | %s | `%s` | — | — | — | — | — | ignorée : %s |\n", r.Page.Name, who, r.Path, r.Skipped)
			continue
		}
		ratio := "—"
		if f > 0 {
			ratio = fmt.Sprintf("%.0f %%", 100*r.RPS()/f)
		}
		fmt.Fprintf(w, "| %s | %s | `%s` | %.0f | %s | %s | %s | %s | %d |\n",
			r.Page.Name, who, r.Path, r.RPS(), ms(r.P50), ms(r.P95), ms(r.P99), ratio, r.Errors)
	}
}

// Markdown writes docs/benchmarks.md: how it was measured, the machine, the
// table.
func Markdown(w io.Writer, m Machine, results []Result, alone Alone) {
	fmt.Fprintln(w, "# Portail ACI — mesures de charge (`make bench`)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Écrit par `make bench` (`aci bench`, internal/bench) : ne pas modifier à la main. Le serveur")
	fmt.Fprintln(w, "(`aci serve`, compilé par `make build`) tourne sur une base PostgreSQL privée ; un second processus,")
	fmt.Fprintf(w, "le générateur de charge, charge chaque page pendant %s avec %d connexions sur la boucle locale,\n", m.Duration, m.Conns)
	fmt.Fprintln(w, "connecté avec le compte du rôle qui l'utilise (la base, migrée et remplie, passe d'abord un VACUUM (ANALYZE),")
	fmt.Fprintln(w, "l'état où l'autovacuum tient une base en service). « Part du plancher » : le débit de la page rapporté à")
	fmt.Fprintln(w, "celui de `/healthz` (une requête PostgreSQL) dans la même exécution (docs/rules.md §35).")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "- Date : %s\n", m.At.UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(w, "- Machine : %s, %d cœurs, %s de mémoire ; charge moyenne au départ (1, 5, 15 min) : %s\n", m.CPU, m.Cores, m.RAM, m.Load)
	fmt.Fprintf(w, "- Go : %s ; PostgreSQL : %s\n", m.Go, m.PostgreSQL)
	fmt.Fprintf(w, "- Données : %s\n", m.Data)
	fmt.Fprintf(w, "- Serveur : MFA=%s, comme `make run` : les comptes se connectent avec leur seul mot de passe (avec\n", m.MFA)
	fmt.Fprintln(w, "  MFA=required, les comptes des caisses, ARS, DCGDR et national seraient renvoyés vers l'inscription du")
	fmt.Fprintln(w, "  second facteur au lieu de leurs pages)")
	fmt.Fprintln(w, "- Démarrage : au lancement, les tâches de fond du serveur parcourent tous les contrats et le journal et")
	fmt.Fprintln(w, "  mettent des milliers d'e-mails en file ; la mesure commence quand ce premier passage est fini (aucun")
	fmt.Fprintln(w, "  e-mail mis en file pendant 10 s). Les tâches ne sont ni retardées ni coupées : les e-mails encore dus")
	fmt.Fprintf(w, "  partent pendant la mesure à leur rythme de service (50 toutes les 15 s). Cette exécution : %s.\n", m.Settled)
	fmt.Fprintf(w, "- Mémoire résidente maximale du serveur (VmHWM) : %s\n", m.PeakRSS)
	fmt.Fprintln(w)
	Table(w, results)
	fmt.Fprintln(w)
	Targets(w, results, m.PeakRSS, alone)
}
