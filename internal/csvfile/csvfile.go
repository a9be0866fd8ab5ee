// Package csvfile writes every CSV file the portal hands out (exports,
// generated dossier documents, the member template) the same way: a UTF-8
// byte order mark first (so that Excel reads the accents), ";" separators and
// CRLF line ends (French Excel), and cells that a spreadsheet would read as a
// formula neutralised (OWASP "CSV Injection").
package csvfile

import (
	"bytes"
	"encoding/csv"
	"io"
	"strings"
)

// BOM is the UTF-8 byte order mark every file starts with.
const BOM = "\uFEFF"

// Writer writes records with the portal's conventions. The BOM is written by
// NewWriter.
type Writer struct {
	cw  *csv.Writer
	err error
}

// NewWriter writes the BOM to w and returns a Writer on it.
func NewWriter(w io.Writer) *Writer {
	_, err := io.WriteString(w, BOM)
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	return &Writer{cw: cw, err: err}
}

// Write writes one record, each cell passed through Cell.
func (w *Writer) Write(rec []string) error {
	if w.err != nil {
		return w.err
	}
	out := make([]string, len(rec))
	for i, c := range rec {
		out[i] = Cell(c)
	}
	w.err = w.cw.Write(out)
	return w.err
}

// Flush writes buffered data and returns the first error met.
func (w *Writer) Flush() error {
	w.cw.Flush()
	if w.err != nil {
		return w.err
	}
	return w.cw.Error()
}

// Bytes returns the whole file for records.
func Bytes(records [][]string) ([]byte, error) {
	var b bytes.Buffer
	w := NewWriter(&b)
	for _, r := range records {
		if err := w.Write(r); err != nil {
			return nil, err
		}
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Cell keeps a spreadsheet from reading s as a formula: a cell starting with
// "=", "+", "-", "@", a tab or a carriage return is prefixed with a quote —
// except a plain negative number in French notation (« -1234,56 », a
// recovery's amount), which no spreadsheet reads as a formula and which must
// stay a number for the accounting.
func Cell(s string) string {
	if negativeNumber(s) {
		return s
	}
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// negativeNumber reports whether s is "-" followed by digits, with at most
// one decimal comma between digits.
func negativeNumber(s string) bool {
	if len(s) < 2 || s[0] != '-' {
		return false
	}
	comma := false
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
		case c == ',' && !comma && i > 1 && i < len(s)-1:
			comma = true
		default:
			return false
		}
	}
	return true
}
