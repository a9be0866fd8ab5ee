package server

import (
	"reflect"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

// The session codec round-trips what the product keeps in a session, falls
// back to gob for any other type, reads the rows gob wrote, and refuses
// damaged data.
func TestSessionCodec(t *testing.T) {
	deadline := time.Date(2026, 12, 1, 15, 4, 5, 123456789, time.UTC)
	values := map[string]any{sessUserID: int64(42), sessOrgID: int64(-7), sessEpoch: 3, sessMFAVerified: true,
		"flag_off": false, sessNewPassword: "12:mot de passe é", "empty": ""}
	c := sessionCodec{}
	b, err := c.Encode(deadline, values)
	if err != nil || b[0] != sessionMagic0 {
		t.Fatalf("encode: %x %v", b, err)
	}
	d, got, err := c.Decode(b)
	if err != nil || !d.Equal(deadline) || !reflect.DeepEqual(got, values) {
		t.Fatalf("decode: %v %v %v, want %v", d, got, err, values)
	}
	// Another type: gob, read back by the same codec.
	other := map[string]any{"ratio": 0.5, sessUserID: int64(1)}
	b, err = c.Encode(deadline, other)
	if err != nil || b[0] == sessionMagic0 {
		t.Fatalf("encode with a float: %x %v", b, err)
	}
	if _, got, err := c.Decode(b); err != nil || !reflect.DeepEqual(got, other) {
		t.Fatalf("decode gob: %v %v", got, err)
	}
	// A row written by scs's gob codec before this one.
	old, err := scs.GobCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	if d, got, err := c.Decode(old); err != nil || !d.Equal(deadline) || !reflect.DeepEqual(got, values) {
		t.Fatalf("decode an old row: %v %v %v", d, got, err)
	}
	// Damaged: truncated anywhere, or with trailing bytes.
	b, _ = c.Encode(deadline, values)
	for i := 2; i < len(b); i++ {
		if _, _, err := c.Decode(b[:i]); err == nil {
			t.Errorf("truncated at %d/%d: no error", i, len(b))
		}
	}
	if _, _, err := c.Decode(append(b, 0)); err == nil {
		t.Error("trailing byte: no error")
	}
}
