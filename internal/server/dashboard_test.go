package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/csvfile"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/pdf"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// lillePayments returns the MSP de Démo-Lille's structure id and its
// contract's payments (the demo signs it: actif, with its schedule), after
// marking its first payment paid today.
func lillePayments(t *testing.T, e *env) (int64, []store.PaymentRow) {
	t.Helper()
	ctx := context.Background()
	sid, err := e.st.OrganisationIDByName(ctx, domain.OrgStructure, seed.MSPLille)
	if err != nil {
		t.Fatal(err)
	}
	var did int64
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT dossier_id FROM contracts WHERE structure_id = $1`, sid).Scan(&did); err != nil {
		t.Fatal(err)
	}
	admin := e.ctScope("admin@demo.portail-aci.fr")
	ps, err := e.st.ContractPayments(ctx, admin, did)
	if err != nil || len(ps) < 2 {
		t.Fatalf("payments %v %v", ps, err)
	}
	today := domain.DateOf(*e.clock)
	if _, err := pgtest.Owner(t, e.st).Exec(ctx, `UPDATE payments SET status = 'verse', ordered_on = $2, paid_on = $2, paid_ref = 'VIR-1' WHERE id = $1`, ps[0].ID, today.String()); err != nil {
		t.Fatal(err)
	}
	ps[0].Status, ps[0].PaidOn = store.PaymentVerse, today
	return sid, ps
}

func blockByTitle(t *testing.T, r resp, title string) *goquerySelection {
	t.Helper()
	var found *goquerySelection
	r.doc(t).Find(`[data-testid="home-block"]`).Each(func(_ int, b *goquerySelection) {
		if strings.TrimSpace(b.Find("h2").Text()) == title {
			found = b
		}
	})
	return found
}

func TestHomeMoneyFigures(t *testing.T) {
	e := newEnv(t)
	_, ps := lillePayments(t, e)

	// The MSP's coordinator: the chart (title, desc) and its table, per
	// contract year, to the cent.
	r := e.loggedIn("msp@demo.portail-aci.fr").get("/")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("home %d", r.StatusCode)
	}
	d := r.doc(t)
	svg := d.Find(`[data-testid="home-money"] svg`)
	if svg.Length() != 1 || strings.TrimSpace(svg.Find("title").Text()) == "" || strings.TrimSpace(svg.Find("desc").Text()) == "" ||
		svg.AttrOr("role", "") != "img" {
		t.Fatalf("chart: %q", svg.Text())
	}
	paid, toCome := map[int]domain.Cents{}, map[int]domain.Cents{}
	for _, p := range ps {
		if p.Status == store.PaymentVerse {
			paid[p.ContractYear] += p.Amount
		} else {
			toCome[p.ContractYear] += p.Amount
		}
	}
	rows := d.Find(`[data-testid="money-table-annees"] tbody tr`)
	if rows.Length() != len(toCome) {
		t.Fatalf("%d rows, want %d", rows.Length(), len(toCome))
	}
	rows.Each(func(_ int, tr *goquerySelection) {
		// "2026 (année 1)": an MSP's contract years are civil years.
		label := strings.TrimSpace(tr.Find("th").Text())
		n, _ := strconv.Atoi(strings.TrimSuffix(label[strings.Index(label, "année ")+len("année "):], ")"))
		cells := tr.Find("td")
		if got := strings.TrimSpace(cells.Eq(0).Text()); got != domain.FormatEUR(paid[n]) {
			t.Errorf("year %d paid %q, want %q", n, got, domain.FormatEUR(paid[n]))
		}
		if got := strings.TrimSpace(cells.Eq(1).Text()); got != domain.FormatEUR(toCome[n]) {
			t.Errorf("year %d to come %q, want %q", n, got, domain.FormatEUR(toCome[n]))
		}
	})
	if b := blockByTitle(t, r, "Prochaines échéances"); b == nil || b.Find("li").Length() == 0 {
		t.Error("no deadlines block")
	}
	if b := blockByTitle(t, r, "À déclarer"); b == nil || b.Find("li").Length() != 1 {
		t.Error("no declaration block")
	}
	if d.Find(`[data-testid="statement-links"] a`).Length() == 0 {
		t.Error("no statement link")
	}

	// The CPAM du Nord, a year later: the prévu payments due by then,
	// count and sum.
	later := ps[len(ps)/2].Due
	*e.clock = later.Time().Add(12 * time.Hour)
	today := later
	var n int
	var sum domain.Cents
	for _, p := range ps {
		if p.Status == store.PaymentPrevu && !p.Due.After(today) {
			n++
			sum += p.Amount
		}
	}
	if n == 0 {
		t.Fatal("nothing due: the test proves nothing")
	}
	// toOrder checks the block « Paiements à ordonnancer » of who's home:
	// n payments for sum, or the empty state when n is 0.
	toOrder := func(who string, n int, sum domain.Cents) resp {
		t.Helper()
		r := e.loggedIn(who).get("/")
		b := blockByTitle(t, r, "Paiements à ordonnancer")
		switch {
		case b == nil:
			t.Errorf("%s: no payments block", who)
		case n == 0 && b.Find("li").Length() != 0:
			t.Errorf("%s: to order %q, want nothing", who, b.Text())
		case n > 0 && (strings.TrimSpace(b.Find("li .status").Text()) != domain.FormatEUR(sum) ||
			!strings.HasPrefix(strings.TrimSpace(b.Find("li a").Text()), strconv.Itoa(n)+" ") ||
			b.Find(`a[href="/paiements?etat=prevu"]`).Length() == 0):
			t.Errorf("%s: to order %q, want %d and %s", who, b.Text(), n, domain.FormatEUR(sum))
		}
		return r
	}
	toOrder("cpam.nord@demo.portail-aci.fr", n, sum)
	// The CPAM de l'Ain's referent: the prévu payments of its structures
	// (Val de Démo, the Côtière) due by then, and the contracts awaiting
	// the CPAM's signature.
	var ain int
	var ainSum domain.Cents
	if err := pgtest.Owner(t, e.st).QueryRow(context.Background(), `SELECT count(*), coalesce(sum(p.amount_cents), 0) FROM payments p
		JOIN organisations o ON o.id = p.structure_id WHERE o.name = ANY($1::text[]) AND p.status = 'prevu' AND p.due_on <= $2::date`,
		[]string{seed.ValDeDemo, seed.CotiereDeDemo}, today.String()).Scan(&ain, &ainSum); err != nil {
		t.Fatal(err)
	}
	r = toOrder("referent@demo.portail-aci.fr", ain, ainSum)
	if blockByTitle(t, r, "Contrats en attente de la signature de la CPAM") == nil {
		t.Error("referent: no signature block")
	}
	if r.doc(t).Find(`[data-testid="home-money"]`).Length() != 0 {
		t.Error("the referent has a structure's chart")
	}

	// The ARS: the crises link and the region's CPTS by tier and state,
	// whose total is the CPTS of its scope.
	ars := e.ctScope("ars@demo.portail-aci.fr")
	_, total, err := e.st.ListStructures(context.Background(), ars, store.StructureFilter{Type: domain.CPTS}, store.Page{Number: 1, Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	r = e.loggedIn("ars@demo.portail-aci.fr").get("/")
	if b := blockByTitle(t, r, "Crises sanitaires"); b == nil || b.Find(`a[href="/crises"]`).Length() == 0 {
		t.Error("ARS: no crises block")
	}
	foot := r.doc(t).Find(`[data-testid="tier-table"] tfoot td`).Last()
	if got := strings.TrimSpace(foot.Text()); got != strconv.Itoa(total) || total == 0 {
		t.Errorf("ARS tier table total %q, want %d", got, total)
	}
	if r.doc(t).Find(`[data-testid="home-cpts-tiers"] a[href="/pilotage"]`).Length() != 1 {
		t.Error("ARS: no steering link")
	}
	// Admin: no regional table on the home.
	if r := e.loggedIn("admin@demo.portail-aci.fr").get("/"); r.doc(t).Find(`[data-testid="tier-table"]`).Length() != 0 {
		t.Error("admin home has the regional table")
	}
}

// moneyColumns sums the payments of the structures seated in region (""
// for France) as the steering page's columns: to come (prévu, ordonnancé:
// the positive ones), paid, to recover (the negative ones not yet
// recovered), recovered; and counts them.
func moneyColumns(t *testing.T, e *env, region string) (nat [5]domain.Cents, count int) {
	t.Helper()
	rows, err := pgtest.Owner(t, e.st).Query(context.Background(), `SELECT p.status::text, p.amount_cents FROM payments p
		JOIN organisations o ON o.id = p.structure_id JOIN departements dp ON dp.code = o.departement
		WHERE $1 = '' OR dp.region = $1`, region)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var c domain.Cents
		if err := rows.Scan(&st, &c); err != nil {
			t.Fatal(err)
		}
		count++
		switch {
		case st == "prevu" && c > 0:
			nat[0] += c
		case st == "ordonnance" && c > 0:
			nat[1] += c
		case st == "verse":
			nat[2] += c
		case (st == "prevu" || st == "ordonnance") && c < 0:
			nat[3] -= c
		case st == "recouvre":
			nat[4] -= c
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return nat, count
}

// csvEuros is the expected form of an amount in the exports: decimal
// comma, no thousands separator.
func csvEuros(c domain.Cents) string { return fmt.Sprintf("%d,%02d", int64(c)/100, int64(c)%100) }

func TestSteeringFiguresAndExport(t *testing.T) {
	e := newEnv(t)
	_, ps := lillePayments(t, e)
	var planned, paid domain.Cents
	for _, p := range ps {
		if p.Status == store.PaymentVerse {
			paid += p.Amount
		} else {
			planned += p.Amount
		}
	}
	// National: every structure's payments (Lille's contract, the
	// Côtière's, Val de Démo's amorçage), each in its column.
	nat, count := moneyColumns(t, e, "")
	if nat[0] == planned || count <= len(ps) {
		t.Fatalf("the demo has no other payments than Lille's: the national total proves nothing")
	}
	admin := e.loggedIn("admin@demo.portail-aci.fr")
	r := admin.get("/pilotage")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("admin /pilotage %d", r.StatusCode)
	}
	d := r.doc(t)
	first := d.Find(`[data-testid="steer-money-table"]`).First().Find("tbody tr td")
	for i, c := range nat {
		if got := strings.TrimSpace(first.Eq(i).Text()); got != domain.FormatEUR(c) {
			t.Errorf("national total column %d: %q, want %s", i, got, domain.FormatEUR(c))
		}
	}
	if d.Find(`[data-testid="steer-money"] svg title`).Length() != 1 || d.Find(`[data-testid="money-table-pilotage"]`).Length() != 1 {
		t.Error("no chart with its table")
	}
	if d.Find(`select[name="region"]`).Length() != 1 {
		t.Error("admin: no region filter")
	}
	// The CSV: BOM, ";", decimal comma, the same total.
	r = admin.get("/pilotage/export.csv")
	if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.body, csvfile.BOM) || !strings.Contains(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export %d %q", r.StatusCode, r.Header.Get("Content-Type"))
	}
	if want := "Total;" + csvEuros(nat[0]) + ";" + csvEuros(nat[1]) + ";" + csvEuros(nat[2]) + ";" + csvEuros(nat[3]) + ";" + csvEuros(nat[4]) + "\r\n"; !strings.Contains(r.body, want) {
		t.Errorf("export lacks %q:\n%s", want, r.body)
	}
	// Filtered on Hauts-de-France: Lille's alone; on Auvergne-Rhône-Alpes:
	// none of Lille's money; an unknown region is said next to the field.
	want := "Total;" + csvEuros(planned) + ";0,00;" + csvEuros(paid) + ";0,00;0,00\r\n"
	if r := admin.get("/pilotage/export.csv?region=32"); !strings.Contains(r.body, want) {
		t.Errorf("region 32 export lacks %q", want)
	}
	if r := admin.get("/pilotage/export.csv?region=84"); strings.Contains(r.body, csvEuros(paid)) {
		t.Errorf("region 84 shows Lille's money")
	}
	if r := admin.get("/pilotage?region=zz"); r.StatusCode != http.StatusOK || r.doc(t).Find(`[data-testid="region-error"]`).Length() != 1 {
		t.Errorf("unknown region: %d", r.StatusCode)
	}
	// The ARS of Auvergne-Rhône-Alpes sees nothing of Lille; the ARS of
	// Hauts-de-France sees it, without the filter (it ignores ?region).
	if r := e.loggedIn("ars@demo.portail-aci.fr").get("/pilotage/export.csv?region=32"); r.StatusCode != http.StatusOK ||
		strings.Contains(r.body, csvEuros(paid)) || strings.Contains(r.body, "Hauts-de-France") {
		t.Errorf("ARS AURA sees Lille: %d\n%s", r.StatusCode, r.body)
	}
	hdf := e.loggedIn("ars.hdf@demo.portail-aci.fr")
	if r := hdf.get("/pilotage?region=84"); r.StatusCode != http.StatusOK || r.doc(t).Find(`select[name="region"]`).Length() != 0 {
		t.Errorf("ARS HdF page %d", r.StatusCode)
	}
	if r := hdf.get("/pilotage/export.csv?region=84"); !strings.Contains(r.body, want) {
		t.Errorf("ARS HdF export lacks %q", want)
	}
}

func TestStatementOfSumsPaid(t *testing.T) {
	e := newEnv(t)
	sid, ps := lillePayments(t, e)
	y := ps[0].PaidOn.Y
	var paid domain.Cents
	for _, p := range ps {
		if p.Status == store.PaymentVerse && p.PaidOn.Y == y {
			paid += p.Amount
		}
	}
	path := "/structures/" + strconv.FormatInt(sid, 10) + "/attestation/" + strconv.Itoa(y)
	for _, who := range []string{"msp@demo.portail-aci.fr", "cpam.nord@demo.portail-aci.fr"} {
		c := e.loggedIn(who)
		r := c.get(path)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d %s", who, path, r.StatusCode, r.body[:min(len(r.body), 3000)])
		}
		if got := strings.TrimSpace(r.doc(t).Find(`[data-testid="statement-paid"]`).Text()); got != domain.FormatEUR(paid) {
			t.Errorf("%s: paid %q, want %q", who, got, domain.FormatEUR(paid))
		}
		r = c.get(path + ".pdf")
		switch {
		case pdf.Available():
			if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.body, "%PDF") {
				t.Errorf("%s pdf: %d", who, r.StatusCode)
			}
		default:
			if r.StatusCode != http.StatusServiceUnavailable || r.doc(t).Find(`[data-testid="no-pdf"]`).Length() != 1 {
				t.Errorf("%s pdf without Chromium: %d", who, r.StatusCode)
			}
		}
	}
	// The structure's page links to it, for the CPAM; not for the ARS.
	sp := "/structures/" + strconv.FormatInt(sid, 10)
	if r := e.loggedIn("cpam.nord@demo.portail-aci.fr").get(sp); r.doc(t).Find(`[data-testid="statement-links"] a[href="`+path+`"]`).Length() != 1 {
		t.Error("CPAM: no statement link on the structure page")
	}
	if r := e.loggedIn("ars.hdf@demo.portail-aci.fr").get(sp); r.doc(t).Find(`[data-testid="statement-links"]`).Length() != 0 {
		t.Error("ARS: statement links on the structure page")
	}
	// Not the ARS, the DCGDR, another structure or another CPAM; no year
	// before the ACI, none in the future.
	for _, who := range []string{"ars.hdf@demo.portail-aci.fr", "dcgdr.hdf@demo.portail-aci.fr", "coordinateur@demo.portail-aci.fr", "referent@demo.portail-aci.fr"} {
		if r := e.loggedIn(who).get(path); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", who, r.StatusCode)
		}
	}
	c := e.loggedIn("msp@demo.portail-aci.fr")
	for _, bad := range []string{"2018", strconv.Itoa(domain.DateOf(*e.clock).Y + 1), "abc", "2026x"} {
		if r := c.get("/structures/" + strconv.FormatInt(sid, 10) + "/attestation/" + bad); r.StatusCode != http.StatusNotFound {
			t.Errorf("year %s: %d", bad, r.StatusCode)
		}
	}
}

func TestListPagesExportCSV(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		who, path, has string
		status         int
	}{
		{"admin@demo.portail-aci.fr", "/dossiers/export.csv", seed.ValDeDemo, 200},
		{"coordinateur@demo.portail-aci.fr", "/dossiers/export.csv", seed.ValDeDemo, 200},
		{"referent@demo.portail-aci.fr", "/instruction/export.csv", seed.ValDeDemo, 200},
		{"coordinateur@demo.portail-aci.fr", "/instruction/export.csv", "", 404},
		{"admin@demo.portail-aci.fr", "/admin/utilisateurs/export.csv", "referent@demo.portail-aci.fr", 200},
		{"referent@demo.portail-aci.fr", "/admin/utilisateurs/export.csv", "", 404},
		{"admin@demo.portail-aci.fr", "/admin/organisations/export.csv", "CPAM de l'Ain", 200},
		{"coordinateur@demo.portail-aci.fr", "/notifications/export.csv", "Date;Titre;Message;Lue", 200},
		{"coordinateur@demo.portail-aci.fr", "/pilotage/export.csv", "", 404},
	} {
		r := e.loggedIn(c.who).get(c.path)
		if r.StatusCode != c.status {
			t.Errorf("%s %s: %d, want %d", c.who, c.path, r.StatusCode, c.status)
			continue
		}
		if c.status == 200 && (!strings.HasPrefix(r.body, csvfile.BOM) || !strings.Contains(r.body, c.has) || !strings.Contains(r.body, ";")) {
			t.Errorf("%s %s: %q", c.who, c.path, r.body[:min(len(r.body), 200)])
		}
	}
	// The coordinator's export holds only their dossier.
	if r := e.loggedIn("coordinateur@demo.portail-aci.fr").get("/dossiers/export.csv"); strings.Contains(r.body, seed.MontsDeDemo) {
		t.Error("the coordinator exports another structure's dossier")
	}
}
