package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/registry"
	"github.com/portail-aci/aci/internal/store"
)

// indicatorForm is one indicator row of the indicators form, as typed.
type indicatorForm struct {
	Code      string // empty: a new indicator
	Mission   string
	Label     string
	Direction string
	Baseline  string
	Targets   [funding.ContractYears]string
	Weight    string
	Unit      string
}

// contentForm is what was typed in a section's form, shown again when the
// save is refused.
type contentForm struct {
	indicators              []indicatorForm
	patientele, espPatients string
}

// readContentForm reads section sec's form of r into the store's save in
// (the parsed values; what cannot be parsed is a field error in
// in.Invalid) and returns what was typed.
func readContentForm(r *http.Request, sec store.Section, in *store.ContentSave) contentForm {
	var typed contentForm
	fe := registry.FieldErrors{}
	switch sec {
	case store.SectionLettre, store.SectionProjet:
		// Not formValue: it would cut an over-long text silently; the store
		// refuses it with a field error and the text is kept.
		in.Text = r.PostFormValue("text")
	case store.SectionMissions:
		in.Missions = boundedValues(r.PostForm["missions"], 10)
	case store.SectionIndicateurs:
		in.Remove = formValue(r, "remove", 64)
		for i := 0; i <= store.MaxIndicators; i++ {
			f := func(n string) string { return store.IndicatorField(i, n) }
			if _, present := r.PostForm[f("code")]; !present {
				break
			}
			row := indicatorForm{Code: formValue(r, f("code"), 64), Mission: formValue(r, f("mission"), 20),
				Label: formValue(r, f("label"), store.MaxIndicatorLabel+1), Direction: formValue(r, f("direction"), 20),
				Baseline: formValue(r, f("baseline"), 30), Weight: formValue(r, f("weight"), 10), Unit: formValue(r, f("unit"), store.MaxIndicatorUnit+1)}
			for y := range funding.ContractYears {
				row.Targets[y] = formValue(r, f("target"+strconv.Itoa(y+1)), 30)
			}
			typed.indicators = append(typed.indicators, row)
			if row.Code == "" && strings.TrimSpace(row.Label) == "" && strings.TrimSpace(row.Baseline) == "" && strings.TrimSpace(row.Targets[0]) == "" {
				continue // the blank "new indicator" row of the form (always the last one)
			}
			rfe := fe
			if row.Code != "" && row.Code == in.Remove {
				rfe = registry.FieldErrors{} // the row being removed: its values do not matter
			}
			in.Indicators = append(in.Indicators, parseIndicator(rfe, i, row))
		}
	case store.SectionPatientele:
		in.MSPIndicators = boundedValues(r.PostForm["msp_indicators"], 200)
		typed.patientele, typed.espPatients = formValue(r, "patientele", 20), formValue(r, "esp_patients", 20)
		in.RegisteredPatients = parseCount(fe, "patientele", typed.patientele)
		in.ESPPatients = parseCount(fe, "esp_patients", typed.espPatients)
	}
	if len(fe) > 0 {
		in.Invalid = fe
	}
	return typed
}

// parseIndicator parses row i of the indicators form.
func parseIndicator(fe registry.FieldErrors, i int, r indicatorForm) store.IndicatorInput {
	f := func(n string) string { return store.IndicatorField(i, n) }
	x := store.IndicatorInput{Code: r.Code, Mission: funding.Mission(r.Mission), Label: r.Label,
		Direction: funding.Direction(r.Direction), Unit: r.Unit}
	unit, err := contractlife.ParseUnit(r.Unit)
	if err != nil {
		fe.Add(f("unit"), store.UnitError)
		return x // the values cannot be read without their unit
	}
	x.Unit = string(unit)
	x.Baseline = parseValue(fe, f("baseline"), unit, r.Baseline)
	for y := range funding.ContractYears {
		x.Targets[y] = parseValue(fe, f("target"+strconv.Itoa(y+1)), unit, r.Targets[y])
	}
	if w := strings.TrimSpace(r.Weight); w != "" {
		n, err := strconv.Atoi(w)
		if err != nil {
			fe.Add(f("weight"), store.WeightError)
		} else {
			x.Weight = &n
		}
	}
	return x
}

// withoutSpaces drops the spaces a number may be typed with as thousands
// separators.
func withoutSpaces(raw string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' {
			return -1
		}
		return r
	}, raw)
}

// parseCount reads an optional non-negative count (spaces allowed as
// thousands separators); the store checks its range.
func parseCount(fe registry.FieldErrors, field, raw string) *int64 {
	raw = withoutSpaces(raw)
	if raw == "" {
		return nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 || n > store.MaxCount {
		fe.Add(field, store.CountError)
		return nil
	}
	return &n
}

// parseValue reads an optional indicator value typed as people write it
// in the indicator's unit (docs/rules.md §6: « 1 234 », « 62,5 » or
// « 62,5 % »), with contractlife.ParseField; the message is the domain's,
// next to the field.
func parseValue(fe registry.FieldErrors, field string, u contractlife.Unit, raw string) *int64 {
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	v, err := contractlife.ParseField(field, u, raw)
	if err != nil {
		msg := []rune(domain.ErrorMessage(err))
		fe.Add(field, strings.ToUpper(string(msg[:1]))+string(msg[1:])+".")
		return nil
	}
	return &v.N
}
