package server

import (
	"net/http"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/components"
	"github.com/portail-aci/aci/templates/layout"
	"github.com/portail-aci/aci/templates/pages"
)

const notificationsPerPage = 50

func notificationKind(k string) string {
	switch k {
	case store.NotifTransition:
		return "Étape du dossier"
	case store.NotifMessage:
		return "Message"
	case store.NotifReminder:
		return "Échéance"
	}
	return ""
}

func (s *Server) notificationsShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	pg := pageNumber(r)
	// The list (count and page), the unread count and the frame's badge:
	// one batch (docs/rules.md §35.1).
	rd := store.NewReads(sc)
	fr := s.readFrame(rd)
	var items []store.Notification
	var total, unread int
	rd.ListNotifications(sc.UserID, store.Page{Number: pg, Size: notificationsPerPage}, &items, &total)
	rd.UnreadNotifications(sc.UserID, &unread)
	if err := s.store.Send(ctx, rd); err != nil {
		s.fail(w, r, err)
		return
	}
	v := pages.NotificationsView{Unread: unread,
		Pager: components.Pager{Page: pg, Pages: (total + notificationsPerPage - 1) / notificationsPerPage, Total: total, Base: "/notifications?"}}
	for _, n := range items {
		v.Items = append(v.Items, pages.NotificationView{ID: n.ID, Title: n.Title, Body: n.Body, Date: domain.FrenchDateTime(n.CreatedAt),
			DateTime: n.CreatedAt.UTC().Format(time.RFC3339), Unread: n.ReadAt == nil, Kind: notificationKind(n.Kind)})
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, pages.Notifications(s.pageOf(r, "Notifications", fr), v))
}

// notificationOpen marks one notification read and goes to its page.
func (s *Server) notificationOpen(w http.ResponseWriter, r *http.Request) {
	sc, _ := scopeFrom(r.Context())
	id, ok := pathID(chiParam(r, "nid"))
	if !ok {
		s.notFound(w, r)
		return
	}
	link, err := s.store.MarkNotificationRead(r.Context(), sc.UserID, id, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if link == "" || link[0] != '/' || (len(link) > 1 && (link[1] == '/' || link[1] == '\\')) {
		link = "/notifications"
	}
	redirect(w, r, link)
}

func (s *Server) notificationsReadAll(w http.ResponseWriter, r *http.Request) {
	sc, _ := scopeFrom(r.Context())
	n, err := s.store.MarkAllNotificationsRead(r.Context(), sc.UserID, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if n > 0 {
		s.flash(r, "ok", "Toutes les notifications sont marquées comme lues.")
	}
	redirect(w, r, "/notifications")
}

// unreadCountFor is the header badge: unread notifications plus unread
// messages of the threads in scope, counted up to layout.UnreadMax+1 (the
// badge then says « 99+ »): the count stops there instead of reading every
// unread message of France on every page (docs/rules.md §35).
func (s *Server) unreadCountFor(r *http.Request) int {
	sc, ok := scopeFrom(r.Context())
	if !ok {
		return 0
	}
	n, err := s.store.UnreadTotal(r.Context(), sc, layout.UnreadMax+1)
	if err != nil {
		s.log.Warn("unread notifications and messages", append(logAttrs(r), "error", err.Error())...)
	}
	return n
}
