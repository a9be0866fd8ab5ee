package csvfile

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

func TestBytes(t *testing.T) {
	b, err := Bytes([][]string{{"Nom", "Valeur"}, {"=HYPERLINK(\"x\")", "+1"}, {"-2", "@SUM(A1)"}, {"-1+1", "-12,5"}, {"\tcmd", "x"}, {"Émile", "a;b"}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("no BOM: %q", b[:8])
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte(BOM))))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"Nom", "Valeur"}, {"'=HYPERLINK(\"x\")", "'+1"}, {"-2", "'@SUM(A1)"}, {"'-1+1", "-12,5"}, {"'\tcmd", "x"}, {"Émile", "a;b"}}
	for i := range want {
		if strings.Join(recs[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("record %d = %q, want %q", i, recs[i], want[i])
		}
	}
	if !bytes.Contains(b, []byte("\r\n")) {
		t.Error("lines should end with CRLF")
	}
}

func TestCell(t *testing.T) {
	for in, want := range map[string]string{"\rcmd": "'\rcmd", "=1": "'=1", "a=1": "a=1", "": "", "01053": "01053"} {
		if got := Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
	}
}
