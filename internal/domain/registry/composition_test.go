package registry

import (
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
)

func members(ps ...Profession) []Member {
	out := make([]Member, len(ps))
	for i, p := range ps {
		out[i] = Member{Profession: p}
	}
	return out
}

func TestComposition(t *testing.T) {
	type want struct {
		canFile, canPay bool
		failing         string // codes of failed checks, comma-separated, in order
	}
	tests := []struct {
		name      string
		typ       domain.StructureType
		legal     string
		finess    bool
		members   []Member
		want      want
		reasonHas string
	}{
		{"ESP ok", domain.ESP, "association", false, members(MedecinGeneraliste, Infirmier), want{true, true, ""}, ""},
		{"ESP ok without association (advice only)", domain.ESP, "aucune", false, members(MedecinGeneraliste, Pharmacien),
			want{true, true, "esp_association_conseillee"}, "conseillée"},
		{"ESP one PS", domain.ESP, "association", false, members(MedecinGeneraliste),
			want{false, false, "esp_composition"}, "1 professionnel de santé de premier recours sur 2 requis"},
		{"ESP no generalist", domain.ESP, "association", false, members(Infirmier, SageFemme),
			want{false, false, "esp_composition"}, "Aucun médecin généraliste"},
		{"ESP nobody", domain.ESP, "association", false, nil,
			want{false, false, "esp_composition"}, "0 professionnel de santé de premier recours sur 2 requis, dont aucun médecin généraliste"},
		{"ESP specialist is not first recourse", domain.ESP, "association", false, members(MedecinGeneraliste, MedecinSpecialiste),
			want{false, false, "esp_composition"}, "sur 2 requis"},
		{"ESP psychologue is not a PS", domain.ESP, "association", false, members(MedecinGeneraliste, Psychologue, ActeurSocial),
			want{false, false, "esp_composition"}, ""},
		{"MSP complete", domain.MSP, "sisa", true, members(MedecinGeneraliste, MedecinGeneraliste, Orthophoniste),
			want{true, true, ""}, ""},
		{"MSP association: file yes, pay no", domain.MSP, "association", false,
			members(MedecinGeneraliste, MedecinGeneraliste, Infirmier), want{true, false, "msp_sisa,msp_finess"}, "SISA"},
		{"MSP sisa no finess", domain.MSP, "sisa", false,
			members(MedecinGeneraliste, MedecinGeneraliste, PedicurePodologue), want{true, false, "msp_finess"}, "FINESS"},
		{"MSP one generalist", domain.MSP, "sisa", true, members(MedecinGeneraliste, Infirmier),
			want{false, false, "msp_composition"}, "1 médecin généraliste sur 2 requis"},
		{"MSP pharmacist and midwife are not paramedical", domain.MSP, "sisa", true,
			members(MedecinGeneraliste, MedecinGeneraliste, Pharmacien, SageFemme, ChirurgienDentiste),
			want{false, false, "msp_composition"}, "Aucun professionnel paramédical"},
		{"MSP no legal form", domain.MSP, "aucune", false, members(MedecinGeneraliste, MedecinGeneraliste, MasseurKinesitherapeute),
			want{false, false, "msp_forme_juridique,msp_sisa,msp_finess"}, "Aucune"},
		{"MSP empty", domain.MSP, "", false, nil,
			want{false, false, "msp_composition,msp_forme_juridique,msp_sisa,msp_finess"}, "0 médecin généraliste sur 2 requis et aucun professionnel paramédical"},
		{"CPTS ok", domain.CPTS, "association", false, members(Infirmier, ActeurSocial), want{true, true, ""}, ""},
		{"CPTS not an association", domain.CPTS, "sisa", false, members(Infirmier), want{false, false, "cpts_association"}, "association loi 1901"},
		{"CPTS without PS", domain.CPTS, "association", false, members(ActeurSocial, Psychologue, Etablissement),
			want{false, false, "cpts_membres"}, "Aucun professionnel de santé"},
		{"CPTS unknown legal form", domain.CPTS, "gie", false, members(Infirmier), want{false, false, "cpts_association"}, "inconnue"},
		{"ESS ok", domain.ESS, "", false, members(MedecinSpecialiste), want{true, true, ""}, ""},
		{"ESS generalists only", domain.ESS, "", false, members(MedecinGeneraliste, MedecinGeneraliste),
			want{false, false, "ess_specialiste"}, "Aucun médecin spécialiste"},
		{"unknown type", "XYZ", "", false, nil, want{false, false, "type"}, "inconnu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checks := Composition(tt.typ, tt.legal, tt.finess, tt.members)
			var failing []string
			reasons := ""
			for _, c := range checks {
				if c.Code == "" || c.Label == "" {
					t.Errorf("check without code or label: %+v", c)
				}
				if c.Blocking && c.PaymentOnly {
					t.Errorf("check %s both blocking and payment-only", c.Code)
				}
				if c.OK != (c.Reason == "") {
					t.Errorf("check %s: OK=%v but reason %q", c.Code, c.OK, c.Reason)
				}
				if !c.OK {
					failing = append(failing, c.Code)
					reasons += c.Reason + "|"
				}
			}
			if got := strings.Join(failing, ","); got != tt.want.failing {
				t.Errorf("failing = %q, want %q", got, tt.want.failing)
			}
			if tt.reasonHas != "" && !strings.Contains(reasons, tt.reasonHas) {
				t.Errorf("reasons %q do not contain %q", reasons, tt.reasonHas)
			}
			ok, missing := CanFile(checks)
			if ok != tt.want.canFile || ok != (len(missing) == 0) {
				t.Errorf("CanFile = %v %q, want %v", ok, missing, tt.want.canFile)
			}
			ok, missing = CanPay(checks)
			if ok != tt.want.canPay || ok != (len(missing) == 0) {
				t.Errorf("CanPay = %v %q, want %v", ok, missing, tt.want.canPay)
			}
		})
	}
}

func TestCanFileMissingWording(t *testing.T) {
	_, missing := CanFile(Composition(domain.ESP, "", false, members(Infirmier)))
	want := "Au moins 2 professionnels de santé de premier recours dont 1 médecin généraliste : 1 professionnel de santé de premier recours sur 2 requis, dont aucun médecin généraliste"
	if len(missing) != 1 || missing[0] != want {
		t.Fatalf("missing = %q\nwant %q", missing, want)
	}
}

func TestCount(t *testing.T) {
	c := Count(members(MedecinGeneraliste, MedecinSpecialiste, Infirmier, Pharmacien, Psychologue, Autre))
	want := Counts{Members: 6, Health: 4, FirstRecourse: 3, Generalists: 1, Specialists: 1, Paramedical: 1}
	if c != want {
		t.Fatalf("Count = %+v, want %+v", c, want)
	}
}
