package contractlife

import (
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
)

// FuzzParseAmount: an amount typed or read from the accounting file is
// refused, or read to the cent so that its French forms (« 87 500,00 € »,
// the spreadsheet's « 87500,00 ») read back to exactly the same cents
// (docs/rules.md §39).
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1 234,56", "-500", "87 500,00 €", "1234.56", "0,5", "12,345", "", "-", "€", "1e3", "+12", "1\u202f000,00\u00a0€", "999999999999,99", "1000000000001", ",50", "12,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := ParseAmount(s)
		if !ok {
			return
		}
		if c > 1e14 || c < -1e14 {
			t.Fatalf("%q → %d cents, beyond the bound", s, c)
		}
		for _, form := range []string{domain.FormatEUR(c), domain.FormatPlain(c), domain.FormatNumber(c)} {
			back, ok := ParseAmount(form)
			if !ok || back != c {
				t.Fatalf("%q → %d → %q → %d, %v", s, c, form, back, ok)
			}
		}
	})
}

// FuzzParseConfirmations: any confirmation file is refused as a whole with
// a French message next to the file field, or read line by line — every
// line either a confirmation with its payment, a real date and a bounded
// amount, or a refusal with its reason, never both, at most
// MaxConfirmationLines.
func FuzzParseConfirmations(f *testing.F) {
	f.Add([]byte("paiement;date;montant;reference\n1234;15/03/2026;87 500,00;VIR-1\nPAI-000012-003;2026-03-16;;\n"))
	f.Add([]byte("\uFEFF12,15/03/2026,1234.56,REF\n13,31/02/2026\n"))
	f.Add([]byte("12\t15/03/2026\n;15/03/2026\n\"unterminated;x\n"))
	f.Add([]byte("pa\xe9iement;date\n1;15/03/2026\n"))
	f.Add([]byte("1;15/03/2026;douze\n\n;;\n2\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		ok, refused, err := ParseConfirmations(data)
		if err != nil {
			if domain.ErrorCode(err) != domain.EInvalid || domain.ErrorMessage(err) == "" || ok != nil || refused != nil {
				t.Fatalf("file error %v (code %s) with %d lines, %d refusals", err, domain.ErrorCode(err), len(ok), len(refused))
			}
			return
		}
		if len(ok)+len(refused) > MaxConfirmationLines {
			t.Fatalf("%d lines read", len(ok)+len(refused))
		}
		lines := map[int]bool{}
		for _, c := range ok {
			if c.Line < 1 || strings.TrimSpace(c.Payment) == "" || c.PaidOn.IsZero() {
				t.Fatalf("confirmation %+v", c)
			}
			if back, err := domain.ParseFrenchDate(c.PaidOn.French()); err != nil || back != c.PaidOn {
				t.Fatalf("confirmation date %+v", c.PaidOn)
			}
			if c.Amount != nil && (*c.Amount > 1e14 || *c.Amount < -1e14) {
				t.Fatalf("confirmation amount %d", *c.Amount)
			}
			lines[c.Line] = true
		}
		for _, r := range refused {
			if r.Line < 1 || r.Reason == "" {
				t.Fatalf("refusal %+v", r)
			}
			if lines[r.Line] {
				t.Fatalf("line %d both confirmed and refused", r.Line)
			}
		}
	})
}
