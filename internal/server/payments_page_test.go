package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// paymentIDsOf returns the ids of the payments of the demo structures orgs,
// in the payments list's order (due date, dossier, rank).
func (e *env) paymentIDsOf(orgs ...string) []string {
	e.t.Helper()
	rows, err := pgtest.Owner(e.t, e.st).Query(context.Background(), `SELECT p.id::text FROM payments p JOIN organisations o ON o.id = p.structure_id
		WHERE o.name = ANY($1::text[]) ORDER BY p.due_on, p.dossier_id, p.seq`, orgs)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// The payments page as every role: the CPAM's referents and managers see
// their structures' payments only; a national admin reads every payment of
// France, without any act (docs/rules.md §35); everyone else gets 404, for
// the page and for the actions.
func TestPaymentsPageAsEveryRole(t *testing.T) {
	e := newEnv(t)
	lille := e.paymentIDsOf(seed.MSPLille)
	val := e.paymentIDsOf(seed.ValDeDemo)
	cotiere := e.paymentIDsOf(seed.CotiereDeDemo)
	if len(lille) == 0 || len(val) != 1 || len(cotiere) == 0 {
		t.Fatalf("demo payments: Lille %d, Val %d (its lettre d'intention amorçage), Côtière %d", len(lille), len(val), len(cotiere))
	}
	// The CPAM de l'Ain instructs Val de Démo and the Côtière; the Nord, Lille.
	ain := e.paymentIDsOf(seed.ValDeDemo, seed.CotiereDeDemo)
	const admin = "admin@demo.portail-aci.fr"
	sees := map[string][]string{
		ctReferentA: ain, ctManagerA: ain, ctCpamNord: lille, admin: e.paymentIDsOf(seed.ValDeDemo, seed.CotiereDeDemo, seed.MSPLille, seed.MontsDeDemo),
	}
	accounts := []string{ctValCoord, ctMontsCoord, ctMspCoord, seed.CotiereCoordinator, ctReferentA, ctManagerA, ctArsARA, ctDcgdrARA, ctCpamNord, admin}
	for _, a := range accounts {
		c := e.loggedIn(a)
		r := c.get("/paiements")
		want, ok := sees[a]
		if !ok {
			if r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: /paiements %d, want 404", a, r.StatusCode)
			}
			for _, p := range []string{"/paiements/export.csv", "/paiements/ordonnancer", "/paiements/import/rapport"} {
				if r := c.get(p); r.StatusCode != http.StatusNotFound {
					t.Errorf("%s: %s %d, want 404", a, p, r.StatusCode)
				}
			}
			if r := c.post("/paiements/"+lille[0]+"/ordonnancer", nil); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s orders: %d, want 404", a, r.StatusCode)
			}
			continue
		}
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: /paiements %d", a, r.StatusCode)
		}
		var got []string
		r.doc(t).Find(`[data-testid="payment-row"]`).Each(func(_ int, s *goquery.Selection) {
			got = append(got, s.AttrOr("data-payment", ""))
		})
		if strings.Join(got, ",") != strings.Join(want[:min(len(want), store.DefaultPaymentsPerPage)], ",") {
			t.Errorf("%s sees %v, want %v", a, got, want)
		}
		// Another CPAM's payment: 404, and unchanged. The admin reads, acts
		// on nothing: no action offered, 404 on the acts and the CPAM's pages.
		other := lille[0]
		if a == ctCpamNord {
			other = val[0]
		}
		if a == admin {
			d := r.doc(t)
			if d.Find(`[data-testid="payments-read-only"]`).Length() != 1 || d.Find(`form[method="post"][action^="/paiements"]`).Length() != 0 ||
				d.Find(`[data-testid="batch-order"], [data-testid="import-form"]`).Length() != 0 {
				t.Errorf("admin: the page offers acts or is not said read-only")
			}
			for _, p := range []string{"/paiements/ordonnancer", "/paiements/import/rapport"} {
				if r := c.get(p); r.StatusCode != http.StatusNotFound {
					t.Errorf("admin: %s %d, want 404", p, r.StatusCode)
				}
			}
			if r := c.post("/paiements/import", nil); r.StatusCode != http.StatusNotFound {
				t.Errorf("admin imports: %d, want 404", r.StatusCode)
			}
			exp := c.get("/paiements/export.csv")
			lines := strings.Count(strings.TrimSpace(exp.body), "\n")
			if exp.StatusCode != http.StatusOK || lines != len(want) {
				t.Errorf("admin export: %d, %d lines for %d payments", exp.StatusCode, lines, len(want))
			}
		}
		if r := c.post("/paiements/"+other+"/ordonnancer", nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s orders another CPAM's payment: %d", a, r.StatusCode)
		}
	}
	var n int
	_ = pgtest.Owner(t, e.st).QueryRow(context.Background(), `SELECT count(*) FROM payments WHERE status <> 'prevu'`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d payments changed", n)
	}
}

// The CPAM Nord orders Lille's payments in a batch after its confirmation,
// exports them and imports the accounting confirmation.
func TestPaymentsBatchExportImport(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	nord := e.loggedIn(ctCpamNord)
	sc := e.ctScope(ctCpamNord)
	// Lille's MSP must have its SISA and FINESS to be paid.
	if _, err := pgtest.Owner(t, e.st).Exec(ctx, `UPDATE organisations SET legal_form = 'sisa', finess = coalesce(finess, '590001234') WHERE name = $1`, seed.MSPLille); err != nil {
		t.Fatal(err)
	}
	all, err := e.st.Payments(ctx, sc, store.PaymentFilter{})
	if err != nil || len(all.Items) < 2 {
		t.Fatalf("payments %v", err)
	}
	first := all.Items[0]
	f := store.PaymentFilter{DueFrom: first.Due, DueTo: first.Due}
	want, err := e.st.OrderPreview(ctx, sc, f)
	if err != nil || want.Count == 0 {
		t.Fatalf("preview %+v %v", want, err)
	}
	q := "du=" + url.QueryEscape(first.Due.French()) + "&au=" + url.QueryEscape(first.Due.French())
	doc := nord.get("/paiements/ordonnancer?" + q).doc(t)
	if got := doc.Find(`[data-testid="batch-count"]`).Text(); got != itoaInt(want.Count) {
		t.Fatalf("confirmation count %q, want %d", got, want.Count)
	}
	if got := doc.Find(`[data-testid="batch-sum"]`).Text(); got != domain.FormatEUR(want.Sum) {
		t.Fatalf("confirmation sum %q, want %s", got, domain.FormatEUR(want.Sum))
	}
	form := url.Values{"du": {first.Due.French()}, "au": {first.Due.French()}, "count": {itoaInt(want.Count)}, "sum": {"1"}}
	if r := nord.post("/paiements/ordonnancer", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("stale batch: %d", r.StatusCode)
	}
	if p, _ := e.st.PaymentByID(ctx, sc, first.ID); p.Status != store.PaymentPrevu {
		t.Fatal("a stale batch ordered something")
	}
	form.Set("sum", itoa64(int64(want.Sum)))
	if r := nord.post("/paiements/ordonnancer", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("batch: %d %s", r.StatusCode, r.body)
	}
	page, _ := e.st.Payments(ctx, sc, store.PaymentFilter{State: contractlife.Ordered})
	if page.Totals.Count != want.Count || page.Totals.Sum != want.Sum {
		t.Fatalf("ordered %d for %s, want %d for %s", page.Totals.Count, domain.FormatEUR(page.Totals.Sum), want.Count, domain.FormatEUR(want.Sum))
	}
	// Ordering one of them again: refused, said in French.
	if r := nord.post("/paiements/"+itoa64(first.ID)+"/ordonnancer", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("order twice: %d", r.StatusCode)
	}
	if body := nord.get("/paiements").body; !strings.Contains(body, "impossible") {
		t.Fatal("no French refusal shown for a second order")
	}

	// The export: BOM, ";", decimal comma, jj/mm/aaaa, the SIRET and the
	// contract reference.
	r := nord.get("/paiements/export.csv?etat=ordonnance")
	if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	if !strings.HasPrefix(r.body, "\uFEFFIdentifiant;Référence paiement;SIRET;") {
		t.Fatalf("export header %q", r.body[:min(len(r.body), 80)])
	}
	lines := strings.Split(strings.TrimRight(r.body, "\r\n"), "\r\n")
	if len(lines) != want.Count+1 {
		t.Fatalf("export %d lines, want %d", len(lines)-1, want.Count)
	}
	cells := strings.Split(lines[1], ";")
	it, _ := e.st.PaymentByID(ctx, sc, first.ID)
	wantAmount := strings.ReplaceAll(domain.FormatNumber(it.Amount), "\u202f", "")
	if cells[0] != itoa64(it.ID) || cells[1] != it.Reference() || cells[2] != it.SIRET || cells[4] != it.ContractRef || it.ContractRef == "" ||
		cells[9] != it.Due.French() || cells[10] != wantAmount || !strings.Contains(cells[10], ",") {
		t.Fatalf("export line %q\nwant id %d ref %s siret %s contract %s due %s amount %s", lines[1], it.ID, it.Reference(), it.SIRET, it.ContractRef, it.Due.French(), wantAmount)
	}

	// The confirmation file: the first line applied, the others refused.
	today := domain.DateOf(*e.clock).French()
	file := "paiement;date;montant\r\n" + it.Reference() + ";" + today + ";" + wantAmount + "\r\n" +
		"999999;" + today + ";\r\n" + it.Reference() + ";" + today + ";\r\n" + itoa64(all.Items[len(all.Items)-1].ID) + ";pas une date;\r\n"
	if r := nord.postFile("/paiements/import", nil, "confirmation.csv", []byte(file)); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("import %d %s", r.StatusCode, r.body)
	}
	rep := nord.get("/paiements/import/rapport")
	d := rep.doc(t)
	if got := d.Find(`[data-testid="import-applied"]`).Text(); !strings.HasPrefix(got, "1 ligne") {
		t.Fatalf("applied %q", got)
	}
	if n := d.Find(`[data-testid="import-refused"] tbody tr`).Length(); n != 3 {
		t.Fatalf("%d refused lines, want 3", n)
	}
	for _, w := range []string{"paiement inconnu", "versé", "date du versement invalide"} {
		if !strings.Contains(rep.body, w) {
			t.Errorf("report misses %q", w)
		}
	}
	if p, _ := e.st.PaymentByID(ctx, sc, first.ID); p.Status != store.PaymentVerse || p.PaidOn.French() != today {
		t.Fatalf("after import %+v", p.PaymentRow)
	}
	// A file that is not UTF-8 is refused as a whole.
	if r := nord.postFile("/paiements/import", nil, "latin1.csv", []byte("paiement;date\r\n12;01/03/2026;\xe9t\xe9\r\n")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("latin-1 import %d", r.StatusCode)
	}
	if r := nord.get("/paiements/import/rapport"); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "UTF-8") {
		t.Fatalf("latin-1 report %d", r.StatusCode)
	}
	// The contract filter of the contract page's link.
	if r := nord.get("/paiements?contrat=" + itoa64(it.ContractID)); r.StatusCode != http.StatusOK ||
		r.doc(t).Find(`[data-testid="payment-row"]`).Length() != min(len(all.Items), store.DefaultPaymentsPerPage) {
		t.Fatalf("contract filter %d", r.StatusCode)
	}
	if r := nord.get("/paiements?du=31/02/2026"); r.StatusCode != http.StatusUnprocessableEntity || r.doc(t).Find("#du-error").Length() != 1 {
		t.Fatalf("bad filter date %d", r.StatusCode)
	}
}

func itoaInt(n int) string  { return itoa64(int64(n)) }
func itoa64(n int64) string { return ctItoa(n) }

// The lettre d'intention amorçage is shown on the dossier, at the amount of
// the territory's tier.
func TestDossierShowsItsAmorcage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var pop int64
	var due time.Time
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT coalesce(sum(c.population), 0) FROM territory_communes tc JOIN communes c ON c.code = tc.commune_code
		JOIN organisations o ON o.id = tc.structure_id WHERE o.name = $1`, seed.ValDeDemo).Scan(&pop); err != nil {
		t.Fatal(err)
	}
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT p.due_on FROM payments p JOIN organisations o ON o.id = p.structure_id WHERE o.name = $1`, seed.ValDeDemo).Scan(&due); err != nil {
		t.Fatal(err)
	}
	b, err := funding.BaremeAt(funding.Builtin(), domain.DateOf0(due))
	if err != nil {
		t.Fatal(err)
	}
	tier, _ := b.Tier(pop)
	want, _ := funding.AmorcageLettreIntention(b, tier)
	id := e.demoDossierID(seed.ValDeDemo)
	for _, who := range []string{ctValCoord, ctReferentA} {
		d := e.loggedIn(who).get(dpath(id, "")).doc(t)
		if got := d.Find(`[data-testid="startup-amount"]`).Text(); got != domain.FormatEUR(want) {
			t.Errorf("%s: amorçage %q, want %s (tier %d, population %d)", who, got, domain.FormatEUR(want), tier, pop)
		}
	}
}
