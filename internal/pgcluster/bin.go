package pgcluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// installHint is appended to every "binaries not found" error.
const installHint = "install PostgreSQL's server binaries (Debian/Ubuntu: apt-get install -y postgresql) " +
	"or put the directory holding initdb and pg_ctl on PATH"

// findBinDir returns the directory holding initdb, pg_ctl and postgres.
//
// Order: explicit dir (Options.BinDir); when the data directory already
// exists, Debian's directory for its major version (PG_VERSION); initdb on
// PATH; the highest /usr/lib/postgresql/<N>/bin (Debian) or /usr/pgsql-<N>/bin
// (RPM).
func findBinDir(explicit, pgVersion string) (string, error) {
	if explicit != "" {
		if err := hasBins(explicit); err != nil {
			return "", fmt.Errorf("pgcluster: BinDir %s: %w", explicit, err)
		}
		return explicit, nil
	}
	if pgVersion != "" {
		for _, d := range []string{"/usr/lib/postgresql/" + pgVersion + "/bin", "/usr/pgsql-" + pgVersion + "/bin"} {
			if hasBins(d) == nil {
				return d, nil
			}
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		// Resolve symlinks (/usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb)
		// so that pg_ctl finds the postgres of the same version.
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		if d := filepath.Dir(p); hasBins(d) == nil {
			return d, nil
		}
	}
	var cands []string
	for _, pat := range []string{"/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin"} {
		m, _ := filepath.Glob(pat)
		cands = append(cands, m...)
	}
	sort.SliceStable(cands, func(i, j int) bool { return dirVersion(cands[i]) > dirVersion(cands[j]) })
	for _, d := range cands {
		if hasBins(d) == nil {
			return d, nil
		}
	}
	return "", errors.New("pgcluster: PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH " +
		"nor in /usr/lib/postgresql/*/bin: " + installHint)
}

func hasBins(dir string) error {
	for _, b := range []string{"initdb", "pg_ctl", "postgres"} {
		st, err := os.Stat(filepath.Join(dir, b))
		if err != nil {
			return fmt.Errorf("no %s: %w", b, err)
		}
		if st.IsDir() || st.Mode()&0o111 == 0 {
			return fmt.Errorf("%s is not executable", b)
		}
	}
	return nil
}

// dirVersion extracts N from /usr/lib/postgresql/N/bin or /usr/pgsql-N/bin
// ("9.6" counts as 9.6).
func dirVersion(dir string) float64 {
	s := filepath.Base(filepath.Dir(dir))
	s = strings.TrimPrefix(s, "pgsql-")
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return -1
	}
	return v
}
