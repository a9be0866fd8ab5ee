package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/csvfile"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/filetype"
)

// Documents of a dossier (migration 00040). A required
// document (workflow.RequiredDocuments) is one row per dossier and code; a
// free attachment ("pièce complémentaire") is a row of code DocAutre with a
// title. Each upload adds a version (old ones stay downloadable); the bytes
// live in stored_files (bytea, docs/rules.md §24), checked by content and hashed.

// DocAutre is the code of a free attachment.
const DocAutre = "autre"

// MaxDocTitle bounds a document title; MaxReviewComment a review comment.
const (
	MaxDocTitle      = 200
	MaxReviewComment = 2000
)

// DocState is what the pages show for a document.
type DocState string

const (
	DocManquant DocState = "manquant"  // no version yet
	DocFourni   DocState = "fourni"    // a version, not reviewed since
	DocAccepte  DocState = "accepte"   // accepted by the CPAM referent
	DocARefaire DocState = "a_refaire" // sent back by the CPAM referent, with a comment
)

// Label is the French badge text.
func (s DocState) Label() string {
	switch s {
	case DocFourni:
		return "Fourni"
	case DocAccepte:
		return "Accepté"
	case DocARefaire:
		return "À refaire"
	}
	return "Manquant"
}

// DocTitle is the French title of a required document code.
func DocTitle(code workflow.Document) string {
	switch code {
	case workflow.DocProjetSante:
		return "Projet de santé"
	case workflow.DocStatuts:
		return "Statuts"
	case workflow.DocContoursTerritoire:
		return "Contours du territoire"
	case workflow.DocListeMembres:
		return "Liste des membres avec leur statut"
	}
	return string(code)
}

// Generable reports whether the portal can generate the document from its
// own data (the territory editor, the members registry).
func Generable(code workflow.Document) bool {
	return code == workflow.DocContoursTerritoire || code == workflow.DocListeMembres
}

// DocVersion is one stored version of a document.
type DocVersion struct {
	N          int
	FileID     int64
	Filename   string
	MediaType  string
	Size       int64
	SHA256     string
	UploadedAt time.Time
	UploadedBy string
	Generated  bool
}

// DossierDocument is a document of a dossier with its versions (newest
// first). A missing required document has ID 0 and no versions.
type DossierDocument struct {
	ID            int64
	DossierID     int64
	Code          string // a workflow.Document or DocAutre
	Title         string
	Required      bool
	State         DocState
	ReviewComment string
	ReviewedAt    *time.Time
	ReviewedBy    string
	Version       int // optimistic locking of review marks
	Versions      []DocVersion
}

// Current returns the newest version (ok false when there is none).
func (d DossierDocument) Current() (DocVersion, bool) {
	if len(d.Versions) == 0 {
		return DocVersion{}, false
	}
	return d.Versions[0], true
}

// DossierDocuments is the documents page's data.
type DossierDocuments struct {
	Dossier  Dossier
	Required []DossierDocument // one per workflow.RequiredDocuments, in that order
	Others   []DossierDocument // free attachments, oldest first
}

// canUploadDocument reports whether sc may add a version of document code
// to dossier d: a coordinator of the dossier's own structure, in a state
// where the document is not frozen (access.Permission.CanUploadDocument).
//
// Decision (docs/rules.md §16): the coordinator
// uploads from brouillon to projet_sante_valide and again in
// complements_demandes; a document is frozen while someone reviews it: the
// projet de santé while the ARS has it (projet_sante_depose), every document
// once the contractualisation request is filed (demande_deposee,
// en_instruction) and after the avis (avis_*, examen_conjoint, acceptee,
// refusee). Other documents than the projet de santé may still be added while
// the ARS reviews the projet de santé.
func canUploadDocument(sc Scope, d Dossier, code string) bool {
	return d.Permission(sc).CanUploadDocument(code)
}

// canReviewDocuments reports whether sc may mark the documents of dossier d
// accepted or à refaire.
//
// Decision: only a CPAM referent (in scope: d was read through sc), who
// instructs the request (docs/rules.md §12); marks are possible until the avis
// (demande_deposee, en_instruction, complements_demandes — and before the
// filing, when the referent accompanies the structure, docs/rules.md §10 "Before"),
// not after it.
func canReviewDocuments(sc Scope, d Dossier) bool {
	return d.Permission(sc).Can(access.ActReviewDocuments)
}

// StoredFile is the metadata of a row of stored_files.
type StoredFile struct {
	ID        int64
	Filename  string // sanitised, with the extension of its content
	MediaType string // from the content (filetype.Check)
	Size      int64
	SHA256    string // hex
}

// saveFile checks data by content (filetype.Check: refused with a French
// reason as a FieldError on field), stores it in stored_files with its
// SHA-256 inside tx and returns its metadata. It does NOT check any scope:
// the caller has locked the record the file belongs to in the scope.
// Reusable by other areas of package store (message attachments): keep the
// stored_files id in your own table and serve it through your own scoped
// query (see DocumentFile).
func saveFile(ctx context.Context, tx pgx.Tx, field string, uploadedBy *int64, at time.Time, name string, data []byte) (StoredFile, error) {
	mt, err := filetype.Check(name, data)
	if err != nil {
		var fe *filetype.Error
		if errors.As(err, &fe) {
			return StoredFile{}, domain.FieldError(field, "%s", fe.Reason)
		}
		return StoredFile{}, err
	}
	sum := sha256.Sum256(data)
	f := StoredFile{Filename: filetype.Name(name, mt), MediaType: mt, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	err = tx.QueryRow(ctx, `INSERT INTO stored_files (filename, media_type, size, sha256, content, uploaded_at, uploaded_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, f.Filename, f.MediaType, f.Size, f.SHA256, data, at, uploadedBy).Scan(&f.ID)
	return f, err
}

// lockDossierForDocuments reads dossier id in scope and locks it against a
// concurrent transition (FOR SHARE: uploads do not block each other).
func lockDossierForDocuments(ctx context.Context, tx pgx.Tx, sc Scope, id int64) (Dossier, error) {
	return scopedDossier(ctx, tx, sc, id, lockDossierShare, "store.documents")
}

// DocumentUpload is one file attached to a dossier.
type DocumentUpload struct {
	Code       string // a required workflow.Document, or DocAutre
	DocumentID int64  // DocAutre: a new version of this attachment (0: a new attachment)
	Title      string // DocAutre, new attachment: required
	Filename   string
	Data       []byte
	Generated  bool
	At         time.Time // now when zero
}

// UploadDocument adds a version of a document of dossier dossierID: checks
// sc (canUploadDocument; outside the scope the dossier is not found), the
// file by content, stores it with its SHA-256 and moves the document back to
// "fourni" (a new version needs a new review). One transaction. It returns
// the document's id and the new version number.
func (s *Store) UploadDocument(ctx context.Context, sc Scope, dossierID int64, in DocumentUpload) (docID int64, n int, err error) {
	if in.At.IsZero() {
		in.At = s.now()
	}
	in.Title = strings.TrimSpace(in.Title)
	err = s.tx(ctx, sc, func(tx pgx.Tx) error {
		d, err := lockDossierForDocuments(ctx, tx, sc, dossierID)
		if err != nil {
			return err
		}
		docID, n, err = uploadTx(ctx, tx, sc, d, in, s.quota())
		return err
	})
	return docID, n, pgError("store.UploadDocument", err)
}

func uploadTx(ctx context.Context, tx pgx.Tx, sc Scope, d Dossier, in DocumentUpload, quota int64) (int64, int, error) {
	field := "file"
	required := false
	for _, c := range workflow.RequiredDocuments(d.StructureType) {
		if string(c) == in.Code {
			required = true
		}
	}
	if !required && in.Code != DocAutre {
		return 0, 0, domain.Errorf(domain.ENotFound, "Pièce introuvable.")
	}
	if !roleAllows(sc, dossierSubject(d.StructureID, d.StructureType), access.ActUploadDocument) {
		return 0, 0, domain.Errorf(domain.ENotFound, "Dossier introuvable.")
	}
	if !canUploadDocument(sc, d, in.Code) {
		return 0, 0, domain.Errorf(domain.EConflict, "Le dossier est à l'état « %s » : cette pièce ne peut pas être modifiée maintenant.", d.State.Label())
	}
	var docID int64
	var versions int
	switch {
	case required:
		err := tx.QueryRow(ctx, `INSERT INTO documents (dossier_id, code, title) VALUES ($1, $2, $3)
			ON CONFLICT (dossier_id, code) WHERE code <> 'autre' DO UPDATE SET updated_at = documents.updated_at
			RETURNING id, versions`, d.ID, in.Code, DocTitle(workflow.Document(in.Code))).Scan(&docID, &versions)
		if err != nil {
			return 0, 0, err
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM documents WHERE id = $1 FOR UPDATE`, docID); err != nil {
			return 0, 0, err
		}
		if err := tx.QueryRow(ctx, `SELECT versions FROM documents WHERE id = $1`, docID).Scan(&versions); err != nil {
			return 0, 0, err
		}
	case in.DocumentID != 0:
		err := tx.QueryRow(ctx, `SELECT id, versions FROM documents WHERE id = $1 AND dossier_id = $2 AND code = 'autre' FOR UPDATE`,
			in.DocumentID, d.ID).Scan(&docID, &versions)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, 0, domain.Errorf(domain.ENotFound, "Pièce introuvable.")
		} else if err != nil {
			return 0, 0, err
		}
	default:
		if in.Title == "" {
			return 0, 0, domain.FieldError("title", "Donnez un titre à la pièce (par exemple « Compte rendu de l'assemblée générale »).")
		}
		if utf8.RuneCountInString(in.Title) > MaxDocTitle {
			return 0, 0, domain.FieldError("title", "Le titre ne doit pas dépasser %d caractères.", MaxDocTitle)
		}
		// Validate the file before creating the attachment's row.
		if _, err := filetype.Check(in.Filename, in.Data); err != nil {
			return 0, 0, domain.FieldError(field, "%s", err.Error())
		}
		if err := tx.QueryRow(ctx, `INSERT INTO documents (dossier_id, code, title) VALUES ($1, 'autre', $2) RETURNING id, versions`,
			d.ID, in.Title).Scan(&docID, &versions); err != nil {
			return 0, 0, err
		}
	}
	if !in.Generated {
		if err := checkStorageQuota(ctx, tx, quota, d.StructureID, int64(len(in.Data)), field); err != nil {
			return 0, 0, err
		}
	}
	uid := sc.UserID
	f, err := saveFile(ctx, tx, field, &uid, in.At, in.Filename, in.Data)
	if err != nil {
		return 0, 0, err
	}
	n := versions + 1
	if _, err := tx.Exec(ctx, `INSERT INTO document_versions (document_id, n, file_id, generated) VALUES ($1, $2, $3, $4)`,
		docID, n, f.ID, in.Generated); err != nil {
		return 0, 0, err
	}
	if _, err := tx.Exec(ctx, `UPDATE documents SET versions = $2, review_state = 'en_attente', review_comment = '',
		reviewed_at = NULL, reviewed_by = NULL, version = version + 1, updated_at = $3 WHERE id = $1`, docID, n, in.At); err != nil {
		return 0, 0, err
	}
	return docID, n, nil
}

// ListDocuments returns the documents of a dossier in scope: every required
// document of its type (missing ones with ID 0) and the free attachments.
func (s *Store) ListDocuments(ctx context.Context, sc Scope, dossierID int64) (DossierDocuments, error) {
	var out DossierDocuments
	d, err := s.Dossier(ctx, sc, dossierID)
	if err != nil {
		return out, err
	}
	out.Dossier = d
	rows, err := s.db(sc).Query(ctx, `SELECT x.id, x.code, x.title, x.review_state, x.review_comment, x.reviewed_at,
			coalesce(u.name, ''), x.version, x.versions
		FROM documents x LEFT JOIN users u ON u.id = x.reviewed_by
		WHERE x.dossier_id = $1 ORDER BY x.id`, d.ID)
	if err != nil {
		return out, pgError("store.ListDocuments", err)
	}
	docs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (DossierDocument, error) {
		var x DossierDocument
		var review string
		var nv int
		err := r.Scan(&x.ID, &x.Code, &x.Title, &review, &x.ReviewComment, &x.ReviewedAt, &x.ReviewedBy, &x.Version, &nv)
		x.DossierID = d.ID
		x.State = stateOf(nv, review)
		return x, err
	})
	if err != nil {
		return out, pgError("store.ListDocuments", err)
	}
	byDoc := map[int64][]DocVersion{}
	vrows, err := s.db(sc).Query(ctx, `SELECT v.document_id, v.n, f.id, f.filename, f.media_type, f.size, f.sha256, f.uploaded_at,
			coalesce(u.name, ''), v.generated
		FROM document_versions v JOIN documents x ON x.id = v.document_id JOIN stored_files f ON f.id = v.file_id
		LEFT JOIN users u ON u.id = f.uploaded_by
		WHERE x.dossier_id = $1 ORDER BY v.document_id, v.n DESC`, d.ID)
	if err != nil {
		return out, pgError("store.ListDocuments", err)
	}
	for vrows.Next() {
		var docID int64
		var v DocVersion
		if err := vrows.Scan(&docID, &v.N, &v.FileID, &v.Filename, &v.MediaType, &v.Size, &v.SHA256, &v.UploadedAt, &v.UploadedBy, &v.Generated); err != nil {
			vrows.Close()
			return out, pgError("store.ListDocuments", err)
		}
		byDoc[docID] = append(byDoc[docID], v)
	}
	if err := vrows.Err(); err != nil {
		return out, pgError("store.ListDocuments", err)
	}
	byCode := map[string]DossierDocument{}
	for _, x := range docs {
		x.Versions = byDoc[x.ID]
		if x.Code == DocAutre {
			out.Others = append(out.Others, x)
		} else {
			byCode[x.Code] = x
		}
	}
	for _, c := range workflow.RequiredDocuments(d.StructureType) {
		x, ok := byCode[string(c)]
		if !ok {
			x = DossierDocument{DossierID: d.ID, Code: string(c), Title: DocTitle(c), State: DocManquant}
		}
		x.Required = true
		out.Required = append(out.Required, x)
	}
	return out, nil
}

func stateOf(versions int, review string) DocState {
	switch {
	case versions == 0:
		return DocManquant
	case review == "accepte":
		return DocAccepte
	case review == "a_refaire":
		return DocARefaire
	}
	return DocFourni
}

// DocumentReview is a review mark by the CPAM referent.
type DocumentReview struct {
	DocumentID int64
	Version    int      // the document's version shown on the page (optimistic locking)
	State      DocState // DocAccepte or DocARefaire
	Comment    string   // required for DocARefaire
	At         time.Time
}

// ReviewDocument marks a document of dossier dossierID accepted or à refaire
// (canReviewDocuments; outside the scope: not found; another role: not
// found, as for transitions). A mark on a stale page (a new version was
// uploaded or someone else marked it meanwhile) is refused. The mark is
// appended to document_reviews in the same transaction.
func (s *Store) ReviewDocument(ctx context.Context, sc Scope, dossierID int64, in DocumentReview) error {
	if in.At.IsZero() {
		in.At = s.now()
	}
	in.Comment = strings.TrimSpace(in.Comment)
	if in.State != DocAccepte && in.State != DocARefaire {
		return domain.FieldError("state", "Choisissez « accepté » ou « à refaire ».")
	}
	if in.State == DocARefaire && in.Comment == "" {
		return domain.FieldError("comment", "Dites ce qui est à refaire : le commentaire est obligatoire.")
	}
	if utf8.RuneCountInString(in.Comment) > MaxReviewComment {
		return domain.FieldError("comment", "Le commentaire ne doit pas dépasser %d caractères.", MaxReviewComment)
	}
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		d, err := lockDossierForDocuments(ctx, tx, sc, dossierID)
		if err != nil {
			return err
		}
		if !roleAllows(sc, dossierSubject(d.StructureID, d.StructureType), access.ActReviewDocuments) {
			return domain.Errorf(domain.ENotFound, "Pièce introuvable.")
		}
		if !canReviewDocuments(sc, d) {
			return domain.Errorf(domain.EConflict, "Le dossier est à l'état « %s » : les pièces ne peuvent plus être marquées.", d.State.Label())
		}
		var version, versions int
		var by string
		err = tx.QueryRow(ctx, `SELECT x.version, x.versions, coalesce(u.name, '') FROM documents x
			LEFT JOIN users u ON u.id = coalesce(x.reviewed_by, (SELECT f.uploaded_by FROM document_versions v JOIN stored_files f ON f.id = v.file_id
				WHERE v.document_id = x.id AND v.n = x.versions))
			WHERE x.id = $1 AND x.dossier_id = $2 FOR UPDATE OF x`, in.DocumentID, d.ID).Scan(&version, &versions, &by)
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.Errorf(domain.ENotFound, "Pièce introuvable.")
		} else if err != nil {
			return err
		}
		if versions == 0 {
			return domain.Errorf(domain.EConflict, "Cette pièce n'a pas encore été fournie.")
		}
		if version != in.Version {
			if by == "" {
				by = "un autre utilisateur"
			}
			return domain.Errorf(domain.EConflict, "Cette pièce a été modifiée entre-temps par %s : rechargez la page pour voir la dernière version.", by)
		}
		if _, err := tx.Exec(ctx, `UPDATE documents SET review_state = $2, review_comment = $3, reviewed_at = $4, reviewed_by = $5,
			version = version + 1, updated_at = $4 WHERE id = $1`, in.DocumentID, string(in.State), in.Comment, in.At, sc.UserID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO document_reviews (document_id, version_n, state, comment, at, by_user, by_name)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, in.DocumentID, versions, string(in.State), in.Comment, in.At, sc.UserID, sc.UserName)
		return err
	})
	return pgError("store.ReviewDocument", err)
}

// FileDownload is a stored file to send.
type FileDownload struct {
	StoredFile
	Content []byte
}

// DocumentFile returns version n of document docID of dossier dossierID,
// read through the dossier's scope: outside it, or for a document of
// another dossier, it is not found.
func (s *Store) DocumentFile(ctx context.Context, sc Scope, dossierID, docID int64, n int) (FileDownload, error) {
	var a args
	q := `SELECT f.id, f.filename, f.media_type, f.size, f.sha256, f.content
		FROM document_versions v JOIN documents x ON x.id = v.document_id JOIN stored_files f ON f.id = v.file_id
		JOIN dossiers d ON d.id = x.dossier_id JOIN organisations o ON o.id = d.structure_id
		WHERE v.n = ` + a.add(n) + ` AND x.id = ` + a.add(docID) + ` AND d.id = ` + a.add(dossierID) + ` AND ` + sc.dossiers("d", &a)
	var f FileDownload
	err := s.db(sc).QueryRow(ctx, q, a...).Scan(&f.ID, &f.Filename, &f.MediaType, &f.Size, &f.SHA256, &f.Content)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, domain.Errorf(domain.ENotFound, "Fichier introuvable.")
	}
	return f, pgError("store.DocumentFile", err)
}

// GenerateDocument creates a new version of a generable document
// (Generable) from the portal's own data, as a CSV file (UTF-8 with BOM,
// ";" separated, for spreadsheets set to French), marked generated: the
// contours du territoire from the territory editor (communes, codes,
// populations, total and tier), the liste des membres from the registry
// (name, profession, mode, commune, RPPS). Same rights as an upload.
func (s *Store) GenerateDocument(ctx context.Context, sc Scope, dossierID int64, code workflow.Document, at time.Time) (int64, int, error) {
	if !Generable(code) {
		return 0, 0, domain.Errorf(domain.ENotFound, "Pièce introuvable.")
	}
	if at.IsZero() {
		at = s.now()
	}
	d, err := s.Dossier(ctx, sc, dossierID)
	if err != nil {
		return 0, 0, err
	}
	var data []byte
	switch code {
	case workflow.DocContoursTerritoire:
		data, err = s.territoryCSV(ctx, sc, d.StructureID)
	case workflow.DocListeMembres:
		data, err = s.membersCSV(ctx, sc, d.StructureID)
	}
	name := generatedName(code, at)
	if err != nil {
		return 0, 0, err
	}
	return s.UploadDocument(ctx, sc, dossierID, DocumentUpload{Code: string(code), Filename: name, Data: data, Generated: true, At: at})
}

// generatedName is the file name of a generated document.
func generatedName(code workflow.Document, at time.Time) string {
	day := domain.DateOf(at).String()
	if code == workflow.DocContoursTerritoire {
		return "contours-territoire-" + day + ".csv"
	}
	return "liste-membres-" + day + ".csv"
}

func (s *Store) territoryCSV(ctx context.Context, sc Scope, structureID int64) ([]byte, error) {
	t, err := s.Territory(ctx, sc, structureID)
	if err != nil {
		return nil, err
	}
	if len(t.Communes) == 0 {
		return nil, domain.FieldError("file", "Le territoire ne compte aucune commune : composez-le d'abord dans l'éditeur du territoire.")
	}
	recs := [][]string{{"Code commune", "Commune", "Codes postaux", "Département", "Population légale " + t.PopulationYear}}
	for _, c := range t.Communes {
		recs = append(recs, []string{c.Code, c.Name, strings.Join(c.PostalCodes, " "), c.Departement, strconv.FormatInt(c.Population, 10)})
	}
	recs = append(recs, []string{"", "Total (" + strconv.Itoa(len(t.Communes)) + " communes)", "", "", strconv.FormatInt(t.Population, 10)})
	recs = append(recs, []string{"", "Taille de la CPTS", "", "", strconv.Itoa(t.Tier)})
	return csvfile.Bytes(recs)
}

func (s *Store) membersCSV(ctx context.Context, sc Scope, structureID int64) ([]byte, error) {
	b, n, err := s.MemberFile(ctx, sc, structureID)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, domain.FieldError("file", "Le registre ne compte aucun membre : ajoutez les membres d'abord.")
	}
	return b, nil
}

// documentsRequirement fills a.Documents for the transitions that need
// documents (deposer_projet_sante, deposer_demande).
//
// Decision: a document counts as present when it has at least one version
// and is not "à refaire"; filing needs it provided, not accepted (the CPAM
// referent reviews it during the instruction, after the filing).
func documentsRequirement(ctx context.Context, tx pgx.Tx, d *Dossier, a *workflow.Attempt) error {
	if a.Transition == workflow.DonnerAvisFavorable {
		toRedo, err := documentsToRedo(ctx, tx, d.ID)
		a.DocumentsToRedo = toRedo
		return err
	}
	if a.Transition != workflow.DeposerProjetSante && a.Transition != workflow.DeposerDemande {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT code FROM documents WHERE dossier_id = $1 AND code <> 'autre' AND versions > 0
		AND review_state <> 'a_refaire'`, d.ID)
	if err != nil {
		return fmt.Errorf("documentsRequirement: %w", err)
	}
	codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("documentsRequirement: %w", err)
	}
	a.Documents = map[workflow.Document]bool{}
	for _, c := range codes {
		a.Documents[workflow.Document(c)] = true
	}
	return nil
}

// documentsToRedo lists the required documents of a dossier marked "à
// refaire" by the CPAM referent, in workflow.RequiredDocuments order.
func documentsToRedo(ctx context.Context, q contentQuerier, dossierID int64) ([]workflow.Document, error) {
	rows, err := q.Query(ctx, `SELECT code FROM documents WHERE dossier_id = $1 AND code <> 'autre' AND review_state = 'a_refaire'`, dossierID)
	if err != nil {
		return nil, fmt.Errorf("documentsToRedo: %w", err)
	}
	codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("documentsToRedo: %w", err)
	}
	var out []workflow.Document
	for _, c := range []workflow.Document{workflow.DocProjetSante, workflow.DocStatuts, workflow.DocContoursTerritoire, workflow.DocListeMembres} {
		for _, x := range codes {
			if x == string(c) {
				out = append(out, c)
			}
		}
	}
	return out, nil
}
