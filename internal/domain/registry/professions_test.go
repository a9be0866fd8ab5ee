package registry

import "testing"

func TestProfessionClassification(t *testing.T) {
	tests := []struct {
		p                       Profession
		health, para, first, sp bool
	}{
		{MedecinGeneraliste, true, false, true, false},
		{MedecinSpecialiste, true, false, false, true},
		{Infirmier, true, true, true, false},
		{Pharmacien, true, false, true, false},
		{MasseurKinesitherapeute, true, true, true, false},
		{SageFemme, true, false, true, false},
		{ChirurgienDentiste, true, false, true, false},
		{Orthophoniste, true, true, true, false},
		{PedicurePodologue, true, true, true, false},
		{Psychologue, false, false, false, false},
		{ActeurMedicoSocial, false, false, false, false},
		{ActeurSocial, false, false, false, false},
		{Etablissement, false, false, false, false},
		{Autre, false, false, false, true},
		{"inconnu", false, false, false, false},
	}
	for _, tt := range tests {
		if tt.p.IsHealthProfessional() != tt.health || tt.p.IsParamedical() != tt.para ||
			tt.p.IsFirstRecourse() != tt.first || tt.p.NeedsSpecialty() != tt.sp {
			t.Errorf("%s: health=%v para=%v first=%v specialty=%v", tt.p, tt.p.IsHealthProfessional(),
				tt.p.IsParamedical(), tt.p.IsFirstRecourse(), tt.p.NeedsSpecialty())
		}
	}
	if len(Professions()) != 14 || len(professions()) != 14 {
		t.Fatalf("want 14 professions, got %d/%d", len(Professions()), len(professions()))
	}
	seen := map[string]bool{}
	for _, p := range Professions() {
		if !p.Valid() || p.Label() == string(p) || seen[foldKey(p.Label())] {
			t.Errorf("profession %q: invalid, unlabelled or duplicate label", p)
		}
		seen[foldKey(p.Label())] = true
		if got, ok := ParseProfession(p.Label()); !ok || got != p {
			t.Errorf("ParseProfession(%q) = %q, %v", p.Label(), got, ok)
		}
		if got, ok := ParseProfession(string(p)); !ok || got != p {
			t.Errorf("ParseProfession(%q) = %q, %v", p, got, ok)
		}
	}
}

func TestParseProfession(t *testing.T) {
	tests := []struct {
		in   string
		want Profession
		ok   bool
	}{
		{"MASSEUR KINESITHERAPEUTE", MasseurKinesitherapeute, true},
		{"  masseur-kinésithérapeute ", MasseurKinesitherapeute, true},
		{"Kiné", MasseurKinesitherapeute, true},
		{"médecin généraliste", MedecinGeneraliste, true},
		{"MG", MedecinGeneraliste, true},
		{"Sage-Femme", SageFemme, true},
		{"sage_femme", SageFemme, true},
		{"Pédicure-Podologue", PedicurePodologue, true},
		{"Établissement", Etablissement, true},
		{"etablissement", Etablissement, true},
		{"Acteur médico-social", ActeurMedicoSocial, true},
		{"infirmière", Infirmier, true},
		{"IDE", Infirmier, true},
		{"plombier", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseProfession(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseProfession(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseMode(t *testing.T) {
	tests := []struct {
		in   string
		want Mode
		ok   bool
	}{
		{"Libéral", ModeLiberal, true},
		{"LIBERAL", ModeLiberal, true},
		{"libérale", ModeLiberal, true},
		{"salarié", ModeSalarie, true},
		{"Salariée", ModeSalarie, true},
		{"structure", ModeStructure, true},
		{"mixte", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseMode(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseMode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	for _, m := range Modes() {
		if !m.Valid() || m.Label() == string(m) {
			t.Errorf("mode %q", m)
		}
	}
}

func TestLegalForms(t *testing.T) {
	for _, f := range LegalForms() {
		if !f.Valid() || f.Label() == string(f) {
			t.Errorf("legal form %q", f)
		}
	}
	if LegalForm("sarl").Valid() {
		t.Error("sarl should not be valid")
	}
}

func TestFoldKey(t *testing.T) {
	for in, want := range map[string]string{"Prénom": "prenom", "N° RPPS": "nrpps", "Sage-femme": "sagefemme",
		"ŒUVRE": "oeuvre", " Spécialité ": "specialite", "Code_INSEE": "codeinsee"} {
		if got := foldKey(in); got != want {
			t.Errorf("foldKey(%q) = %q, want %q", in, got, want)
		}
	}
}
