// Package layout holds the shared page frame and its view model.
package layout

import "strconv"

// Page is what every page gives the frame.
type Page struct {
	Title     string   // the <title> and usually the <h1>
	Viewer    *Viewer  // nil on public pages (login, errors when logged out)
	Flash     string   // a one-time message after a redirect
	FlashKind string   // "", "ok", "warn", "error"
	RequestID string   // shown on error pages
	Scripts   []string // extra static scripts (web.Path already applied)
}

// Viewer is the logged-in user as the header shows them.
type Viewer struct {
	Name        string
	OrgName     string
	RoleLabel   string
	ActiveOrgID int64
	Memberships []MembershipOption // for the switcher (shown when > 1)
	Nav         []NavItem
	Unread      int // unread notifications and messages, counted up to UnreadMax+1
}

// UnreadMax is the largest count the header badge spells out; above it the
// badge says « 99+ » and the count stops there (docs/rules.md §35).
const UnreadMax = 99

// UnreadBadge is the text of the header badge for n unread items.
func UnreadBadge(n int) string {
	if n > UnreadMax {
		return strconv.Itoa(UnreadMax) + "+"
	}
	return strconv.Itoa(n)
}

// MembershipOption is one entry of the organisation switcher.
type MembershipOption struct {
	OrgID    int64
	Label    string
	Disabled bool // an archived organisation: shown, not selectable
}

// NavItem is one link of the main navigation.
type NavItem struct {
	Label   string
	Href    string
	Current bool
	Badge   int
}
