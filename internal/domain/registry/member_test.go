package registry

import (
	"errors"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
)

func validMember() Member {
	return Member{LastName: "Dupont", FirstName: "Marie", Profession: MedecinGeneraliste,
		Mode: ModeLiberal, RPPS: "10005173140", CommuneCode: "59350"}
}

func TestMemberValidate(t *testing.T) {
	id0, id7 := int64(0), int64(7)
	tests := []struct {
		name   string
		edit   func(*Member)
		fields []string // expected failing fields, sorted
	}{
		{"valid", func(*Member) {}, nil},
		{"spaces normalised", func(m *Member) { m.RPPS = "100 0517 3140"; m.CommuneCode = " 59350 "; m.LastName = "  Du   Pont " }, nil},
		{"no rpps is fine", func(m *Member) { m.RPPS = "" }, nil},
		{"own structure", func(m *Member) { m.OwnStructureID = &id7 }, nil},
		{"bad own structure", func(m *Member) { m.OwnStructureID = &id0 }, []string{"own_structure_id"}},
		{"everything missing", func(m *Member) { *m = Member{} },
			[]string{"commune_code", "first_name", "last_name", "mode", "profession"}},
		{"specialist without specialty", func(m *Member) { m.Profession = MedecinSpecialiste }, []string{"specialty"}},
		{"specialist with specialty", func(m *Member) { m.Profession = MedecinSpecialiste; m.Specialty = "Cardiologie" }, nil},
		{"autre without precision", func(m *Member) { m.Profession = Autre; m.RPPS = "" }, []string{"specialty"}},
		{"unknown profession and mode", func(m *Member) { m.Profession = "plombier"; m.Mode = "mixte" }, []string{"mode", "profession"}},
		{"bad rpps and commune", func(m *Member) { m.RPPS = "10005173141"; m.CommuneCode = "1001" }, []string{"commune_code", "rpps"}},
		{"organisation without first name", func(m *Member) {
			m.Profession = Etablissement
			m.Mode = ModeStructure
			m.FirstName = ""
			m.RPPS = ""
		}, nil},
		{"etablissement must be structure", func(m *Member) { m.Profession = Etablissement; m.RPPS = "" }, []string{"mode"}},
		{"organisation has no rpps", func(m *Member) { m.Mode = ModeStructure }, []string{"rpps"}},
		{"too long", func(m *Member) { m.LastName = strings.Repeat("é", 101) }, []string{"last_name"}},
		{"bad email and phone", func(m *Member) { m.Email = "x"; m.Phone = "12" }, []string{"email", "phone"}},
		{"good email and phone", func(m *Member) { m.Email = "m@x.fr"; m.Phone = "01 02 03 04 05" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validMember()
			tt.edit(&m)
			err := m.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var fe FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("want FieldErrors, got %T %v", err, err)
			}
			if got := strings.Join(fe.Fields(), ","); got != strings.Join(tt.fields, ",") {
				t.Fatalf("fields = %s, want %s (%v)", got, strings.Join(tt.fields, ","), err)
			}
			for f, msg := range fe {
				if msg == "" || !strings.HasSuffix(msg, ".") {
					t.Errorf("field %s: message %q should be a French sentence", f, msg)
				}
			}
			if domain.ErrorCode(err) != domain.EInvalid {
				t.Errorf("ErrorCode = %q, want invalid", domain.ErrorCode(err))
			}
			var de *domain.Error
			if !errors.As(err, &de) || de.Field != tt.fields[0] {
				t.Errorf("errors.As *domain.Error = %+v, want field %s", de, tt.fields[0])
			}
		})
	}
}

func TestFieldErrors(t *testing.T) {
	var fe FieldErrors
	if fe.Err() != nil {
		t.Fatal("empty FieldErrors must be a nil error")
	}
	fe = FieldErrors{}
	fe.Add("b", "deux")
	fe.Add("a", "un")
	fe.Add("a", "ignoré")
	if got := fe.Error(); got != "a: un ; b: deux" {
		t.Fatalf("Error() = %q", got)
	}
	if domain.ErrorMessage(fe) != "un" {
		t.Fatalf("ErrorMessage = %q", domain.ErrorMessage(fe))
	}
}
