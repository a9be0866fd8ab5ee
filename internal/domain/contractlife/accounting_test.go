package contractlife

import (
	"testing"

	"github.com/portail-aci/aci/internal/domain"
)

func TestParseAmount(t *testing.T) {
	for in, want := range map[string]domain.Cents{
		"1 234,56": 123456, "1234.56": 123456, "-500": -50000, "87\u202f500,00\u00a0€": 8750000, "0,5": 50, "12": 1200,
	} {
		if got, ok := ParseAmount(in); !ok || got != want {
			t.Errorf("ParseAmount(%q) = %d %v, want %d", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "abc", "1,234", "1.2.3", "--1", ",5"} {
		if _, ok := ParseAmount(bad); ok {
			t.Errorf("ParseAmount(%q) accepted", bad)
		}
	}
}

func TestParseConfirmations(t *testing.T) {
	file := "\uFEFFpaiement;date;montant;référence\r\n" +
		"PAI-000012-003;15/03/2026;1 234,56;VIR-1\r\n" +
		"42;2026-03-16\r\n" +
		"\r\n" +
		"43;31/02/2026\r\n" +
		"44\r\n" +
		"45;16/03/2026;douze\r\n" +
		";16/03/2026\r\n"
	got, refused, err := ParseConfirmations([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Payment != "PAI-000012-003" || got[0].PaidOn != domain.NewDate(2026, 3, 15) || got[0].Amount == nil ||
		*got[0].Amount != 123456 || got[0].Reference != "VIR-1" || got[0].Line != 2 || got[1].Payment != "42" || got[1].Amount != nil {
		t.Fatalf("lines %+v", got)
	}
	lines := map[int]bool{}
	for _, r := range refused {
		lines[r.Line] = true
	}
	for _, l := range []int{5, 6, 7, 8} {
		if !lines[l] {
			t.Errorf("line %d not refused: %+v", l, refused)
		}
	}
	// Commas as separators, no header.
	if got, _, err := ParseConfirmations([]byte("7,01/04/2026\n")); err != nil || len(got) != 1 || got[0].Payment != "7" {
		t.Fatalf("comma file %+v %v", got, err)
	}
	for _, bad := range [][]byte{[]byte("12;01/03/2026;\xe9\r\n"), []byte("  \r\n")} {
		if _, _, err := ParseConfirmations(bad); domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
