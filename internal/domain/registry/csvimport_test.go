package registry

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

const header = "nom;prénom;profession;spécialité;mode;rpps;commune\n"

func parse(s string) ImportReport { return ParseMembersCSV(strings.NewReader(s)) }

func TestParseMembersCSVNominal(t *testing.T) {
	in := "\xEF\xBB\xBF" + "Nom;Prénom;Profession;Spécialité;Mode;RPPS;Commune\r\n" +
		"Dupont;Marie;Médecin généraliste;;Libéral;100 0517 3140;59350\r\n" +
		"Martin;Paul;MEDECIN SPECIALISTE;Cardiologie;salarie;;59009\r\n" +
		";;;;;;\r\n" + // blank line from Excel: skipped
		"\r\n" +
		"\"Centre hospitalier; Lille\";;etablissement;;Structure;;59350\r\n"
	rep := parse(in)
	if rep.FileError != "" || rep.Notice != "" {
		t.Fatalf("file error %q notice %q", rep.FileError, rep.Notice)
	}
	if len(rep.Refused) != 0 {
		t.Fatalf("refused: %+v", rep.Refused)
	}
	if rep.DataLines != 3 || len(rep.Accepted) != 3 {
		t.Fatalf("DataLines %d accepted %d", rep.DataLines, len(rep.Accepted))
	}
	a := rep.Accepted
	if a[0].Line != 2 || a[1].Line != 3 || a[2].Line != 6 {
		t.Errorf("lines %d %d %d", a[0].Line, a[1].Line, a[2].Line)
	}
	if m := a[0].Member; m.RPPS != "10005173140" || m.Profession != MedecinGeneraliste || m.Mode != ModeLiberal || m.FirstName != "Marie" {
		t.Errorf("member 0 = %+v", m)
	}
	if m := a[2].Member; m.LastName != "Centre hospitalier; Lille" || m.Mode != ModeStructure {
		t.Errorf("member 2 = %+v", m)
	}
	if strings.Join(rep.CommuneCodes, ",") != "59009,59350" {
		t.Errorf("CommuneCodes = %v", rep.CommuneCodes)
	}
}

func TestParseMembersCSVColumnsAnyOrderAndVariants(t *testing.T) {
	in := "Code INSEE,N° RPPS,Mode d'exercice,PROFESSION,Specialite,PRENOM,Nom de famille,\n" +
		"2A004,,libérale,Infirmière,,Jeanne,Rossi,\n"
	rep := parse(in)
	if rep.FileError != "" || len(rep.Accepted) != 1 {
		t.Fatalf("report %+v", rep)
	}
	if m := rep.Accepted[0].Member; m.CommuneCode != "2A004" || m.Profession != Infirmier || m.LastName != "Rossi" {
		t.Errorf("member = %+v", m)
	}
}

func TestParseMembersCSVLineErrors(t *testing.T) {
	in := header +
		"Dupont;Marie;Médecin généraliste;;Libéral;10005173140;59350\n" + // 2 ok
		"Durand;;plombier;;mixte;123;1001\n" + // 3 many errors
		"Dupond;Jean;Infirmier;;Libéral;10005173140;59350\n" + // 4 duplicate RPPS
		"Petit;Luc;Médecin spécialiste;;Libéral;;59350\n" + // 5 specialty missing
		"Leroy;Anne;Infirmier;;Libéral;;59350;en trop\n" + // 6 extra cell
		"Roux;Eve;Infirmier;;Libéral;;59350;\n" + // 7 empty extra cell: fine
		"Blanc;Léa;Infirmier\n" // 8 short line: mode and commune missing
	rep := parse(in)
	if rep.FileError != "" {
		t.Fatal(rep.FileError)
	}
	if rep.DataLines != 7 || len(rep.Accepted)+len(rep.Refused) != 7 {
		t.Fatalf("DataLines %d, accepted %d refused %d", rep.DataLines, len(rep.Accepted), len(rep.Refused))
	}
	if len(rep.Accepted) != 2 || rep.Accepted[0].Line != 2 || rep.Accepted[1].Line != 7 {
		t.Fatalf("accepted %+v", rep.Accepted)
	}
	want := map[int][]string{
		3: {"Profession : « plombier »", "Mode : « mixte »", "Prénom : Le prénom est obligatoire.", "RPPS : Le numéro RPPS doit comporter 11 chiffres.", "Commune : Le code commune 1001 n'a que 4 chiffres"},
		4: {"RPPS : le numéro 10005173140 figure déjà ligne 2 (doublon)."},
		5: {"Spécialité : La spécialité est obligatoire pour un médecin spécialiste."},
		6: {"8 colonnes remplies pour 7 colonnes"},
		8: {"Mode : Le mode d'exercice est obligatoire.", "Commune : Le code commune (code INSEE) est obligatoire."},
	}
	if len(rep.Refused) != len(want) {
		t.Fatalf("refused = %+v", rep.Refused)
	}
	for _, le := range rep.Refused {
		w, ok := want[le.Line]
		if !ok {
			t.Errorf("unexpected refused line %d: %q", le.Line, le.Errors)
			continue
		}
		all := strings.Join(le.Errors, "\n")
		for _, s := range w {
			if !strings.Contains(all, s) {
				t.Errorf("line %d: errors %q lack %q", le.Line, le.Errors, s)
			}
		}
		if le.Line == 3 && len(le.Errors) != 5 {
			t.Errorf("line 3: want 5 errors, got %q", le.Errors)
		}
	}
}

func TestParseMembersCSVFileErrors(t *testing.T) {
	bigLine := "Dupont;Marie;Infirmier;;Libéral;;59350\n"
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "vide"},
		{"only header", header, "aucun membre"},
		{"missing columns", "nom;prénom;profession\nA;B;Infirmier\n", "Colonnes manquantes : « spécialité », « mode », « rpps », « commune »"},
		{"unknown column", "nom;prénom;profession;spécialité;mode;rpps;commune;email\n", "Colonnes inconnues : « email »"},
		{"duplicate column", "nom;nom;prénom;profession;spécialité;mode;rpps;commune\n", "« nom » apparaît deux fois"},
		{"no header (data first)", "Dupont;Marie;Infirmier;;Libéral;;59350\n", "Colonnes manquantes"},
		{"xlsx", "PK\x03\x04rest of a zip", "classeur"},
		{"utf16", "\xFF\xFEn\x00o\x00m\x00", "UTF-16"},
		{"binary", header + "a;b\x00;c\n", "pas un fichier texte"},
		{"undefined cp1252 byte", header + "Dupont\x81;Marie;Infirmier;;Libéral;;59350\n", "encodage"},
		{"bad quote", header + "\"Dupont;Marie;Infirmier;;Libéral;;59350\n", "guillemet"},
		{"too many lines", header + strings.Repeat(bigLine, MaxImportLines+1), "plus de 2000 lignes"},
		{"10 000 lines", header + strings.Repeat(bigLine, 10000), "refusé en entier"},
		{"too big", header + strings.Repeat("x", MaxImportBytes), "2 Mo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := parse(tt.in)
			if !strings.Contains(rep.FileError, tt.want) {
				t.Fatalf("FileError = %q, want it to contain %q", rep.FileError, tt.want)
			}
			if len(rep.Accepted) != 0 || len(rep.Refused) != 0 || len(rep.CommuneCodes) != 0 {
				t.Fatalf("a refused file must import nothing: %d accepted, %d refused", len(rep.Accepted), len(rep.Refused))
			}
		})
	}
}

func TestParseMembersCSVExactlyMaxLines(t *testing.T) {
	var b strings.Builder
	b.WriteString(header)
	for i := 0; i < MaxImportLines; i++ {
		fmt.Fprintf(&b, "Nom%d;Prénom;Infirmier;;Libéral;;59350\n", i)
	}
	rep := parse(b.String())
	if rep.FileError != "" || len(rep.Accepted) != MaxImportLines {
		t.Fatalf("FileError %q, accepted %d", rep.FileError, len(rep.Accepted))
	}
}

func TestParseMembersCSVWindows1252(t *testing.T) {
	// "Prénom", "Médecin généraliste", "Libéral", "Lefèvre", "Œ" in Windows-1252.
	in := "nom;pr\xe9nom;profession;sp\xe9cialit\xe9;mode;rpps;commune\r\n" +
		"Lef\xe8vre;C\x8cline;M\xe9decin g\xe9n\xe9raliste;;Lib\xe9ral;;59350\r\n"
	rep := parse(in)
	if rep.FileError != "" {
		t.Fatal(rep.FileError)
	}
	if !strings.Contains(rep.Notice, "Windows-1252") || !strings.Contains(rep.Notice, "converti") {
		t.Errorf("Notice = %q", rep.Notice)
	}
	if len(rep.Accepted) != 1 {
		t.Fatalf("report %+v", rep)
	}
	if m := rep.Accepted[0].Member; m.LastName != "Lefèvre" || m.FirstName != "CŒline" || m.Profession != MedecinGeneraliste {
		t.Errorf("member = %+v", m)
	}
}

func TestDecodeCP1252(t *testing.T) {
	got, ok := decodeCP1252([]byte("\x80 \x92 \x9c \xe0\xe7\xe9\xff A"))
	if !ok || got != "€ ’ œ àçéÿ A" {
		t.Fatalf("decodeCP1252 = %q, %v", got, ok)
	}
	for _, c := range []byte{0x81, 0x8D, 0x8F, 0x90, 0x9D} {
		if _, ok := decodeCP1252([]byte{c}); ok {
			t.Errorf("byte %#x should be undefined", c)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("boom") }

func TestParseMembersCSVReadError(t *testing.T) {
	if rep := ParseMembersCSV(failingReader{}); rep.FileError == "" {
		t.Fatal("want a file error")
	}
	// The reader is never read beyond the limit.
	lr := &countingReader{r: io.MultiReader(strings.NewReader(header), bytes.NewReader(make([]byte, 10*MaxImportBytes)))}
	ParseMembersCSV(lr)
	if lr.n > MaxImportBytes+1 {
		t.Fatalf("read %d bytes", lr.n)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestRejectCommune(t *testing.T) {
	rep := parse(header +
		"A;B;Infirmier;;Libéral;;59350\n" +
		"C;D;Infirmier;;Libéral;;99999\n" + // format fails: 99 is not a département
		"E;F;Infirmier;;Libéral;;59999\n" +
		"G;H;Infirmier;;Libéral;;59350\n")
	if strings.Join(rep.CommuneCodes, ",") != "59350,59999" {
		t.Fatalf("CommuneCodes %v", rep.CommuneCodes)
	}
	if got := rep.LinesWithCommune("59350"); len(got) != 2 || got[0] != 2 || got[1] != 5 {
		t.Fatalf("LinesWithCommune = %v", got)
	}
	rep.RejectCommune("59999") // the store did not find it
	if len(rep.Accepted) != 2 || len(rep.Refused) != 2 || rep.Refused[0].Line != 3 || rep.Refused[1].Line != 4 {
		t.Fatalf("after reject: accepted %+v refused %+v", rep.Accepted, rep.Refused)
	}
	if !strings.Contains(rep.Refused[1].Errors[0], "59999 n'existe pas") {
		t.Errorf("message %q", rep.Refused[1].Errors[0])
	}
	if strings.Join(rep.CommuneCodes, ",") != "59350" {
		t.Errorf("CommuneCodes %v", rep.CommuneCodes)
	}
	if len(rep.Accepted)+len(rep.Refused) != rep.DataLines {
		t.Error("invariant broken")
	}
}

func FuzzParseMembersCSV(f *testing.F) {
	f.Add([]byte(header + "Dupont;Marie;Médecin généraliste;;Libéral;10005173140;59350\n"))
	f.Add([]byte(header + "\"a\nb\";Marie;infirmier;;salarié;;2A004\n;;;\n"))
	f.Add([]byte("nom;pr\xe9nom;profession;sp\xe9cialit\xe9;mode;rpps;commune\nLef\xe8vre;A;kin\xe9;;lib\xe9ral;;59350\n"))
	f.Add([]byte("\xEF\xBB\xBFnom,prenom,profession,specialite,mode,rpps,commune\nx,y,autre,z,structure,,01001,extra\n"))
	f.Add([]byte(header + "\"unterminated;x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep := ParseMembersCSV(bytes.NewReader(data))
		if rep.FileError != "" {
			if len(rep.Accepted) != 0 || len(rep.Refused) != 0 {
				t.Fatalf("file error %q with lines imported", rep.FileError)
			}
			return
		}
		if len(rep.Accepted)+len(rep.Refused) != rep.DataLines {
			t.Fatalf("accepted %d + refused %d != data lines %d", len(rep.Accepted), len(rep.Refused), rep.DataLines)
		}
		if rep.DataLines > MaxImportLines {
			t.Fatalf("%d data lines accepted", rep.DataLines)
		}
		for _, a := range rep.Accepted {
			if err := a.Member.Validate(); err != nil {
				t.Fatalf("accepted line %d is invalid: %v", a.Line, err)
			}
			if a.Line < 2 {
				t.Fatalf("accepted line number %d", a.Line)
			}
		}
		for _, r := range rep.Refused {
			if len(r.Errors) == 0 || r.Line < 2 {
				t.Fatalf("refused line %d without reasons", r.Line)
			}
		}
	})
}

func TestParseMembersCSVBareQuote(t *testing.T) {
	rep := parse(header + "Dupont \"dit\" Jean;Marie;Infirmier;;Libéral;;59350\n")
	if !strings.Contains(rep.FileError, "ligne 2") || !strings.Contains(rep.FileError, "guillemet") {
		t.Fatalf("FileError = %q", rep.FileError)
	}
	rep = parse(header + "\"Dupont \"\"dit\"\" Jean\";Marie;Infirmier;;Libéral;;59350\n")
	if rep.FileError != "" || len(rep.Accepted) != 1 || rep.Accepted[0].Member.LastName != `Dupont "dit" Jean` {
		t.Fatalf("report %+v", rep)
	}
}

func TestParseMembersCSVManyUnknownColumns(t *testing.T) {
	rep := parse(strings.Repeat("x;", 10000) + "\n")
	if !strings.Contains(rep.FileError, "et 9995 autres") || len(rep.FileError) > 1000 {
		t.Fatalf("FileError = %q", clip(rep.FileError))
	}
}
