package server

import (
	"bytes"
	"net/http"

	"github.com/a-h/templ"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/layout"
)

// render writes a templ component with a status. It renders into a buffer
// first, so a rendering error becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		s.log.Error("render", append(logAttrs(r), "error", err.Error())...)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("Erreur d'affichage. Référence : " + requestIDFrom(r.Context())))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Add("Vary", "HX-Request")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// page builds the frame's view model for the current request: who is logged
// in, the navigation for their role, and a pending flash message.
func (s *Server) page(r *http.Request, title string) layout.Page { return s.pageOf(r, title, nil) }

// frame is what the frame reads in the batch of the page's own reads (the
// unread badge), so that a page costs one round trip besides the session
// (docs/rules.md §35.1).
type frame struct {
	unread int
}

// readFrame queues the frame's reads on rd, the page's batch; pageOf shows
// them once it has been sent.
func (s *Server) readFrame(rd *store.Reads) *frame {
	f := &frame{}
	rd.UnreadTotal(layout.UnreadMax+1, &f.unread)
	return f
}

// pageOf is page with the frame's reads already made in the page's batch
// (readFrame); f nil: page reads them itself.
func (s *Server) pageOf(r *http.Request, title string, f *frame) layout.Page {
	ctx := r.Context()
	p := layout.Page{Title: title, RequestID: requestIDFrom(ctx)}
	sc, ok := scopeFrom(ctx)
	if !ok {
		return p
	}
	v := &layout.Viewer{Name: sc.UserName, OrgName: sc.OrgName, RoleLabel: sc.Role.Label(), ActiveOrgID: sc.OrgID}
	ms, ok := ctx.Value(keyMemberships).([]store.Membership)
	var err error
	if !ok {
		ms, err = s.store.Memberships(ctx, sc.UserID)
	}
	if err == nil {
		for _, m := range ms {
			o := layout.MembershipOption{OrgID: m.OrgID, Label: m.OrgName + " (" + m.Role.Label() + ")"}
			if m.Archived {
				o.Label, o.Disabled = o.Label+" — archivée", true
			}
			v.Memberships = append(v.Memberships, o)
		}
	}
	v.Nav = s.nav(r, viewerPerm(ctx))
	if f != nil {
		v.Unread = f.unread
	} else {
		v.Unread = s.unreadCount(r)
	}
	p.Viewer = v
	if k, f := s.takeFlash(r); f != "" {
		p.Flash, p.FlashKind = f, k
	}
	return p
}

// nav is the main navigation: every entry, or the entries whose act the
// viewer may do (p: the viewer's permission outside any record).
func (s *Server) nav(r *http.Request, p access.Permission) []layout.NavItem {
	const everyone = access.Act(-1)
	var out []layout.NavItem
	for _, n := range []struct {
		label, href string
		act         access.Act
	}{
		{"Accueil", "/", everyone},
		{"Structures", "/structures", everyone},
		{"Dossiers", "/dossiers", everyone},
		{"Instruction", "/instruction", access.ActSeeInstruction},
		{"Sièges", "/changements-de-siege", access.ActDecideSeatChange},
		{"Paiements", "/paiements", access.ActViewPayments},
		{"Crises", "/crises", access.ActSeeCrises},
		{"Simulateur", "/simulateur", everyone},
		{"Barèmes", "/baremes", everyone},
		{"Pilotage", "/pilotage", access.ActSteer},
		{"Administration", "/admin/utilisateurs", access.ActAdminister},
		{"Mon compte", "/compte", everyone},
	} {
		if n.act == access.ActDecideSeatChange {
			// A structure act: who decides the seat changes of structures
			// (docs/rules.md §33).
			if sc, _ := scopeFrom(r.Context()); !access.For(sc.Viewer(), access.Structure(0, "", false)).Can(n.act) {
				continue
			}
		} else if n.act != everyone && !p.Can(n.act) {
			continue
		}
		cur := r.URL.Path == n.href || (n.href != "/" && len(r.URL.Path) > len(n.href) && r.URL.Path[:len(n.href)+1] == n.href+"/")
		out = append(out, layout.NavItem{Label: n.label, Href: n.href, Current: cur})
	}
	return out
}

// unreadCount is the header badge: unread notifications plus unread
// messages of the viewer (notification_page.go).
func (s *Server) unreadCount(r *http.Request) int { return s.unreadCountFor(r) }

// redirect answers POST → 303 → GET.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}
