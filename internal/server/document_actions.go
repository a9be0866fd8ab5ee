package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/filetype"
	"github.com/portail-aci/aci/internal/store"
)

// fieldOf returns the field of a domain field error ("" otherwise).
func fieldOf(err error) string {
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.EInvalid {
		return de.Field
	}
	return ""
}

// documentRefused re-renders the documents page after a refused POST. An
// htmx request (upload on change) gets 200 so that htmx swaps the errors in;
// a plain form gets the error status.
func (s *Server) documentRefused(w http.ResponseWriter, r *http.Request, sc store.Scope, d store.Dossier, st documentsState) {
	if r.Header.Get("HX-Request") == "true" {
		st.status = http.StatusOK
	}
	s.renderDocuments(w, r, sc, d, st)
}

func documentsURL(id int64, anchor string) string {
	u := "/dossiers/" + strconv.FormatInt(id, 10) + "/documents"
	if anchor != "" {
		u += "#doc-" + anchor
	}
	return u
}

// documentUpload stores one file: a required document ({doc} = its code) or
// a free attachment ({doc} = "autre", with a title, or document_id for a new
// version of an existing attachment).
func (s *Server) documentUpload(w http.ResponseWriter, r *http.Request) {
	sc, d, _ := dossierFrom(r)
	// A file over the limit without JavaScript (which checks it before
	// sending): back to the documents page with the reason, not a dead end.
	if r.ContentLength > uploadBodyLimit {
		s.uploadTooLarge(w, r, d.ID)
		return
	}
	if err := r.ParseMultipartForm(8 << 20); isTooLarge(err) {
		s.uploadTooLarge(w, r, d.ID)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	code := chiParam(r, "doc")
	in := store.DocumentUpload{Code: code, At: s.now()}
	key := code
	isNew := false
	if code == store.DocAutre {
		if id, ok := pathID(r.PostFormValue("document_id")); ok {
			in.DocumentID, key = id, "autre-"+strconv.FormatInt(id, 10)
		} else {
			in.Title, isNew = formValue(r, "title", store.MaxDocTitle+1), true
		}
	}
	st := documentsState{status: http.StatusUnprocessableEntity, uploadErr: map[string]string{}, newTitle: in.Title}
	refuse := func(field, msg string) {
		st.summary = []string{msg}
		switch {
		case isNew && field == "title":
			st.newTitleErr = msg
		case isNew:
			st.newFileErr = msg
		default:
			st.uploadErr[key] = msg
		}
		s.documentRefused(w, r, sc, d, st)
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		refuse("file", "Choisissez un fichier à envoyer.")
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, filetype.MaxSize+1))
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	in.Filename, in.Data = hdr.Filename, data
	docID, n, err := s.store.UploadDocument(r.Context(), sc, d.ID, in)
	if field := fieldOf(err); field != "" {
		refuse(field, domain.ErrorMessage(err))
		return
	}
	if domain.ErrorCode(err) == domain.EConflict {
		st.status = http.StatusConflict
		st.summary = []string{domain.ErrorMessage(err)}
		s.documentRefused(w, r, sc, d, st)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if code == store.DocAutre {
		key = "autre-" + strconv.FormatInt(docID, 10)
	}
	s.flash(r, "ok", fmt.Sprintf("Fichier « %s » enregistré (version %d).", filetype.Name(hdr.Filename, mustType(hdr.Filename, data)), n))
	redirect(w, r, documentsURL(d.ID, key))
}

// uploadTooLarge answers an upload larger than filetype.MaxSize: 303 back to
// the documents page with the message.
func (s *Server) uploadTooLarge(w http.ResponseWriter, r *http.Request, dossierID int64) {
	s.flash(r, "error", fmt.Sprintf("Le fichier dépasse %d Mo : il n'a pas été enregistré. Réduisez sa taille (PDF compressé, images moins lourdes) puis envoyez-le à nouveau.", filetype.MaxSize>>20))
	redirect(w, r, documentsURL(dossierID, ""))
}

func mustType(name string, data []byte) string {
	mt, _ := filetype.Check(name, data)
	return mt
}

// documentGenerate creates a new version of the contours du territoire or
// the liste des membres from the portal's data.
func (s *Server) documentGenerate(w http.ResponseWriter, r *http.Request) {
	sc, d, _ := dossierFrom(r)
	if !s.parseForm(w, r) {
		return
	}
	code := workflow.Document(chiParam(r, "doc"))
	_, n, err := s.store.GenerateDocument(r.Context(), sc, d.ID, code, s.now())
	if fieldOf(err) != "" || domain.ErrorCode(err) == domain.EConflict {
		st := documentsState{status: http.StatusUnprocessableEntity, summary: []string{domain.ErrorMessage(err)},
			uploadErr: map[string]string{string(code): domain.ErrorMessage(err)}}
		if domain.ErrorCode(err) == domain.EConflict {
			st.status = http.StatusConflict
		}
		s.documentRefused(w, r, sc, d, st)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", fmt.Sprintf("« %s » générée depuis les données du portail (version %d) : vérifiez-la.", store.DocTitle(code), n))
	redirect(w, r, documentsURL(d.ID, string(code)))
}

// documentReview records the CPAM referent's mark on a document.
func (s *Server) documentReview(w http.ResponseWriter, r *http.Request) {
	sc, d, _ := dossierFrom(r)
	docID, ok := pathID(chiParam(r, "doc"))
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	version := formVersion(r)
	comment := formValue(r, "comment", store.MaxReviewComment+1)
	err := s.store.ReviewDocument(r.Context(), sc, d.ID, store.DocumentReview{
		DocumentID: docID, Version: version, State: store.DocState(r.PostFormValue("state")), Comment: comment, At: s.now(),
	})
	if fieldOf(err) != "" || domain.ErrorCode(err) == domain.EConflict {
		st := documentsState{status: http.StatusUnprocessableEntity, summary: []string{domain.ErrorMessage(err)},
			reviewErr: map[int64]string{docID: domain.ErrorMessage(err)}, reviewDraft: map[int64]string{docID: comment}}
		if domain.ErrorCode(err) == domain.EConflict {
			st.status = http.StatusConflict
		}
		s.documentRefused(w, r, sc, d, st)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "Pièce acceptée."
	if r.PostFormValue("state") == string(store.DocARefaire) {
		msg = "Pièce marquée à refaire : la structure voit votre commentaire à côté de la pièce."
	}
	s.flash(r, "ok", msg)
	redirect(w, r, documentsURL(d.ID, ""))
}
