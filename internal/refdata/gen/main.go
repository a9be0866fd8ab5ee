// Command gen derives the compact reference files embedded by package refdata
// from an unpacked npm package @etalab/decoupage-administratif.
//
//	go run ./internal/refdata/gen -src DIR -out internal/refdata/data
//
// DIR is the unpacked package (the folder holding package.json and data/).
// Output is deterministic: rows sorted by code, gzip headers without name or
// modification time, so regenerating from the same package changes no byte.
// scripts/refdata.sh fetches the package with npm and runs this.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

type region struct {
	Code string `json:"code"`
	Nom  string `json:"nom"`
	Zone string `json:"zone"`
}

type departement struct {
	Code   string `json:"code"`
	Nom    string `json:"nom"`
	Region string `json:"region"`
	Zone   string `json:"zone"`
}

type commune struct {
	Code         string   `json:"code"`
	Nom          string   `json:"nom"`
	Type         string   `json:"type"`
	Zone         string   `json:"zone"`
	Departement  string   `json:"departement"`
	Region       string   `json:"region"`
	CodesPostaux []string `json:"codesPostaux"`
	Population   *int     `json:"population"`
}

type epci struct {
	Code    string `json:"code"`
	Nom     string `json:"nom"`
	Type    string `json:"type"`
	Membres []struct {
		Code string `json:"code"`
	} `json:"membres"`
}

// kept zones: metropolitan France and the five DROM (Guadeloupe, Martinique,
// Guyane, La Réunion, Mayotte). The collectivités d'outre-mer (zone "com":
// Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin, TAAF, Wallis et
// Futuna, Polynésie, Nouvelle-Calédonie, Clipperton) are outside the ACI.
func keptZone(z string) bool { return z == "metro" || z == "drom" }

func main() {
	src := flag.String("src", "", "unpacked @etalab/decoupage-administratif package (folder with package.json)")
	out := flag.String("out", "internal/refdata/data", "output folder")
	cog := flag.String("cog-year", "", "millésime of the Code officiel géographique (see the package README table)")
	pop := flag.String("population-year", "", "millésime of the INSEE populations légales in the package")
	flag.Parse()
	if err := run(*src, *out, *cog, *pop); err != nil {
		fmt.Fprintln(os.Stderr, "refdata gen:", err)
		os.Exit(1)
	}
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// sourcePackage is the identity of the unpacked npm package, copied into VERSION
// and the licence notice.
type sourcePackage struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	License string `json:"license"`
}

// source is what gen reads from the unpacked package.
type source struct {
	pkg   sourcePackage
	regs  []region
	deps  []departement
	comms []commune
	epcis []epci
}

// csvFile is one output file: its name, its header and its rows.
type csvFile struct {
	name   string
	header []string
	rows   [][]string
}

func run(src, out, cogYear, popYear string) error {
	if src == "" || cogYear == "" || popYear == "" {
		return errors.New("-src, -cog-year and -population-year are required")
	}
	in, err := readSource(src)
	if err != nil {
		return err
	}
	files, err := buildFiles(in)
	if err != nil {
		return err
	}
	return writeOutput(src, out, in.pkg, cogYear, popYear, files)
}

// readSource reads package.json, checks it is the expected package, and
// decodes the four data files.
func readSource(src string) (source, error) {
	var in source
	if err := readJSON(filepath.Join(src, "package.json"), &in.pkg); err != nil {
		return in, err
	}
	if in.pkg.Name != "@etalab/decoupage-administratif" {
		return in, fmt.Errorf("unexpected package %q", in.pkg.Name)
	}
	for name, v := range map[string]any{"regions": &in.regs, "departements": &in.deps, "communes": &in.comms, "epci": &in.epcis} {
		if err := readJSON(filepath.Join(src, "data", name+".json"), v); err != nil {
			return in, err
		}
	}
	return in, nil
}

// buildFiles filters the source to the kept zones, checks the references
// between levels, and returns the four CSV files (rows not yet sorted).
func buildFiles(in source) ([]csvFile, error) {
	regionOK, regRows := regionRows(in.regs)
	depOK, depRows, err := departementRows(in.deps, regionOK)
	if err != nil {
		return nil, err
	}
	communeEPCI, err := communeEPCIs(in.epcis)
	if err != nil {
		return nil, err
	}
	kept, comRows, err := communeRows(in.comms, depOK, regionOK, communeEPCI)
	if err != nil {
		return nil, err
	}
	epciRows, err := epciRowsOf(in.epcis, kept)
	if err != nil {
		return nil, err
	}
	return []csvFile{
		{"regions.csv.gz", []string{"code", "nom"}, regRows},
		{"departements.csv.gz", []string{"code", "nom", "region"}, depRows},
		{"communes.csv.gz", []string{"code", "nom", "departement", "region", "population", "codes_postaux", "epci"}, comRows},
		{"epci.csv.gz", []string{"code", "nom", "type", "membres"}, epciRows},
	}, nil
}

// regionRows keeps the régions of the kept zones; it returns the set of kept
// codes and their rows.
func regionRows(regs []region) (map[string]bool, [][]string) {
	regionOK := map[string]bool{}
	var rows [][]string
	for _, r := range regs {
		if keptZone(r.Zone) {
			regionOK[r.Code] = true
			rows = append(rows, []string{r.Code, r.Nom})
		}
	}
	return regionOK, rows
}

// departementRows keeps the départements of the kept zones, each of which
// must belong to a kept région; it returns the set of kept codes and their rows.
func departementRows(deps []departement, regionOK map[string]bool) (map[string]bool, [][]string, error) {
	depOK := map[string]bool{}
	var rows [][]string
	for _, d := range deps {
		if !keptZone(d.Zone) {
			continue
		}
		if !regionOK[d.Region] {
			return nil, nil, fmt.Errorf("département %s: unknown région %s", d.Code, d.Region)
		}
		depOK[d.Code] = true
		rows = append(rows, []string{d.Code, d.Nom, d.Region})
	}
	return depOK, rows, nil
}

// communeEPCIs maps each commune to its EPCI, from the EPCI member lists; a
// commune listed in two EPCI is an error.
func communeEPCIs(epcis []epci) (map[string]string, error) {
	communeEPCI := map[string]string{}
	for _, e := range epcis {
		for _, m := range e.Membres {
			if prev, dup := communeEPCI[m.Code]; dup {
				return nil, fmt.Errorf("commune %s in EPCI %s and %s", m.Code, prev, e.Code)
			}
			communeEPCI[m.Code] = e.Code
		}
	}
	return communeEPCI, nil
}

// communeRows keeps the current communes of the kept zones, each of which must
// belong to a kept département and région; it returns the set of kept codes
// and their rows (population, sorted distinct postcodes, EPCI).
func communeRows(comms []commune, depOK, regionOK map[string]bool, communeEPCI map[string]string) (map[string]bool, [][]string, error) {
	kept := map[string]bool{}
	var rows [][]string
	for _, c := range comms {
		if c.Type != "commune-actuelle" || !keptZone(c.Zone) {
			continue
		}
		if !depOK[c.Departement] || !regionOK[c.Region] {
			return nil, nil, fmt.Errorf("commune %s: unknown département %s or région %s", c.Code, c.Departement, c.Region)
		}
		if kept[c.Code] {
			return nil, nil, fmt.Errorf("commune %s twice", c.Code)
		}
		kept[c.Code] = true
		pop := 0 // a few communes have no population in the source: 0
		if c.Population != nil {
			pop = *c.Population
		}
		cps := slices.Clone(c.CodesPostaux)
		slices.Sort(cps)
		cps = slices.Compact(cps)
		rows = append(rows, []string{c.Code, c.Nom, c.Departement, c.Region, strconv.Itoa(pop), strings.Join(cps, " "), communeEPCI[c.Code]})
	}
	return kept, rows, nil
}

// epciRowsOf returns one row per EPCI with its sorted members, each of which
// must be a kept commune.
func epciRowsOf(epcis []epci, kept map[string]bool) ([][]string, error) {
	var rows [][]string
	for _, e := range epcis {
		var members []string
		for _, m := range e.Membres {
			if !kept[m.Code] {
				return nil, fmt.Errorf("EPCI %s: member %s is not a current commune", e.Code, m.Code)
			}
			members = append(members, m.Code)
		}
		slices.Sort(members)
		rows = append(rows, []string{e.Code, e.Nom, e.Type, strings.Join(members, " ")})
	}
	return rows, nil
}

// writeOutput writes the CSV files sorted by code, then VERSION and the
// licence notice, into out.
func writeOutput(src, out string, pkg sourcePackage, cogYear, popYear string, files []csvFile) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		slices.SortFunc(f.rows, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
		if err := writeGzipCSV(filepath.Join(out, f.name), f.header, f.rows); err != nil {
			return err
		}
		fmt.Printf("%s: %d rows\n", f.name, len(f.rows))
	}
	version := fmt.Sprintf("package=%s\nversion=%s\nlicense=%s\ncog=%s\npopulation=%s\n", pkg.Name, pkg.Version, pkg.License, cogYear, popYear)
	if err := os.WriteFile(filepath.Join(out, "VERSION"), []byte(version), 0o644); err != nil {
		return err
	}
	lic, err := os.ReadFile(filepath.Join(src, "LICENSE"))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "LICENCE-etalab.txt"), licenceText(pkg.Version, lic), 0o644)
}

func writeGzipCSV(path string, header []string, rows [][]string) error {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	// Header left zero: no file name, no modification time -> byte-stable.
	w := csv.NewWriter(zw)
	if err := w.Write(header); err != nil {
		return err
	}
	if err := w.WriteAll(rows); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

func licenceText(version string, lic []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `The files regions.csv.gz, departements.csv.gz, communes.csv.gz and epci.csv.gz
in this folder are derived by internal/refdata/gen from the npm package
@etalab/decoupage-administratif version %s
(https://github.com/etalab/decoupage-administratif), files data/regions.json,
data/departements.json, data/communes.json and data/epci.json, distributed
under the MIT licence reproduced below. See README.md for what was kept.

-----------------------------------------------------------------------------
`, version)
	b.Write(bytes.TrimSpace(lic))
	b.WriteString("\n")
	return b.Bytes()
}
