package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

const (
	coordVal   = "coordinateur@demo.portail-aci.fr"
	coordMonts = "coordinateur.b@demo.portail-aci.fr"
	referentA  = "referent@demo.portail-aci.fr"
)

// autosave posts a form as autosave.js does.
func (c *client) autosave(path string, form url.Values) resp {
	req, _ := http.NewRequest(http.MethodPost, c.e.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.e.ts.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("X-Autosave", "1")
	return c.do(req)
}

// setState puts a demo dossier in a state directly (tests only).
func (e *env) setState(id int64, state string) {
	e.t.Helper()
	if _, err := pgtest.Owner(e.t, e.st).Exec(context.Background(), `UPDATE dossiers SET state = $2 WHERE id = $1`, id, state); err != nil {
		e.t.Fatal(err)
	}
}

func sectionVersion(t *testing.T, r resp, key string) url.Values {
	t.Helper()
	v, ok := r.doc(t).Find(`[data-testid="form-` + key + `"] input[name="version"]`).Attr("value")
	if !ok {
		t.Fatalf("no form %s:\n%s", key, r.body)
	}
	return url.Values{"version": {v}}
}

func TestContentPageRolesAndEstimate(t *testing.T) {
	e := newEnv(t)
	id := e.demoDossierID(seed.ValDeDemo)
	path := dpath(id, "/contenu")

	// Coordinator of Val: the dossier is en_instruction, everything is
	// read-only with a reason; the estimate is Annual for Val's population.
	coord := e.loggedIn(coordVal)
	r := coord.get(path)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("coordinator: %d", r.StatusCode)
	}
	d := r.doc(t)
	if d.Find(`[data-testid="dossier-tabs"] a[aria-current="page"]`).Text() != "Contenu" {
		t.Fatal("tab not current")
	}
	if d.Find(`form[data-testid^="form-"]`).Length() != 0 || d.Find(`[data-testid="frozen-lettre"]`).Length() != 1 {
		t.Fatal("en_instruction content should be read-only with a reason")
	}
	if !strings.Contains(d.Find(`[data-testid="last-change-lettre"]`).Text(), "Dernière modification par Camille Martin le ") {
		t.Fatalf("last change: %q", d.Find(`[data-testid="last-change-lettre"]`).Text())
	}
	if n := d.Find(`[data-testid="indicators"] tbody tr`).Length(); n != 7 {
		t.Fatalf("indicators shown: %d", n)
	}

	ctx := context.Background()
	var pop int64
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT sum(c.population) FROM territory_communes tc JOIN communes c ON c.code = tc.commune_code
		JOIN organisations o ON o.id = tc.structure_id WHERE o.name = $1`, seed.ValDeDemo).Scan(&pop); err != nil {
		t.Fatal(err)
	}
	list, err := e.st.LoadBaremes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	today := domain.DateOf(time.Now())
	b, _ := funding.BaremeAt(list, today)
	tier, _ := b.Tier(pop)
	all := []funding.Mission{funding.Acces, funding.Parcours, funding.Prevention, funding.Crise, funding.Qualite, funding.Accompagnement}
	want, err := funding.Annual(funding.YearInput{Bareme: b, Tier: tier, Missions: all, Year: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(d.Find(`[data-testid="estimate-year-total"]`).Text()); got != domain.FormatEUR(want.Total) {
		t.Fatalf("estimate %q, want %q (population %d, tier %d)", got, domain.FormatEUR(want.Total), pop, tier)
	}
	starts := map[funding.Mission]domain.Date{}
	for _, m := range all {
		starts[m] = today
	}
	sch, _ := funding.BuildSchedule(funding.ScheduleInput{Baremes: list, Tier: tier, Signed: today, Starts: starts})
	if got := d.Find(`[data-testid="estimate-five-years"]`).Text(); got != domain.FormatEUR(sch.Total) {
		t.Fatalf("5 years %q, want %q", got, domain.FormatEUR(sch.Total))
	}
	if !strings.Contains(d.Find(`[data-testid="estimate"]`).Text(), "Estimation indicative") {
		t.Fatal("disclaimer missing")
	}

	// The referent of the Ain reads, with the read-only notice, and may not post.
	ref := e.loggedIn(referentA)
	r = ref.get(path)
	if r.StatusCode != http.StatusOK || r.doc(t).Find(`[data-testid="content-readonly"]`).Length() != 1 {
		t.Fatalf("referent: %d", r.StatusCode)
	}
	e.setState(id, "complements_demandes")
	if r := ref.post(path+"/projet", url.Values{"version": {"1"}, "text": {"x"}}); r.StatusCode != http.StatusForbidden ||
		!strings.Contains(r.body, "seuls les coordinateurs") {
		t.Fatalf("referent post: %d", r.StatusCode)
	}
	// Tenancy: the Monts' coordinator gets 404 on Val's content, read or write.
	b2 := e.loggedIn(coordMonts)
	if r := b2.get(path); r.StatusCode != http.StatusNotFound {
		t.Fatalf("coordinator B get: %d", r.StatusCode)
	}
	if r := b2.post(path+"/projet", url.Values{"version": {"1"}, "text": {"x"}}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("coordinator B post: %d", r.StatusCode)
	}
	if r := b2.autosave(path+"/projet", url.Values{"version": {"1"}, "text": {"x"}}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("coordinator B autosave: %d", r.StatusCode)
	}
	// A frozen section refuses the coordinator too (lettre after filing).
	if r := coord.post(path+"/lettre", url.Values{"version": {"1"}, "text": {"x"}}); r.StatusCode != http.StatusConflict {
		t.Fatalf("frozen lettre: %d", r.StatusCode)
	}
}

func TestContentSaveSections(t *testing.T) {
	e := newEnv(t)
	id := e.demoDossierID(seed.ValDeDemo)
	path := dpath(id, "/contenu")
	e.setState(id, "brouillon")
	c := e.loggedIn(coordVal)

	tests := []struct {
		name, section string
		form          url.Values
		status        int
		check         func(t *testing.T, r resp)
	}{
		{"lettre", "lettre", url.Values{"text": {"Nouvelle lettre d'intention"}}, http.StatusSeeOther, nil},
		{"projet", "projet", url.Values{"text": {"Nouveau diagnostic"}}, http.StatusSeeOther, nil},
		{"missions sans socle", "missions", url.Values{"missions": {"acces", "qualite"}}, http.StatusUnprocessableEntity, func(t *testing.T, r resp) {
			d := r.doc(t)
			if d.Find(`[data-testid="error-summary"]`).Length() != 1 {
				t.Fatal("no error summary")
			}
			// What was typed is kept: parcours unchecked, qualite checked.
			if _, on := d.Find(`[data-testid="mission-parcours"]`).Attr("checked"); on {
				t.Fatal("parcours re-checked")
			}
			if _, on := d.Find(`[data-testid="mission-qualite"]`).Attr("checked"); !on {
				t.Fatal("qualite lost")
			}
		}},
		{"missions", "missions", url.Values{"missions": {"acces", "parcours", "prevention", "crise"}}, http.StatusSeeOther, nil},
		{"texte trop long", "projet", url.Values{"text": {strings.Repeat("a", store.MaxProjetSante+1)}}, http.StatusUnprocessableEntity, func(t *testing.T, r resp) {
			d := r.doc(t)
			if d.Find(`#text-projet`).Text() != strings.Repeat("a", store.MaxProjetSante+1) {
				t.Fatal("typed text lost")
			}
			if d.Find(`#err-projet`).Length() != 1 {
				t.Fatal("no field error")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := sectionVersion(t, c.get(path), tc.section)
			for k, v := range tc.form {
				f[k] = v
			}
			r := c.post(path+"/"+tc.section, f)
			if r.StatusCode != tc.status {
				t.Fatalf("status %d, want %d\n%s", r.StatusCode, tc.status, r.body)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
			if r.StatusCode == http.StatusSeeOther {
				g := c.get(path)
				if !strings.Contains(g.doc(t).Find(`[role="status"], .notice.ok`).Text(), "Enregistré") {
					t.Fatalf("no flash after save")
				}
			}
		})
	}
	d := c.get(path).doc(t)
	if d.Find(`#text-lettre`).Text() != "Nouvelle lettre d'intention" {
		t.Fatalf("lettre not saved: %q", d.Find(`#text-lettre`).Text())
	}
	if _, on := d.Find(`[data-testid="mission-qualite"]`).Attr("checked"); on {
		t.Fatal("qualite should be unchecked now")
	}

	// Indicators: a bad baseline keeps the typed values; mandatory ones have
	// no remove button and cannot be removed by a forged post.
	ind := c.get(path)
	form := url.Values{}
	dd := ind.doc(t)
	dd.Find(`[data-testid="form-indicateurs"] input[name]`).Each(func(_ int, s *goquery.Selection) { form.Set(s.AttrOr("name", ""), s.AttrOr("value", "")) })
	dd.Find(`[data-testid="form-indicateurs"] select[name]`).Each(func(_ int, s *goquery.Selection) {
		form.Set(s.AttrOr("name", ""), s.Find("option[selected]").AttrOr("value", ""))
	})
	if dd.Find(`[data-testid="remove-patientele_mt"]`).Length() != 0 || dd.Find(`[data-testid="remove-autre_6"]`).Length() != 1 {
		t.Fatal("remove buttons")
	}
	form.Set("ind_0_baseline", "beaucoup")
	r := c.post(path+"/indicateurs", form)
	if r.StatusCode != http.StatusUnprocessableEntity || r.doc(t).Find(`#ind_0_baseline`).AttrOr("value", "") != "beaucoup" ||
		r.doc(t).Find(`#err-ind_0_baseline`).Length() != 1 {
		t.Fatalf("bad baseline: %d", r.StatusCode)
	}
	// Values in their unit (docs/rules.md §6): a percentage above 100, a
	// decimal count, refused next to the field with the domain's words.
	for _, tc := range []struct{ field, value, want string }{
		{"ind_0_baseline", "150", "ne peut pas dépasser 100"},
		{"ind_0_target1", "62,555", "deux décimales"},
		{"ind_4_target1", "12,5", "nombre entier"},
		{"ind_4_baseline", "-3", "négatif"},
	} {
		f := cloneValues(form)
		f.Set("ind_0_baseline", "80,5 %")
		f.Set(tc.field, tc.value)
		r := c.post(path+"/indicateurs", f)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.doc(t).Find(`#err-`+tc.field).Text(), tc.want) ||
			r.doc(t).Find(`#`+tc.field).AttrOr("value", "") != tc.value {
			t.Fatalf("%s = %q: %d %q", tc.field, tc.value, r.StatusCode, r.doc(t).Find(`#err-`+tc.field).Text())
		}
		if strings.Contains(r.body, "centièmes") {
			t.Fatal("centièmes")
		}
	}
	form.Set("ind_0_baseline", "80,5 %")
	form.Set("remove", "patientele_mt")
	if r := c.post(path+"/indicateurs", form); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("removing a mandatory indicator: %d", r.StatusCode)
	}
	form.Set("remove", "autre_6")
	if r := c.post(path+"/indicateurs", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("removing autre_6: %d %s", r.StatusCode, r.body)
	}
	d = c.get(path).doc(t)
	if d.Find(`[data-testid="ind-autre_6"]`).Length() != 0 || d.Find(`#ind_0_baseline`).AttrOr("value", "") != "80,5" {
		t.Fatalf("indicators not saved: %q", d.Find(`#ind_0_baseline`).AttrOr("value", ""))
	}
	// Stored exactly, in hundredths of a percent.
	var stored int64
	if err := pgtest.Owner(t, e.st).QueryRow(context.Background(), `SELECT baseline FROM dossier_indicators WHERE dossier_id = $1 AND code = 'patientele_mt'`, id).Scan(&stored); err != nil || stored != 8050 {
		t.Fatalf("stored %d %v", stored, err)
	}

	// Autosave: 204 and the new version.
	f := sectionVersion(t, c.get(path), "projet")
	f.Set("text", "Brouillon automatique")
	r = c.autosave(path+"/projet", f)
	old, _ := strconv.Atoi(f.Get("version"))
	if r.StatusCode != http.StatusNoContent || r.Header.Get("X-Content-Version") != strconv.Itoa(old+1) {
		t.Fatalf("autosave: %d %q", r.StatusCode, r.Header.Get("X-Content-Version"))
	}
	if !strings.Contains(c.get(path).body, "autosave") {
		t.Fatal("autosave.js not included")
	}
}

// Two clients edit the same text: the second, stale, loses nothing.
func TestContentConflictKeepsBothTexts(t *testing.T) {
	e := newEnv(t)
	id := e.demoDossierID(seed.ValDeDemo)
	path := dpath(id, "/contenu")
	e.setState(id, "brouillon")
	a, b := e.loggedIn(coordVal), e.loggedIn(coordVal)
	fa, fb := sectionVersion(t, a.get(path), "lettre"), sectionVersion(t, b.get(path), "lettre")
	fa.Set("text", "Texte de l'onglet A")
	if r := a.post(path+"/lettre", fa); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("A: %d", r.StatusCode)
	}
	fb.Set("text", "Texte de l'onglet B")
	if r := b.autosave(path+"/lettre", fb); r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "modifié entre-temps par Camille Martin le ") {
		t.Fatalf("B autosave: %d %s", r.StatusCode, r.body)
	}
	r := b.post(path+"/lettre", fb)
	if r.StatusCode != http.StatusConflict {
		t.Fatalf("B: %d", r.StatusCode)
	}
	d := r.doc(t)
	if !strings.Contains(d.Find(`[data-testid="conflict-lettre"]`).Text(), "modifié entre-temps par Camille Martin le ") {
		t.Fatalf("conflict message: %q", d.Find(`[data-testid="conflict-lettre"]`).Text())
	}
	if d.Find(`#text-lettre`).Text() != "Texte de l'onglet B" || d.Find(`[data-testid="saved-lettre"]`).Text() != "Texte de l'onglet A" {
		t.Fatal("a text was lost")
	}
	// Saving again from the conflict page overwrites, knowingly.
	fb = url.Values{"version": {d.Find(`[data-testid="form-lettre"] input[name="version"]`).AttrOr("value", "")}, "text": {"Texte de l'onglet B"}}
	if r := b.post(path+"/lettre", fb); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("B again: %d", r.StatusCode)
	}
}

// The MSP's content: its barème indicators and patientèle, and the estimate
// is funding.MSPRemuneration of what it chose.
func TestContentMSP(t *testing.T) {
	e := newEnv(t)
	id := e.demoDossierID(seed.MSPLille)
	path := dpath(id, "/contenu")
	c := e.loggedIn("msp@demo.portail-aci.fr")
	r := c.get(path)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("MSP content: %d", r.StatusCode)
	}
	d := r.doc(t)
	if d.Find(`[data-testid="section-lettre"]`).Length() != 0 || d.Find(`[data-testid="section-patientele"]`).Length() != 1 {
		t.Fatal("MSP sections")
	}
	rows, err := e.st.LoadMSPIndicators(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var inds []funding.MSPIndicator
	for _, x := range rows {
		inds = append(inds, x.MSPIndicator)
	}
	met := map[string]bool{"horaires_soins_non_programmes": true, "fonction_coordination": true, "sas_moitie_medecins": true}
	mbs, err := e.st.LoadMSPBaremes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mb, err := funding.MSPBaremeByCode(mbs, funding.MSPBaremeCode)
	if err != nil {
		t.Fatal(err)
	}
	want, err := funding.MSPRemuneration(mb, inds, met, 5200)
	if err != nil || want == 0 {
		t.Fatalf("MSP remuneration %d, %v", want, err)
	}
	if got := strings.TrimSpace(d.Find(`[data-testid="estimate-year-total"]`).Text()); got != domain.FormatEUR(want) {
		t.Fatalf("MSP estimate %q, want %q", got, domain.FormatEUR(want))
	}
	// Lille's dossier is accepted: read-only; in complements_demandes the
	// patientèle can be changed, and a bad number keeps what was typed.
	e.setState(id, "complements_demandes")
	f := sectionVersion(t, c.get(path), "patientele")
	f["msp_indicators"] = []string{"horaires_soins_non_programmes", "fonction_coordination"}
	f.Set("patientele", "cinq mille")
	r = c.post(path+"/patientele", f)
	if r.StatusCode != http.StatusUnprocessableEntity || r.doc(t).Find(`#f-patientele`).AttrOr("value", "") != "cinq mille" {
		t.Fatalf("bad patientèle: %d", r.StatusCode)
	}
	f.Set("patientele", "4 800")
	if r := c.post(path+"/patientele", f); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("patientèle: %d %s", r.StatusCode, r.body)
	}
	if v := c.get(path).doc(t).Find(`#f-patientele`).AttrOr("value", ""); v != "4800" {
		t.Fatalf("patientèle saved as %q", v)
	}
}
