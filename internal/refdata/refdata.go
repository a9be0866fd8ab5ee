// Package refdata holds national reference data (régions, départements, EPCI,
// communes) derived from @etalab/decoupage-administratif (see data/README.md),
// embedded in the binary, and its loader into PostgreSQL.
//
// The read helpers (Regions, Departements, Communes, EPCIs, Source) need no
// database. Load copies the data into the tables of migrations/00002.
package refdata

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed data/regions.csv.gz data/departements.csv.gz data/communes.csv.gz data/epci.csv.gz data/VERSION
var files embed.FS

// Region is a région (code INSEE, e.g. "84" Auvergne-Rhône-Alpes).
type Region struct {
	Code string
	Nom  string
}

// Departement is a département ("01" … "95", "2A", "2B", "971" … "976").
type Departement struct {
	Code   string
	Nom    string
	Region string
}

// Commune is a current commune (COG "commune-actuelle").
type Commune struct {
	Code         string // code INSEE
	Nom          string
	Departement  string
	Region       string
	Population   int      // population municipale; 0 when the source has none
	CodesPostaux []string // sorted
	EPCI         string   // SIREN of its EPCI à fiscalité propre; "" if none
}

// EPCI is an établissement public de coopération intercommunale à fiscalité
// propre.
type EPCI struct {
	Code    string // SIREN
	Nom     string
	Type    string   // CC, CA, CU, METRO, MET69
	Membres []string // INSEE codes of member communes, sorted
}

// Info describes the embedded data set.
type Info struct {
	Package        string // "@etalab/decoupage-administratif"
	Version        string // npm package version, e.g. "6.0.0"
	License        string // "MIT"
	COGYear        string // millésime of the Code officiel géographique
	PopulationYear string // millésime of the populations légales
	SHA256         string // checksum of the embedded files (what Load records)
}

type dataset struct {
	info         Info
	regions      []Region
	departements []Departement
	communes     []Commune
	epcis        []EPCI
}

var parsed = sync.OnceValues(parse)

// must returns the parsed embedded data. The files are generated and tested
// (refdata_test.go); a parse failure is a build defect, hence the panic.
func must() *dataset {
	d, err := parsed()
	if err != nil {
		panic(err)
	}
	return d
}

// Source describes the embedded data (package version, millésimes).
func Source() Info { return must().info }

// Regions returns the 18 régions, sorted by code.
func Regions() []Region { return slices.Clone(must().regions) }

// Departements returns the 101 départements, sorted by code.
func Departements() []Departement { return slices.Clone(must().departements) }

// Communes returns the current communes, sorted by code. The CodesPostaux
// slices are shared: do not modify them.
func Communes() []Commune { return slices.Clone(must().communes) }

// EPCIs returns the EPCI à fiscalité propre, sorted by code. The Membres
// slices are shared: do not modify them.
func EPCIs() []EPCI { return slices.Clone(must().epcis) }

func readCSV(name string, columns int, fn func(rec []string) error) error {
	f, err := files.Open("data/" + name)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	r := csv.NewReader(zr)
	r.FieldsPerRecord = columns
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil { // header
		return fmt.Errorf("%s: %w", name, err)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := fn(rec); err != nil {
			return fmt.Errorf("%s: %s: %w", name, rec[0], err)
		}
	}
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, " ")
}

func parse() (*dataset, error) {
	d := &dataset{}
	h := sha256.New()
	for _, name := range []string{"VERSION", "regions.csv.gz", "departements.csv.gz", "epci.csv.gz", "communes.csv.gz"} {
		b, err := files.ReadFile("data/" + name)
		if err != nil {
			return nil, fmt.Errorf("refdata: %w", err)
		}
		fmt.Fprintf(h, "%s %d\n", name, len(b))
		h.Write(b)
		if name == "VERSION" {
			for line := range bytes.Lines(b) {
				k, v, _ := strings.Cut(strings.TrimSpace(string(line)), "=")
				switch k {
				case "package":
					d.info.Package = v
				case "version":
					d.info.Version = v
				case "license":
					d.info.License = v
				case "cog":
					d.info.COGYear = v
				case "population":
					d.info.PopulationYear = v
				}
			}
		}
	}
	d.info.SHA256 = hex.EncodeToString(h.Sum(nil))
	if d.info.Version == "" {
		return nil, fmt.Errorf("refdata: no version in data/VERSION")
	}

	err := readCSV("regions.csv.gz", 2, func(r []string) error {
		d.regions = append(d.regions, Region{Code: r[0], Nom: r[1]})
		return nil
	})
	if err == nil {
		err = readCSV("departements.csv.gz", 3, func(r []string) error {
			d.departements = append(d.departements, Departement{Code: r[0], Nom: r[1], Region: r[2]})
			return nil
		})
	}
	if err == nil {
		err = readCSV("epci.csv.gz", 4, func(r []string) error {
			d.epcis = append(d.epcis, EPCI{Code: r[0], Nom: r[1], Type: r[2], Membres: split(r[3])})
			return nil
		})
	}
	if err == nil {
		d.communes = make([]Commune, 0, 35000)
		err = readCSV("communes.csv.gz", 7, func(r []string) error {
			pop, err := strconv.Atoi(r[4])
			if err != nil {
				return err
			}
			d.communes = append(d.communes, Commune{
				Code: r[0], Nom: r[1], Departement: r[2], Region: r[3],
				Population: pop, CodesPostaux: split(r[5]), EPCI: r[6],
			})
			return nil
		})
	}
	if err != nil {
		return nil, fmt.Errorf("refdata: %w", err)
	}
	return d, nil
}

// Names of the refdata_versions rows written by Load.
const (
	VersionPackage    = "decoupage-administratif" // npm package version, "6.0.0"
	VersionCOG        = "cog"                     // COG millésime, "2026"
	VersionPopulation = "population"              // populations légales millésime, "2023"
	VersionSHA256     = "data-sha256"             // checksum of the embedded files
)

// loadLock is the key of the transaction advisory lock that serialises
// concurrent Loads (several instances starting at once).
const loadLock = 0x72656664 // "refd"

// Load loads régions, départements, EPCI and communes into their tables, in
// one transaction, idempotently: when refdata_versions already records the
// checksum of the embedded data it returns at once. Otherwise it upserts
// everything (COPY into temporary tables, then INSERT … ON CONFLICT DO UPDATE
// only where a row differs) and removes rows gone from the source only when no
// other row references them (foreign keys found in pg_catalog, whatever their
// ON DELETE action). A commune gone from the source but still referenced is
// kept with actuelle = false and no EPCI.
func Load(ctx context.Context, pool *pgxpool.Pool) error {
	d, err := parsed()
	if err != nil {
		return err
	}
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return load(ctx, tx, d) }); err != nil {
		return fmt.Errorf("refdata.Load: %w", err)
	}
	return nil
}

// load is Load inside its transaction: take the lock, return at once when the
// embedded data is already loaded, else copy it into temporary tables, upsert
// from them, remove the rows gone from the source and record the versions.
func load(ctx context.Context, tx pgx.Tx, d *dataset) error {
	done, err := lockAndCheckLoaded(ctx, tx, d.info.SHA256)
	if err != nil || done {
		return err
	}
	if err := copyToTemp(ctx, tx, d); err != nil {
		return err
	}
	if err := upsertFromTemp(ctx, tx); err != nil {
		return err
	}
	if err := removeGone(ctx, tx); err != nil {
		return err
	}
	return recordVersions(ctx, tx, d.info)
}

// lockAndCheckLoaded takes the advisory lock that serialises concurrent Loads
// and reports whether refdata_versions already records checksum.
func lockAndCheckLoaded(ctx context.Context, tx pgx.Tx, checksum string) (bool, error) {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(loadLock)); err != nil {
		return false, err
	}
	var loaded string
	err := tx.QueryRow(ctx, "SELECT version FROM refdata_versions WHERE name = $1", VersionSHA256).Scan(&loaded)
	if err == nil && loaded == checksum {
		return true, nil
	}
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return false, err
	}
	return false, nil
}

// copyToTemp creates the temporary tables (dropped at commit) and COPYs the
// embedded régions, départements, EPCI and communes into them, with the
// normalised names used for search.
func copyToTemp(ctx context.Context, tx pgx.Tx, d *dataset) error {
	if _, err := tx.Exec(ctx, `
		CREATE TEMP TABLE tmp_regions (code text, nom text) ON COMMIT DROP;
		CREATE TEMP TABLE tmp_departements (code text, nom text, region text) ON COMMIT DROP;
		CREATE TEMP TABLE tmp_epci (code text, nom text, nom_norm text, type text) ON COMMIT DROP;
		CREATE TEMP TABLE tmp_communes (code text, nom text, nom_norm text, departement text, region text,
			population integer, codes_postaux text[], epci text) ON COMMIT DROP`); err != nil {
		return err
	}
	copies := []struct {
		table string
		cols  []string
		n     int
		row   func(i int) []any
	}{
		{"tmp_regions", []string{"code", "nom"}, len(d.regions), func(i int) []any {
			r := d.regions[i]
			return []any{r.Code, r.Nom}
		}},
		{"tmp_departements", []string{"code", "nom", "region"}, len(d.departements), func(i int) []any {
			r := d.departements[i]
			return []any{r.Code, r.Nom, r.Region}
		}},
		{"tmp_epci", []string{"code", "nom", "nom_norm", "type"}, len(d.epcis), func(i int) []any {
			e := d.epcis[i]
			return []any{e.Code, e.Nom, Normalize(e.Nom), e.Type}
		}},
		{"tmp_communes", []string{"code", "nom", "nom_norm", "departement", "region", "population", "codes_postaux", "epci"}, len(d.communes), func(i int) []any {
			c := d.communes[i]
			var epci *string
			if c.EPCI != "" {
				epci = &c.EPCI
			}
			cps := c.CodesPostaux
			if cps == nil {
				cps = []string{}
			}
			return []any{c.Code, c.Nom, Normalize(c.Nom), c.Departement, c.Region, int32(c.Population), cps, epci}
		}},
	}
	for _, c := range copies {
		src := pgx.CopyFromSlice(c.n, func(i int) ([]any, error) { return c.row(i), nil })
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, src); err != nil {
			return fmt.Errorf("copy %s: %w", c.table, err)
		}
	}
	return nil
}

// upsertFromTemp inserts or updates, from the temporary tables, every row
// that differs, and makes commune_codes_postaux mirror the source exactly.
func upsertFromTemp(ctx context.Context, tx pgx.Tx) error {
	steps := []string{
		`INSERT INTO regions AS t (code, nom) SELECT code, nom FROM tmp_regions
		 ON CONFLICT (code) DO UPDATE SET nom = EXCLUDED.nom WHERE t.nom IS DISTINCT FROM EXCLUDED.nom`,
		`INSERT INTO departements AS t (code, nom, region) SELECT code, nom, region FROM tmp_departements
		 ON CONFLICT (code) DO UPDATE SET nom = EXCLUDED.nom, region = EXCLUDED.region
		 WHERE (t.nom, t.region) IS DISTINCT FROM (EXCLUDED.nom, EXCLUDED.region)`,
		`INSERT INTO epci AS t (code, nom, nom_norm, type) SELECT code, nom, nom_norm, type FROM tmp_epci
		 ON CONFLICT (code) DO UPDATE SET nom = EXCLUDED.nom, nom_norm = EXCLUDED.nom_norm, type = EXCLUDED.type
		 WHERE (t.nom, t.nom_norm, t.type) IS DISTINCT FROM (EXCLUDED.nom, EXCLUDED.nom_norm, EXCLUDED.type)`,
		`INSERT INTO communes AS t (code, nom, nom_norm, departement, region, population, codes_postaux, epci, actuelle)
		 SELECT code, nom, nom_norm, departement, region, population, codes_postaux, epci, true FROM tmp_communes
		 ON CONFLICT (code) DO UPDATE SET nom = EXCLUDED.nom, nom_norm = EXCLUDED.nom_norm,
			departement = EXCLUDED.departement, region = EXCLUDED.region, population = EXCLUDED.population,
			codes_postaux = EXCLUDED.codes_postaux, epci = EXCLUDED.epci, actuelle = true
		 WHERE (t.nom, t.nom_norm, t.departement, t.region, t.population, t.codes_postaux, t.epci, t.actuelle)
			IS DISTINCT FROM (EXCLUDED.nom, EXCLUDED.nom_norm, EXCLUDED.departement, EXCLUDED.region,
			EXCLUDED.population, EXCLUDED.codes_postaux, EXCLUDED.epci, true)`,
		// commune_codes_postaux mirrors tmp_communes.codes_postaux exactly.
		`CREATE TEMP TABLE tmp_cp ON COMMIT DROP AS
		 SELECT DISTINCT unnest(codes_postaux) AS code_postal, code AS commune FROM tmp_communes`,
		`DELETE FROM commune_codes_postaux t
		 WHERE NOT EXISTS (SELECT 1 FROM tmp_cp n WHERE n.code_postal = t.code_postal AND n.commune = t.commune)`,
		`INSERT INTO commune_codes_postaux (code_postal, commune) SELECT code_postal, commune FROM tmp_cp
		 ON CONFLICT DO NOTHING`,
	}
	for _, q := range steps {
		if _, err := tx.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// removeGone handles the rows gone from the source: it deletes them when
// nothing references them, children before parents; a commune still
// referenced is kept with actuelle = false and no EPCI.
func removeGone(ctx context.Context, tx pgx.Tx) error {
	if err := deleteUnreferenced(ctx, tx, "communes", "tmp_communes"); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE communes t SET actuelle = false, epci = NULL
		WHERE NOT EXISTS (SELECT 1 FROM tmp_communes n WHERE n.code = t.code)
		  AND (t.actuelle OR t.epci IS NOT NULL)`); err != nil {
		return err
	}
	for _, t := range [][2]string{{"epci", "tmp_epci"}, {"departements", "tmp_departements"}, {"regions", "tmp_regions"}} {
		if err := deleteUnreferenced(ctx, tx, t[0], t[1]); err != nil {
			return err
		}
	}
	return nil
}

// recordVersions writes the package version, the millésimes and the checksum
// of the loaded data into refdata_versions.
func recordVersions(ctx context.Context, tx pgx.Tx, info Info) error {
	for name, version := range map[string]string{
		VersionPackage:    info.Version,
		VersionCOG:        info.COGYear,
		VersionPopulation: info.PopulationYear,
		VersionSHA256:     info.SHA256,
	} {
		if _, err := tx.Exec(ctx, `INSERT INTO refdata_versions (name, version, loaded_at) VALUES ($1, $2, now())
			ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, loaded_at = EXCLUDED.loaded_at`,
			name, version); err != nil {
			return err
		}
	}
	return nil
}

// deleteUnreferenced deletes the rows of table (keyed by code) that are not in
// keep and that no foreign key in the database points to. The referencing
// columns are read from pg_constraint, so tables added by later migrations are
// protected too, whatever their ON DELETE action.
func deleteUnreferenced(ctx context.Context, tx pgx.Tx, table, keep string) error {
	rows, err := tx.Query(ctx, `
		SELECT c.conrelid::regclass::text, a.attname
		FROM pg_constraint c
		CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(col, refcol)
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col
		JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = k.refcol
		WHERE c.contype = 'f' AND c.confrelid = $1::regclass AND r.attname = 'code'
		ORDER BY 1, 2`, table)
	if err != nil {
		return err
	}
	refs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var ref [2]string
		err := r.Scan(&ref[0], &ref[1])
		return ref, err
	})
	if err != nil {
		return err
	}
	var q strings.Builder
	// Table names come from the catalog's regclass output (already quoted).
	fmt.Fprintf(&q, "DELETE FROM %s x WHERE NOT EXISTS (SELECT 1 FROM %s n WHERE n.code = x.code)",
		pgx.Identifier{table}.Sanitize(), pgx.Identifier{keep}.Sanitize())
	for _, ref := range refs {
		fmt.Fprintf(&q, " AND NOT EXISTS (SELECT 1 FROM %s r WHERE r.%s = x.code)", ref[0], pgx.Identifier{ref[1]}.Sanitize())
	}
	_, err = tx.Exec(ctx, q.String())
	return err
}
