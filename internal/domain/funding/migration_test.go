package funding

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestMigrationMatchesBuiltin checks that migrations/00010_baremes.sql
// inserts exactly the built-in Go values (no database needed).
func TestMigrationMatchesBuiltin(t *testing.T) {
	raw, err := os.ReadFile("../../../migrations/00010_baremes.sql")
	if err != nil {
		t.Fatal(err)
	}
	sql := string(raw)
	tuples := func(re string) []string {
		var out []string
		for _, m := range regexp.MustCompile(re).FindAllString(sql, -1) {
			out = append(out, strings.TrimSpace(m))
		}
		slices.Sort(out)
		return out
	}
	var wantAmounts, wantAmorcage, wantBaremes, wantMSP []string
	for _, b := range Builtin() {
		wantBaremes = append(wantBaremes, fmt.Sprintf("('%s', '%s', '%s', '%s')", b.Code, b.Name, b.Effective, b.EarlySignerCutoff))
		for _, r := range b.AmountRows() {
			wantAmounts = append(wantAmounts, fmt.Sprintf("('%s', %d, '%s', '%s', %d)", b.Code, r.Tier, r.Mission, r.Part, r.Amount))
		}
		for _, r := range b.AmorcageRows() {
			wantAmorcage = append(wantAmorcage, fmt.Sprintf("('%s', %d, '%s', %d)", b.Code, r.Tier, r.Kind, r.Amount))
		}
	}
	for _, m := range BuiltinMSP() {
		g := "NULL"
		if m.Group != "" {
			g = "'" + m.Group + "'"
		}
		wantMSP = append(wantMSP, fmt.Sprintf("('%s', '%s', '%s', '%s', '%s', %d, %d, %s)", m.Bareme, m.Code, strings.ReplaceAll(m.Label, "'", "''"), m.Axis, m.Kind, m.FixedPoints, m.VariablePoints, g))
	}
	for _, c := range []struct {
		name string
		re   string
		want []string
	}{
		{"baremes", `\('[a-z0-9-]+', '[^']+', '\d{4}-\d\d-\d\d', '\d{4}-\d\d-\d\d'\)`, wantBaremes},
		{"bareme_amounts", `\('[a-z0-9-]+', \d, '[a-z]+', '[a-z_]+', \d+\)`, wantAmounts},
		{"bareme_amorcage", `\('[a-z0-9-]+', \d, '[a-z_]+', \d+\)`, wantAmorcage},
		{"msp_indicators", `\('aci-msp[^\n]*?, (?:NULL|'[a-z_]+')\)`, wantMSP},
	} {
		slices.Sort(c.want)
		if got := tuples(c.re); !slices.Equal(got, c.want) {
			t.Errorf("%s rows differ from the Go built-ins:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}
