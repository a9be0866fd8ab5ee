package contractlife

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

// MaxIndicatorsJSON bounds an indicators file: its size in bytes and its
// number of indicators.
const (
	MaxIndicatorsJSON  = 1 << 20
	MaxIndicatorsCount = 1000
)

type indicatorJSON struct {
	Mission    *string         `json:"mission"`
	Unit       *string         `json:"unit"`
	Baseline   json.RawMessage `json:"baseline"`
	Target     json.RawMessage `json:"target"`
	Value      json.RawMessage `json:"value"`
	Weight     json.RawMessage `json:"weight"`
	Decreasing *bool           `json:"decreasing"`
}

// ParseIndicatorsJSON reads a list of indicators as `aci funding
// --indicators FILE` takes it: a JSON array of {mission, baseline, target,
// value, weight, decreasing}, the values in the indicator's own unit as
// people write them (docs/rules.md §6, decision "units").
//
// Decisions:
//   - values are strings ("62,5", "62,5 %", "1 234"); a JSON number (62.5)
//     is read as the same text;
//   - the optional "unit" ("nombre" or "pourcentage") names the unit; when
//     absent, the indicator is a percentage if one of its three values has
//     a decimal separator or a « % », a count otherwise (the rate depends
//     only on the three values' ratios, so the choice matters only for what
//     is refused: decimals in a count, above 100 in a percentage);
//   - weight is a whole number from 1, 1 when absent; decreasing is false
//     when absent; no other key is accepted.
//
// Errors are French and name the indicator (n° in the list, mission).
func ParseIndicatorsJSON(data []byte) ([]Measure, error) {
	if len(data) > MaxIndicatorsJSON {
		return nil, domain.Errorf(domain.EInvalid, "fichier d'indicateurs trop volumineux (au plus %d Mo)", MaxIndicatorsJSON>>20)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var list []indicatorJSON
	if err := dec.Decode(&list); err != nil {
		return nil, jsonError(err)
	}
	if dec.More() {
		return nil, domain.Errorf(domain.EInvalid, "fichier d'indicateurs invalide : une seule liste JSON est attendue")
	}
	if len(list) == 0 {
		return nil, domain.Errorf(domain.EInvalid, "aucun indicateur dans le fichier (liste JSON vide)")
	}
	if len(list) > MaxIndicatorsCount {
		return nil, domain.Errorf(domain.EInvalid, "trop d'indicateurs (%d, au plus %d)", len(list), MaxIndicatorsCount)
	}
	out := make([]Measure, 0, len(list))
	for i, ij := range list {
		m, err := ij.measure()
		if err != nil {
			name := ""
			if ij.Mission != nil {
				name = " (" + strings.TrimSpace(*ij.Mission) + ")"
			}
			return nil, domain.Errorf(domain.EInvalid, "indicateur n°%d%s : %s", i+1, name, domain.ErrorMessage(err))
		}
		out = append(out, m)
	}
	return out, nil
}

func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te) && te.Field != "":
		return domain.Errorf(domain.EInvalid, "fichier d'indicateurs invalide : champ « %s » de type incorrect", te.Field)
	case errors.As(err, &te):
		return domain.Errorf(domain.EInvalid, "fichier d'indicateurs invalide : une liste JSON d'indicateurs est attendue")
	case errors.As(err, &se):
		return domain.Errorf(domain.EInvalid, "fichier d'indicateurs invalide : JSON mal formé (position %d)", se.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return domain.Errorf(domain.EInvalid, "fichier d'indicateurs invalide : champ inconnu %s (champs : mission, baseline, target, value, weight, decreasing, unit)", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return domain.Errorf(domain.EInvalid, "fichier d'indicateurs invalide : une liste JSON d'indicateurs est attendue")
}

// rawText returns the text of a value given as a JSON string or number.
func rawText(field string, raw json.RawMessage) (string, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || string(t) == "null" {
		return "", domain.Errorf(domain.EInvalid, "%s manquante", field)
	}
	if t[0] == '"' {
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return "", domain.Errorf(domain.EInvalid, "%s illisible", field)
		}
		return s, nil
	}
	if t[0] == '-' || t[0] >= '0' && t[0] <= '9' {
		return string(t), nil
	}
	return "", domain.Errorf(domain.EInvalid, "%s : un texte comme \"62,5\" est attendu", field)
}

func (ij indicatorJSON) measure() (Measure, error) {
	if ij.Mission == nil {
		return Measure{}, domain.Errorf(domain.EInvalid, "mission manquante")
	}
	mission, err := funding.ParseMission(*ij.Mission)
	if err != nil {
		return Measure{}, err
	}
	if !mission.HasAchievement() {
		return Measure{}, domain.Errorf(domain.EInvalid, "la mission %s n'a pas d'indicateurs d'atteinte (acces, parcours, prevention, qualite, accompagnement)", mission.Label())
	}
	texts := [3]string{}
	for i, f := range []struct {
		name string
		raw  json.RawMessage
	}{{"valeur de référence (baseline)", ij.Baseline}, {"cible (target)", ij.Target}, {"valeur (value)", ij.Value}} {
		if texts[i], err = rawText(f.name, f.raw); err != nil {
			return Measure{}, err
		}
	}
	unit := Count
	if ij.Unit != nil {
		if unit, err = ParseUnit(*ij.Unit); err != nil {
			return Measure{}, err
		}
	} else if strings.ContainsAny(texts[0]+texts[1]+texts[2], ",.%") {
		unit = Percent
	}
	var vals [3]Value
	for i, name := range []string{"valeur de référence", "cible", "valeur"} {
		if vals[i], err = ParseValue(unit, texts[i]); err != nil {
			return Measure{}, domain.Errorf(domain.EInvalid, "%s « %s » : %s", name, texts[i], domain.ErrorMessage(err))
		}
	}
	weight := int64(1)
	if w := bytes.TrimSpace(ij.Weight); len(w) > 0 && string(w) != "null" {
		weight, err = strconv.ParseInt(strings.Trim(string(w), `"`), 10, 64)
		if err != nil || weight < 1 || weight > maxWeight {
			return Measure{}, domain.Errorf(domain.EInvalid, "poids %s invalide : un entier entre 1 et %s est attendu", string(w), domain.GroupThousands(maxWeight))
		}
	}
	dir := funding.Increasing
	if ij.Decreasing != nil && *ij.Decreasing {
		dir = funding.Decreasing
	}
	m := Measure{Mission: mission, Direction: dir, Weight: weight, Baseline: vals[0], Target: vals[1], Value: vals[2]}
	if _, err := m.Funding(); err != nil {
		return Measure{}, err
	}
	return m, nil
}

// Describe is one indicator as the CLI lists it, in French: « 60 % → 70 %,
// valeur 62,5 % (croissant, poids 1) ».
func (m Measure) Describe() string {
	dir := "croissant"
	if m.Direction == funding.Decreasing {
		dir = "décroissant"
	}
	return fmt.Sprintf("%s → %s, valeur %s (%s, poids %d)", m.Baseline, m.Target, m.Value, dir, m.Weight)
}
