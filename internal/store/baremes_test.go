package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/store"
)

// TestBaremesEqualBuiltin: the rows inserted by the migration are exactly the
// engine's built-in values, so data and code cannot drift.
func TestBaremesEqualBuiltin(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	got, err := st.LoadBaremes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := funding.Builtin(); !reflect.DeepEqual(got, want) {
		t.Fatalf("LoadBaremes differs from funding.Builtin():\n got  %+v\n want %+v", got, want)
	}
	mbs, err := st.LoadMSPBaremes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := funding.BuiltinMSPBaremes(); !reflect.DeepEqual(mbs, want) {
		t.Fatalf("LoadMSPBaremes differs from funding.BuiltinMSPBaremes():\n got  %+v\n want %+v", mbs, want)
	}
	rows, err := st.LoadMSPIndicators(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var inds []funding.MSPIndicator
	for _, r := range rows {
		if r.ID <= 0 {
			t.Errorf("indicator %s without id", r.Code)
		}
		inds = append(inds, r.MSPIndicator)
	}
	if want := funding.BuiltinMSP(); !reflect.DeepEqual(inds, want) {
		t.Fatalf("LoadMSPIndicators differs from funding.BuiltinMSP():\n got  %+v\n want %+v", inds, want)
	}
	one, err := st.LoadMSPIndicators(ctx, "aci-msp-2017")
	if err != nil || len(one) != 1 || one[0].Code != "horaires_soins_non_programmes" {
		t.Fatalf("LoadMSPIndicators(aci-msp-2017) = %+v, %v", one, err)
	}
}

func TestMSPIndicatorAdminWrites(t *testing.T) {
	st := newStore(t)
	scopes := demo(t, st)
	ctx := context.Background()
	admin := scopes["admin@demo.portail-aci.fr"]
	ind := funding.MSPIndicator{Bareme: "aci-msp-avenant-1", Code: "protocoles", Label: "Protocoles pluriprofessionnels",
		Axis: funding.AxisTravailEquipe, Kind: funding.MSPSocle, FixedPoints: 100}

	// Every other role is refused as not found, and nothing is written.
	for email, sc := range scopes {
		if email == "admin@demo.portail-aci.fr" {
			continue
		}
		if _, err := st.CreateMSPIndicator(ctx, sc, ind); !domain.IsNotFound(err) {
			t.Errorf("%s create: %v, want not_found", email, err)
		}
		if err := st.UpdateMSPIndicator(ctx, sc, 1, ind); !domain.IsNotFound(err) {
			t.Errorf("%s update: %v, want not_found", email, err)
		}
		if err := st.DeleteMSPIndicator(ctx, sc, 1); !domain.IsNotFound(err) {
			t.Errorf("%s delete: %v, want not_found", email, err)
		}
	}
	if rows, _ := st.LoadMSPIndicators(ctx, ""); len(rows) != len(funding.BuiltinMSP()) {
		t.Fatalf("non-admin writes changed the table: %d rows", len(rows))
	}

	id, err := st.CreateMSPIndicator(ctx, admin, ind)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateMSPIndicator(ctx, admin, ind); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("duplicate code: %v, want conflict", err)
	}
	other := ind
	other.Bareme = "aci-msp-2017" // same code in another barème is fine
	if _, err := st.CreateMSPIndicator(ctx, admin, other); err != nil {
		t.Fatalf("same code, other barème: %v", err)
	}
	ind.VariablePoints, ind.Label = 250, "Protocoles pluriprofessionnels (mis à jour)"
	if err := st.UpdateMSPIndicator(ctx, admin, id, ind); err != nil {
		t.Fatal(err)
	}
	rows, _ := st.LoadMSPIndicators(ctx, "aci-msp-avenant-1")
	var found bool
	for _, r := range rows {
		if r.ID == id {
			found = true
			if r.VariablePoints != 250 || r.Label != ind.Label {
				t.Errorf("after update: %+v", r)
			}
		}
	}
	if !found {
		t.Fatal("created indicator not listed")
	}
	if err := st.DeleteMSPIndicator(ctx, admin, id); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteMSPIndicator(ctx, admin, id); !domain.IsNotFound(err) {
		t.Fatalf("second delete: %v, want not_found", err)
	}
	if err := st.UpdateMSPIndicator(ctx, admin, id, ind); !domain.IsNotFound(err) {
		t.Fatalf("update of deleted: %v, want not_found", err)
	}
}

func TestValidateMSPIndicator(t *testing.T) {
	ok := funding.MSPIndicator{Bareme: "aci-msp-avenant-1", Code: "x", Label: "X", Axis: funding.AxisAcces, Kind: funding.MSPOptionnel}
	tests := []struct {
		name  string
		edit  func(*funding.MSPIndicator)
		field string
	}{
		{"valid", func(*funding.MSPIndicator) {}, ""},
		{"negative fixed", func(i *funding.MSPIndicator) { i.FixedPoints = -1 }, "fixed_points"},
		{"too many variable", func(i *funding.MSPIndicator) { i.VariablePoints = store.MaxMSPPoints + 1 }, "variable_points"},
		{"bad axis", func(i *funding.MSPIndicator) { i.Axis = "autre" }, "axis"},
		{"bad kind", func(i *funding.MSPIndicator) { i.Kind = "facultatif" }, "kind"},
		{"bad code", func(i *funding.MSPIndicator) { i.Code = "Pas Bon" }, "code"},
		{"empty label", func(i *funding.MSPIndicator) { i.Label = "  " }, "label"},
		{"bad barème", func(i *funding.MSPIndicator) { i.Bareme = "" }, "bareme"},
		{"bad group", func(i *funding.MSPIndicator) { i.Group = "a b" }, "group"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ind := ok
			tt.edit(&ind)
			errs := store.ValidateMSPIndicator(ind)
			if tt.field == "" {
				if len(errs) != 0 {
					t.Fatalf("errors %v", errs)
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("errors %v, want one on %s", errs, tt.field)
			}
			var de *domain.Error
			if e, ok := errs[0].(*domain.Error); ok {
				de = e
			}
			if de == nil || de.Field != tt.field {
				t.Fatalf("error %v, want field %s", errs[0], tt.field)
			}
		})
	}
}
