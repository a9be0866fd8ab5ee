package contractlife

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/portail-aci/aci/internal/domain"
)

// Confirmation is one line of the accounting system's confirmation file
// (docs/rules.md §30): the payment (its id or its reference), the day it was
// paid, and optionally the amount (checked, never applied) and the
// accounting reference.
type Confirmation struct {
	Line      int    // 1-based line of the file
	Payment   string // as written: an id ("1234") or a reference ("PAI-000012-003")
	PaidOn    domain.Date
	Amount    *domain.Cents
	Reference string
}

// Refusal is a line of the confirmation file that was not applied, and why
// (French).
type Refusal struct {
	Line    int
	Payment string
	Reason  string
}

// MaxConfirmationLines bounds a confirmation file.
const MaxConfirmationLines = 5000

// ParseConfirmations reads the accounting system's confirmation file: UTF-8
// (a BOM allowed), separated by ";" (or "," or a tab), columns payment id or
// reference; date paid (jj/mm/aaaa or aaaa-mm-jj); optional amount (French
// "1 234,56" or "1234.56"); optional accounting reference. A first line
// whose date cell is not a date is a header. Lines that cannot be read are
// refused one by one; a file that is not UTF-8 is refused as a whole.
//
// Decision (docs/rules.md §30): the file is never half-read — an encoding
// error refuses it entirely, with the advice to save it as UTF-8; every
// other problem refuses its line only.
func ParseConfirmations(data []byte) ([]Confirmation, []Refusal, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if !utf8.Valid(data) {
		return nil, nil, domain.FieldError("file", "Le fichier n'est pas encodé en UTF-8 : enregistrez-le en « CSV UTF-8 » et déposez-le de nouveau.")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, domain.FieldError("file", "Le fichier est vide.")
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = separator(data)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	var out []Confirmation
	var refused []Refusal
	for n := 1; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line := n
		if err == nil {
			line, _ = r.FieldPos(0) // the file's line (blank lines are skipped)
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			refused = append(refused, Refusal{Line: line, Reason: "ligne illisible (guillemets mal fermés ?)"})
			if pe == nil {
				break
			}
			continue
		}
		if len(out)+len(refused) >= MaxConfirmationLines {
			return nil, nil, domain.FieldError("file", "Le fichier dépasse %d lignes : découpez-le.", MaxConfirmationLines)
		}
		if blank(rec) {
			continue
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if len(rec) < 2 {
			refused = append(refused, Refusal{Line: line, Payment: rec[0], Reason: "colonnes manquantes : attendu « paiement ; date du versement »"})
			continue
		}
		on, err := domain.ParseFrenchDate(rec[1])
		if err != nil {
			if n == 1 {
				continue // header
			}
			refused = append(refused, Refusal{Line: line, Payment: rec[0], Reason: "date du versement invalide « " + rec[1] + " » : attendu jj/mm/aaaa"})
			continue
		}
		c := Confirmation{Line: line, Payment: rec[0], PaidOn: on}
		if c.Payment == "" {
			refused = append(refused, Refusal{Line: line, Reason: "identifiant du paiement manquant"})
			continue
		}
		if len(rec) > 2 && rec[2] != "" {
			a, ok := ParseAmount(rec[2])
			if !ok {
				refused = append(refused, Refusal{Line: line, Payment: c.Payment, Reason: "montant illisible « " + rec[2] + " »"})
				continue
			}
			c.Amount = &a
		}
		if len(rec) > 3 {
			c.Reference = rec[3]
		}
		out = append(out, c)
	}
	return out, refused, nil
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// separator guesses the file's separator from its first line: ";" unless
// the line has a tab or a comma and no ";".
func separator(data []byte) rune {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	switch {
	case bytes.ContainsRune(first, ';'):
		return ';'
	case bytes.ContainsRune(first, '\t'):
		return '\t'
	case bytes.ContainsRune(first, ','):
		return ','
	}
	return ';'
}

// ParseAmount reads an amount in euros written the French way ("1 234,56",
// "-500", "87 500,00 €") or with a decimal point ("1234.56"), to the cent;
// false when it is not one.
func ParseAmount(s string) (domain.Cents, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "€"))
	s = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "").Replace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	s = strings.Replace(s, ",", ".", 1)
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	e, err1 := strconv.ParseInt(whole, 10, 64)
	c, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || e < 0 || c < 0 || e > 1e12 {
		return 0, false
	}
	v := domain.Cents(e*100 + c)
	if neg {
		v = -v
	}
	return v, true
}
