package server

import (
	"errors"
	"fmt"
	"github.com/portail-aci/aci/internal/access"
	"io"
	"net/http"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/filetype"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

func (s *Server) messagesShow(w http.ResponseWriter, r *http.Request) {
	s.renderMessages(w, r, http.StatusOK, pages.MessagesView{})
}

// renderMessages shows the thread; form carries a refused post's values and
// errors. Showing it marks nothing read (a GET commits nothing,
// docs/rules.md §35): the "marquer comme lu" button does (messagesRead), and
// so does posting a message.
func (s *Server) renderMessages(w http.ResponseWriter, r *http.Request, status int, form pages.MessagesView) {
	ctx := r.Context()
	sc, d, p := dossierFrom(r)
	id := d.ID
	msgs, err := s.store.ListMessages(ctx, sc, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	unread, err := s.store.UnreadMessages(ctx, sc, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := form
	v.DossierID, v.StructureName, v.StateLabel = d.ID, d.StructureName, d.State.Label()
	v.CanPost, v.CanInternal = p.Can(access.ActPostMessage), p.Can(access.ActPostInternalNote)
	v.Accept, v.Allowed, v.Max, v.MaxBytes = filetype.Accept, filetype.Allowed, store.MaxMessageBody, filetype.MaxSize
	v.MaxLabel = domain.GroupThousands(store.MaxMessageBody)
	v.Unread = unread
	for _, m := range msgs {
		mv := pages.MessageView{ID: m.ID, Author: m.AuthorName, Org: m.OrgName, Date: domain.FrenchDateTime(m.CreatedAt),
			DateTime: m.CreatedAt.UTC().Format(time.RFC3339), Body: m.Body, Internal: m.Internal, Mine: m.AuthorUserID == sc.UserID}
		for _, a := range m.Attachments {
			mv.Attachments = append(mv.Attachments, pages.AttachmentView{
				Href: fmt.Sprintf("/dossiers/%d/messages/pieces/%d", d.ID, a.ID), Name: a.Filename, Size: formatSize(int64(a.Size))})
		}
		v.Messages = append(v.Messages, mv)
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, pages.Messages(s.page(r, "Messages — "+d.StructureName), v))
}

// messagesRead marks the dossier's thread read by the viewer (the explicit
// act that replaces the read-marking of a page view, docs/rules.md §35).
func (s *Server) messagesRead(w http.ResponseWriter, r *http.Request) {
	sc, d, _ := dossierFrom(r)
	if err := s.store.MarkMessagesRead(r.Context(), sc, d.ID, s.now()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "Fil marqué comme lu.")
	redirect(w, r, fmt.Sprintf("/dossiers/%d/messages", d.ID))
}

func (s *Server) messagePost(w http.ResponseWriter, r *http.Request) {
	sc, d, _ := dossierFrom(r)
	id := d.ID
	if !s.parseForm(w, r) {
		return
	}
	in := store.NewMessage{DossierID: id, Body: r.PostFormValue("body"), Internal: r.PostFormValue("internal") == "1",
		At: s.now(), LinkBase: s.cfg.BaseURL}
	if f, h, err := r.FormFile("attachment"); err == nil {
		data, err := io.ReadAll(io.LimitReader(f, filetype.MaxSize+1))
		f.Close()
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(data) > 0 || h.Filename != "" {
			in.Filename, in.Data = h.Filename, data
		}
	} else if !errors.Is(err, http.ErrMissingFile) && !errors.Is(err, http.ErrNotMultipart) {
		s.fail(w, r, domain.Errorf(domain.EInvalid, "Pièce jointe illisible : recommencez."))
		return
	}
	_, err := s.store.PostMessage(idempotent(r), sc, in)
	if err == nil || errors.Is(err, store.ErrMessageAlreadyPosted) {
		// A double click posts once; the second answer says so.
		msg := "Message envoyé."
		if err != nil {
			msg = domain.ErrorMessage(err)
		}
		s.flash(r, "ok", msg)
		redirect(w, r, fmt.Sprintf("/dossiers/%d/messages", id))
		return
	}
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.EInvalid && de.Field != "" {
		form := pages.MessagesView{Body: in.Body, Internal: in.Internal, Errors: []string{de.Message}}
		switch de.Field {
		case "attachment":
			form.FileError = de.Message
		default:
			form.BodyError = de.Message
		}
		s.renderMessages(w, r, http.StatusUnprocessableEntity, form)
		return
	}
	s.fail(w, r, err)
}

func (s *Server) messageAttachment(w http.ResponseWriter, r *http.Request) {
	sc, d, _ := dossierFrom(r)
	id := d.ID
	aid, ok := pathID(chiParam(r, "aid"))
	if !ok {
		s.notFound(w, r)
		return
	}
	a, err := s.store.MessageAttachment(r.Context(), sc, id, aid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// As documentDownload: attachment with an ASCII fallback name and the
	// exact UTF-8 one, nosniff, and a sandbox CSP in case a browser renders it.
	sendFile(w, r, a.Filename, a.ContentType, "", a.Data)
}
