package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// TestMessagesScopeInternalNotesAndUnread: the thread is scoped (not found
// outside), internal notes never reach structure users (list, attachment,
// unread counts), unread counts drop when read.
func TestMessagesScopeInternalNotesAndUnread(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	now := time.Now()
	id := freshDossier(t, st, scopes[coordA]) // Ain
	post := func(who, body string, internal bool, file []byte) error {
		_, err := st.PostMessage(ctx, scopes[who], store.NewMessage{DossierID: id, Body: body, Internal: internal,
			Filename: "note.pdf", Data: file, At: now, LinkBase: "http://x"})
		return err
	}
	if err := post(coordA, "Bonjour, <script>alert(1)</script>\nDeuxième ligne", false, nil); err != nil {
		t.Fatal(err)
	}
	if err := post(referen, "Pièce manquante : voir note.", false, []byte("%PDF-1.4\n%test\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")); err != nil {
		t.Fatal(err)
	}
	if err := post(arsDir, "Entre nous : dossier fragile.", true, []byte("%PDF-1.4\n%interne\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		who  string
		err  string
		body string
	}{
		{coordA, domain.EInvalid, "note interne"},     // structure cannot write internal
		{coordA, domain.EInvalid, ""},                 // empty
		{coordB, domain.ENotFound, "hors territoire"}, // another structure
		{adminD, domain.EUnauthorized, "lecture seule"},
	} {
		err := post(tt.who, tt.body, tt.body == "note interne", nil)
		if domain.ErrorCode(err) != tt.err {
			t.Errorf("%s posting %q: %v, want %s", tt.who, tt.body, err, tt.err)
		}
	}
	if err := post(referen, string(make([]rune, store.MaxMessageBody+1)), false, nil); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("too long accepted: %v", err)
	}
	if err := post(referen, "fichier", false, []byte("MZ\x90\x00 not a document")); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("bad attachment accepted: %v", err)
	}
	for _, tt := range []struct {
		who  string
		want int // messages visible, -1: not found
	}{{coordA, 2}, {referen, 3}, {arsDir, 3}, {dcgdrR, 3}, {adminD, 3}, {coordB, -1}, {coordN, -1}} {
		msgs, err := st.ListMessages(ctx, scopes[tt.who], id)
		if tt.want < 0 {
			if !domain.IsNotFound(err) {
				t.Errorf("%s: %v, want not found", tt.who, err)
			}
			continue
		}
		if err != nil || len(msgs) != tt.want {
			t.Errorf("%s sees %d messages (%v), want %d", tt.who, len(msgs), err, tt.want)
		}
		for _, m := range msgs {
			if m.Internal && tt.who == coordA {
				t.Errorf("structure sees internal note %q", m.Body)
			}
		}
	}
	// The internal note's attachment is not found for the structure.
	all, _ := st.ListMessages(ctx, scopes[referen], id)
	internalAtt := all[2].Attachments[0].ID
	if _, err := st.MessageAttachment(ctx, scopes[coordA], id, internalAtt); !domain.IsNotFound(err) {
		t.Errorf("structure downloads internal attachment: %v", err)
	}
	if a, err := st.MessageAttachment(ctx, scopes[coordA], id, all[1].Attachments[0].ID); err != nil || a.ContentType != "application/pdf" {
		t.Errorf("public attachment: %+v %v", a.AttachmentInfo, err)
	}
	if _, err := st.MessageAttachment(ctx, scopes[coordB], id, all[1].Attachments[0].ID); !domain.IsNotFound(err) {
		t.Errorf("other structure downloads: %v", err)
	}
	// Unread: posting reads the thread up to one's message. The structure has 1
	// (the referent's), the referent 1 (the ARS note), the ARS 0.
	for who, want := range map[string]int{coordA: 1, referen: 1, arsDir: 0, coordB: 0} {
		if n, err := st.UnreadMessages(ctx, scopes[who], 0); err != nil || n != want {
			t.Errorf("%s unread = %d, %v; want %d", who, n, err, want)
		}
	}
	if err := st.MarkMessagesRead(ctx, scopes[coordA], id, now); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.UnreadMessages(ctx, scopes[coordA], id); n != 0 {
		t.Errorf("after read: %d unread", n)
	}
	if err := st.MarkMessagesRead(ctx, scopes[coordB], id, now); !domain.IsNotFound(err) {
		t.Errorf("mark read outside scope: %v", err)
	}
	// Notifications: the structure was told of the referent's message only,
	// never of the internal note.
	var structNotes, internalToStructure int
	pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FILTER (WHERE n.kind = 'message'), count(*) FILTER (WHERE n.title LIKE '%note interne%')
		FROM notifications n WHERE n.user_id = $1`, scopes[coordA].UserID).Scan(&structNotes, &internalToStructure)
	if structNotes != 1 || internalToStructure != 0 {
		t.Errorf("structure notifications: %d messages, %d internal", structNotes, internalToStructure)
	}
}

// The header badge (UnreadTotal) is the unread notifications plus the
// unread messages, counted up to its bound and no further
// (docs/rules.md §35).
func TestUnreadTotalIsBounded(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	now := time.Now()
	id := freshDossier(t, st, scopes[coordA])
	for _, body := range []string{"Premier message.", "Deuxième message."} {
		if _, err := st.PostMessage(ctx, scopes[referen], store.NewMessage{DossierID: id, Body: body, At: now, LinkBase: "http://x"}); err != nil {
			t.Fatal(err)
		}
	}
	sc := scopes[coordA]
	msgs, err := st.UnreadMessages(ctx, sc, 0)
	if err != nil || msgs < 2 {
		t.Fatalf("unread messages = %d, %v; want at least 2", msgs, err)
	}
	var notes int
	if err := pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, sc.UserID).Scan(&notes); err != nil {
		t.Fatal(err)
	}
	all := notes + msgs
	for _, tt := range []struct{ max, want int }{{all + 10, all}, {all, all}, {all - 1, all - 1}, {1, 1}, {0, 0}} {
		if n, err := st.UnreadTotal(ctx, sc, tt.max); err != nil || n != tt.want {
			t.Errorf("UnreadTotal(max %d) = %d, %v; want %d (%d notifications, %d messages)", tt.max, n, err, tt.want, notes, msgs)
		}
	}
}

// The frame's badge counts the same unread messages without joining the
// messages' dossiers and structures (docs/rules.md §35.1): for every role,
// on dossiers of two structures, with internal notes, a thread read, and
// a count cut by the bound.
func TestUnreadWithoutJoinsSameCount(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	now := time.Now()
	a, b := freshDossier(t, st, scopes[coordA]), freshDossier(t, st, scopes[coordB])
	for _, m := range []struct {
		who      string
		id       int64
		internal bool
	}{{coordA, a, false}, {referen, a, false}, {arsDir, a, true}, {referen, a, false}, {coordB, b, false}, {arsDir, b, false}, {dcgdrR, b, true}} {
		if _, err := st.PostMessage(ctx, scopes[m.who], store.NewMessage{DossierID: m.id, Body: "Message de " + m.who, Internal: m.internal, At: now, LinkBase: "http://x"}); err != nil {
			t.Fatal(m.who, err)
		}
	}
	if err := st.MarkMessagesRead(ctx, scopes[referen], a, now); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PostMessage(ctx, scopes[coordA], store.NewMessage{DossierID: a, Body: "Après la lecture.", At: now, LinkBase: "http://x"}); err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for who, sc := range scopes {
		for _, max := range []int{100, 2} {
			got, err := st.UnreadTotal(ctx, sc, max)
			if err != nil {
				t.Fatal(who, err)
			}
			want, err := st.UnreadTotalJoinedForTest(ctx, sc, max)
			if err != nil {
				t.Fatal(who, err)
			}
			if got != want {
				t.Errorf("%s (max %d): %d unread, %d with the joins", who, max, got, want)
			}
			seen[got] = true
		}
	}
	if len(seen) < 3 {
		t.Fatalf("too few distinct counts compared: %v", seen)
	}
}
