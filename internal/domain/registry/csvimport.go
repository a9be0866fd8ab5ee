package registry

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// Limits of a member-list import. Beyond either, the whole file is refused.
const (
	MaxImportBytes = 2 << 20 // 2 Mo
	MaxImportLines = 2000    // data lines, header excluded
)

// ImportedMember is an accepted line: the member (normalised, valid) and the
// line of the file it starts on (1-based, the header is line 1).
type ImportedMember struct {
	Line   int
	Member Member
}

// LineError is a refused line with every reason, in French.
type LineError struct {
	Line   int
	Errors []string
}

// ImportReport is the result of ParseMembersCSV.
//
// Decision: the import is line by line — valid lines are accepted, refused
// lines are listed with their reasons, so the coordinator fixes only those.
// But a structural problem refuses the WHOLE file (FileError set, Accepted
// and Refused empty): no header, missing/unknown/duplicated columns, an
// encoding we cannot read, a broken CSV quote, more than 2 Mo or more than
// 2 000 data lines. A file is never partially imported for a structural
// reason.
type ImportReport struct {
	Accepted []ImportedMember
	Refused  []LineError
	// Present are the lines naming a member the structure already has
	// (SkipPresent): neither imported again nor refused.
	Present   []LineError
	FileError string // non-empty: the whole file is refused
	// Notice is an informational French message (e.g. the file was converted
	// from Windows-1252); it does not refuse anything.
	Notice string
	// DataLines is the number of non-blank data lines read; when FileError is
	// empty, len(Accepted)+len(Refused)+len(Present) == DataLines.
	DataLines int
	// CommuneCodes are the distinct commune codes of the accepted lines,
	// sorted. They are only format-checked here: the caller must check they
	// exist in the reference data (and refuse or flag the lines using an
	// unknown one, see LinesWithCommune) before storing anything.
	CommuneCodes []string
}

// LinesWithCommune returns the line numbers of accepted members whose commune
// code is code, so that the caller can move them to Refused when the store
// says the commune does not exist.
func (r ImportReport) LinesWithCommune(code string) []int {
	var out []int
	for _, a := range r.Accepted {
		if a.Member.CommuneCode == code {
			out = append(out, a.Line)
		}
	}
	return out
}

// RejectCommune moves the accepted lines using commune code to Refused with
// the French message "Code commune X inconnu", keeping Refused sorted by line.
// The store calls it for every code of CommuneCodes it cannot find.
func (r *ImportReport) RejectCommune(code string) {
	kept := r.Accepted[:0]
	for _, a := range r.Accepted {
		if a.Member.CommuneCode == code {
			r.Refused = append(r.Refused, LineError{Line: a.Line,
				Errors: []string{fmt.Sprintf("Commune : le code commune %s n'existe pas.", code)}})
			continue
		}
		kept = append(kept, a)
	}
	r.Accepted = kept
	sort.SliceStable(r.Refused, func(i, j int) bool { return r.Refused[i].Line < r.Refused[j].Line })
	codes := r.CommuneCodes[:0]
	for _, c := range r.CommuneCodes {
		if c != code {
			codes = append(codes, c)
		}
	}
	r.CommuneCodes = codes
}

// The columns of the member file. Header names are matched ignoring case,
// accents, spaces and punctuation; a few usual variants are accepted.
const (
	colNom = iota
	colPrenom
	colProfession
	colSpecialite
	colMode
	colRPPS
	colCommune
	nCols
)

// colNames are the canonical column names, by index.
func colNames() [nCols]string {
	return [nCols]string{"nom", "prénom", "profession", "spécialité", "mode", "rpps", "commune"}
}

// ignoredColumn reports the informative columns of the member file the portal
// writes (MemberFileHeader): read back without complaint, not imported.
func ignoredColumn(k string) bool {
	switch k {
	case "communedexercice", "nomdelacommune", "structuredexercice":
		return true
	}
	return false
}

var colAliases = sync.OnceValue(func() map[string]int {
	return map[string]int{
		"nom": colNom, "nomdefamille": colNom, "nomdusage": colNom, "nomdexercice": colNom,
		"prenom": colPrenom, "prenomdexercice": colPrenom,
		"profession": colProfession,
		"specialite": colSpecialite, "specialiteprecision": colSpecialite, "precision": colSpecialite,
		"mode": colMode, "modedexercice": colMode, "modeexercice": colMode,
		"rpps": colRPPS, "nrpps": colRPPS, "norpps": colRPPS, "numerorpps": colRPPS,
		"commune": colCommune, "codecommune": colCommune, "codeinsee": colCommune,
		"communecodeinsee": colCommune, "codeinseecommune": colCommune, "codeinseedelacommune": colCommune,
	}
})

// ParseMembersCSV reads a member list exported from a spreadsheet (docs/rules.md
// §10: the contractualisation request includes the "list of members with their
// status"). Expected: a header row then one member per line; columns nom;
// prénom; profession; spécialité; mode; rpps; commune (INSEE code), in any
// order. Separator ";" (French Excel); "," or a tab is accepted when the
// header uses it. Encoding UTF-8 with or without BOM; a file that is not valid
// UTF-8 is decoded as Windows-1252 (Excel's "CSV (séparateur : point-virgule)"
// on Windows) and Notice says so. Profession and mode are accepted by code or
// French label, ignoring case and accents. Blank lines are skipped.
//
// Decision on duplicates: the same RPPS on two lines — the first line is
// accepted, each later one is refused with the number of the first. The same
// goes for two lines without RPPS naming the same person (MemberKey: name,
// profession and commune).
func ParseMembersCSV(r io.Reader) ImportReport {
	var rep ImportReport
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		rep.FileError = "Le fichier n'a pas pu être lu. Réessayez ; si le problème persiste, contactez le support."
		return rep
	}
	if len(data) > MaxImportBytes {
		rep.FileError = "Le fichier dépasse 2 Mo : il est refusé en entier. Découpez-le en plusieurs fichiers de 2 000 lignes au plus."
		return rep
	}
	text, notice, ferr := decodeText(data)
	if ferr != "" {
		rep.FileError = ferr
		return rep
	}
	rep.Notice = notice

	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = detectSeparator(text)
	cr.FieldsPerRecord = -1
	// Strict quotes: a spreadsheet quotes every cell holding a quote, so a
	// broken quote means a damaged file — refused whole, with its line,
	// rather than read as one giant cell swallowing the following lines.
	cr.LazyQuotes = false

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		rep.FileError = "Le fichier est vide : il doit commencer par une ligne d'en-tête (nom;prénom;profession;spécialité;mode;rpps;commune)."
		return rep
	}
	if err != nil {
		rep.FileError = csvErrorMessage(err)
		return rep
	}
	index, ferr := mapHeader(header)
	if ferr != "" {
		rep.FileError = ferr
		return rep
	}

	type row struct {
		line  int
		cells []string
	}
	var rows []row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			rep.FileError = csvErrorMessage(err)
			return rep
		}
		if blank(rec) {
			continue
		}
		line, _ := cr.FieldPos(0)
		rows = append(rows, row{line, rec})
		if len(rows) > MaxImportLines {
			rep.FileError = fmt.Sprintf("Le fichier contient plus de %d lignes de membres : il est refusé en entier. Découpez-le en plusieurs fichiers.", MaxImportLines)
			return rep
		}
	}
	rep.DataLines = len(rows)
	if len(rows) == 0 {
		rep.FileError = "Le fichier ne contient aucun membre : seule la ligne d'en-tête est présente."
		return rep
	}

	firstRPPS := map[string]int{}
	firstKey := map[string]int{}
	communes := map[string]bool{}
	for _, rw := range rows {
		m, errs := parseMemberRow(rw.cells, index, len(header))
		if len(errs) == 0 && m.RPPS != "" {
			if first, dup := firstRPPS[m.RPPS]; dup {
				errs = append(errs, fmt.Sprintf("RPPS : le numéro %s figure déjà ligne %d (doublon).", m.RPPS, first))
			} else {
				firstRPPS[m.RPPS] = rw.line
			}
		}
		if len(errs) == 0 && m.RPPS == "" {
			if first, dup := firstKey[MemberKey(m)]; dup {
				errs = append(errs, fmt.Sprintf("Ce membre (même nom, profession et commune, sans RPPS) figure déjà ligne %d (doublon).", first))
			} else {
				firstKey[MemberKey(m)] = rw.line
			}
		}
		if len(errs) > 0 {
			rep.Refused = append(rep.Refused, LineError{Line: rw.line, Errors: errs})
			continue
		}
		rep.Accepted = append(rep.Accepted, ImportedMember{Line: rw.line, Member: m})
		communes[m.CommuneCode] = true
	}
	for c := range communes {
		rep.CommuneCodes = append(rep.CommuneCodes, c)
	}
	sort.Strings(rep.CommuneCodes)
	return rep
}

// fieldColumn names, for a Member field, the CSV column its message is about.
var fieldColumn = sync.OnceValue(func() map[string]string {
	return map[string]string{
		"last_name": "Nom", "first_name": "Prénom", "profession": "Profession", "specialty": "Spécialité",
		"mode": "Mode", "rpps": "RPPS", "commune_code": "Commune",
	}
})

// parseMemberRow builds and validates the member of one data line; errs lists
// every problem as "Colonne : message".
func parseMemberRow(cells []string, index [nCols]int, headerLen int) (Member, []string) {
	get := func(col int) string {
		if i := index[col]; i < len(cells) {
			return strings.TrimSpace(cells[i])
		}
		return ""
	}
	var errs []string
	extra := false
	for i := headerLen; i < len(cells); i++ {
		if strings.TrimSpace(cells[i]) != "" {
			extra = true
		}
	}
	if extra {
		errs = append(errs, fmt.Sprintf("La ligne a %d colonnes remplies pour %d colonnes d'en-tête : vérifiez les points-virgules.", len(cells), headerLen))
	}
	m := Member{
		LastName:    get(colNom),
		FirstName:   get(colPrenom),
		Specialty:   get(colSpecialite),
		RPPS:        get(colRPPS),
		CommuneCode: get(colCommune),
	}
	var badProf, badMode bool
	if s := get(colProfession); s != "" {
		if p, ok := ParseProfession(s); ok {
			m.Profession = p
		} else {
			badProf = true
			errs = append(errs, fmt.Sprintf("Profession : « %s » n'est pas une profession connue (%s).", clip(s), professionChoices()))
		}
	}
	if s := get(colMode); s != "" {
		if md, ok := ParseMode(s); ok {
			m.Mode = md
		} else {
			badMode = true
			errs = append(errs, fmt.Sprintf("Mode : « %s » n'est pas un mode d'exercice connu (libéral, salarié ou structure).", clip(s)))
		}
	}
	m = m.Normalized()
	var fe FieldErrors
	if err := m.Validate(); err != nil {
		errors.As(err, &fe)
	}
	for _, f := range []string{"last_name", "first_name", "profession", "specialty", "mode", "rpps", "commune_code"} {
		msg, ok := fe[f]
		if !ok || (f == "profession" && badProf) || (f == "mode" && badMode) {
			continue
		}
		errs = append(errs, fieldColumn()[f]+" : "+msg)
	}
	return m, errs
}

// clip shortens a cell quoted in a message to 40 characters.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}

func professionChoices() string {
	var parts []string
	for _, p := range Professions() {
		parts = append(parts, strings.ToLower(p.Label()))
	}
	return strings.Join(parts, ", ")
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// mapHeader finds each expected column in the header row.
func mapHeader(header []string) ([nCols]int, string) {
	var index [nCols]int
	for i := range index {
		index[i] = -1
	}
	var unknown []string
	for i, h := range header {
		k := foldKey(h)
		if k == "" {
			continue // an empty header cell (trailing ";" of Excel): ignored
		}
		if ignoredColumn(k) {
			continue
		}
		col, ok := colAliases()[k]
		if !ok {
			unknown = append(unknown, "« "+clip(strings.TrimSpace(h))+" »")
			continue
		}
		if index[col] >= 0 {
			return index, fmt.Sprintf("La colonne « %s » apparaît deux fois dans l'en-tête : le fichier est refusé.", colNames()[col])
		}
		index[col] = i
	}
	var missing []string
	for col, i := range index {
		if i < 0 {
			missing = append(missing, "« "+colNames()[col]+" »")
		}
	}
	if len(missing) > 0 || len(unknown) > 0 {
		var b strings.Builder
		b.WriteString("L'en-tête du fichier n'est pas celui attendu : le fichier est refusé.")
		if len(missing) > 0 {
			b.WriteString(" Colonnes manquantes : " + strings.Join(missing, ", ") + ".")
		}
		if len(unknown) > 5 { // a wrong separator can make thousands of them
			unknown = append(unknown[:5], fmt.Sprintf("et %d autres", len(unknown)-5))
		}
		if len(unknown) > 0 {
			b.WriteString(" Colonnes inconnues : " + strings.Join(unknown, ", ") + ".")
		}
		b.WriteString(" La première ligne doit être : nom;prénom;profession;spécialité;mode;rpps;commune.")
		return index, b.String()
	}
	return index, ""
}

func csvErrorMessage(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("Le fichier n'est pas un CSV lisible (ligne %d : %s) : il est refusé en entier.", pe.StartLine, frenchCSVError(pe.Err))
	}
	return "Le fichier n'est pas un CSV lisible : il est refusé en entier."
}

func frenchCSVError(err error) string {
	switch {
	case errors.Is(err, csv.ErrQuote), errors.Is(err, csv.ErrBareQuote):
		return "guillemet mal placé ou non fermé"
	case errors.Is(err, csv.ErrFieldCount):
		return "nombre de colonnes incorrect"
	}
	return "format incorrect"
}

// detectSeparator picks the separator of the header line: ";" unless the
// header has none and has tabs or commas.
func detectSeparator(text string) rune {
	first := strings.TrimLeft(text, "\r\n")
	if i := strings.IndexAny(first, "\r\n"); i >= 0 {
		first = first[:i]
	}
	switch {
	case strings.Contains(first, ";"):
		return ';'
	case strings.Contains(first, "\t"):
		return '\t'
	case strings.Contains(first, ","):
		return ','
	}
	return ';'
}

// decodeText turns the file's bytes into UTF-8 text. It strips a UTF-8 BOM,
// refuses UTF-16, binary and spreadsheet (xlsx/xls/ods) files with a message
// saying how to save a CSV, and decodes invalid UTF-8 as Windows-1252.
func decodeText(data []byte) (text, notice, fileErr string) {
	const saveAs = " Dans votre tableur, choisissez « Enregistrer sous » puis « CSV UTF-8 (délimité par des points-virgules) »."
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte("\xD0\xCF\x11\xE0")):
		return "", "", "Ce fichier est un classeur (Excel ou LibreOffice), pas un fichier CSV : il est refusé." + saveAs
	case bytes.HasPrefix(data, []byte("\xFF\xFE")), bytes.HasPrefix(data, []byte("\xFE\xFF")):
		return "", "", "Ce fichier est encodé en UTF-16 (« Texte Unicode »), que nous ne lisons pas : il est refusé." + saveAs
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if bytes.IndexByte(data, 0) >= 0 {
		return "", "", "Ce fichier n'est pas un fichier texte (CSV) : il est refusé." + saveAs
	}
	if utf8.Valid(data) {
		return string(data), "", ""
	}
	s, ok := decodeCP1252(data)
	if !ok {
		return "", "", "L'encodage de ce fichier n'est pas reconnu (ni UTF-8, ni Windows-1252) : il est refusé." + saveAs
	}
	return s, "Le fichier était encodé en Windows-1252 (Latin-1) : il a été converti en UTF-8. Vérifiez les accents des noms importés.", ""
}

// cp1252High maps the bytes 0x80–0x9F of Windows-1252 to Unicode; 0 marks
// the five bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90,
// 0x9D). Bytes 0xA0–0xFF are the same code points as Latin-1 (ISO 8859-1),
// and 0x00–0x7F are ASCII.
var cp1252High = sync.OnceValue(func() [32]rune {
	return [32]rune{
		'€', 0, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0, 'Ž', 0,
		0, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0, 'ž', 'Ÿ',
	}
})

// decodeCP1252 decodes Windows-1252 bytes; ok is false when an undefined byte
// occurs (then the file is probably in yet another encoding).
func decodeCP1252(data []byte) (string, bool) {
	var b strings.Builder
	b.Grow(len(data) + len(data)/8)
	for _, c := range data {
		switch {
		case c < 0x80:
			b.WriteByte(c)
		case c < 0xA0:
			r := cp1252High()[c-0x80]
			if r == 0 {
				return "", false
			}
			b.WriteRune(r)
		default:
			b.WriteRune(rune(c))
		}
	}
	return b.String(), true
}

// MemberKey identifies a member without RPPS: the names (ignoring case,
// accents, spaces and punctuation), the profession and the commune code.
func MemberKey(m Member) string {
	m = m.Normalized()
	return foldKey(m.LastName) + "|" + foldKey(m.FirstName) + "|" + string(m.Profession) + "|" + m.CommuneCode
}

// SkipPresent moves to Present the accepted lines naming a member the
// structure already has, so that importing the same file twice adds nobody:
// a line whose RPPS is an existing member's; or a line whose name, profession
// and commune are an existing member's (MemberKey) when one of the two has no
// RPPS (two different RPPS are two homonyms, both kept).
func (r *ImportReport) SkipPresent(existing []Member) {
	rpps := map[string]bool{}
	keys := map[string][]string{} // key -> RPPS of the members having it ("" for none)
	for _, m := range existing {
		m = m.Normalized()
		if m.RPPS != "" {
			rpps[m.RPPS] = true
		}
		keys[MemberKey(m)] = append(keys[MemberKey(m)], m.RPPS)
	}
	kept := r.Accepted[:0]
	for _, a := range r.Accepted {
		msg := ""
		if a.Member.RPPS != "" && rpps[a.Member.RPPS] {
			msg = fmt.Sprintf("Déjà présent dans le registre (RPPS %s) : non importé à nouveau.", a.Member.RPPS)
		} else {
			for _, other := range keys[MemberKey(a.Member)] {
				if other == "" || a.Member.RPPS == "" {
					msg = "Déjà présent dans le registre (même nom, profession et commune) : non importé à nouveau."
					break
				}
			}
		}
		if msg != "" {
			r.Present = append(r.Present, LineError{Line: a.Line, Errors: []string{msg}})
			continue
		}
		kept = append(kept, a)
	}
	r.Accepted = kept
}

// MemberFileHeader is the header of every member file the portal writes (the
// import template, the member list export, the generated « liste des
// membres »): the import's columns, then two informative columns the import
// ignores, so that an exported file can be imported again.
func MemberFileHeader() []string {
	return []string{"Nom", "Prénom", "Profession", "Spécialité", "Mode d'exercice", "RPPS", "Code commune",
		"Commune d'exercice", "Structure d'exercice"}
}

// MemberFileRecord is the line of m in a member file (MemberFileHeader).
func MemberFileRecord(m Member, communeNom, ownStructure string) []string {
	return []string{m.LastName, m.FirstName, m.Profession.Label(), m.Specialty, m.Mode.Label(), m.RPPS, m.CommuneCode,
		communeNom, ownStructure}
}
