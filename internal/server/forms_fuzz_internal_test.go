package server

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/registry"
	"github.com/portail-aci/aci/internal/store"
)

// FuzzFieldParsers: whatever a field holds, the form parsers of the
// handlers either refuse it (ok false, or the message next to the field) or
// return a value in range that reads back to itself; none panics
// (docs/rules.md §39).
func FuzzFieldParsers(f *testing.F) {
	for _, s := range []string{"0", "12", " 7 ", "-1", "2147483647", "2147483648", "99999999999999999999", "1 234", "1\u202f234\u00a0", "62,5 %", "62,5", "15/03/2026", "2026-03-15", "31/02/2026", "", "abc", "0x10", "+3", "\x00", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, ok := parseVersion(s); ok {
			if n < 0 || n > math.MaxInt32 {
				t.Fatalf("parseVersion(%q) = %d", s, n)
			}
			if back, ok := parseVersion(strconv.Itoa(n)); !ok || back != n {
				t.Fatalf("parseVersion(%q) = %d, back %d %v", s, n, back, ok)
			}
		}
		if id, ok := pathID(s); ok && id <= 0 {
			t.Fatalf("pathID(%q) = %d", s, id)
		}
		if d, ok := parseFrenchDate(s); ok {
			if back, err := domain.ParseFrenchDate(d.French()); err != nil || back != d {
				t.Fatalf("parseFrenchDate(%q) = %+v", s, d)
			}
		}
		fe := registry.FieldErrors{}
		d := parseFormDate(fe, "date", s)
		if (fe["date"] != "") == (strings.TrimSpace(s) == "" || !d.IsZero()) {
			t.Fatalf("parseFormDate(%q) = %+v, error %q", s, d, fe["date"])
		}
		fe = registry.FieldErrors{}
		if n := parseCount(fe, "n", s); n != nil {
			if *n < 0 || *n > store.MaxCount || fe["n"] != "" {
				t.Fatalf("parseCount(%q) = %d, %q", s, *n, fe["n"])
			}
			if back := parseCount(registry.FieldErrors{}, "n", domain.GroupThousands(*n)); back == nil || *back != *n {
				t.Fatalf("parseCount(%q) = %d does not read back", s, *n)
			}
		} else if (fe["n"] == "") != (withoutSpaces(s) == "") {
			t.Fatalf("parseCount(%q): nil with error %q", s, fe["n"])
		}
		for _, u := range []contractlife.Unit{contractlife.Count, contractlife.Percent} {
			fe = registry.FieldErrors{}
			if v := parseValue(fe, "v", u, s); v != nil && fe["v"] != "" {
				t.Fatalf("parseValue(%q) = %d with error %q", s, *v, fe["v"])
			} else if v == nil && strings.TrimSpace(s) != "" && fe["v"] == "" {
				t.Fatalf("parseValue(%q): nil without an error", s)
			}
		}
	})
}

// FuzzFormBody: any urlencoded body is either refused by the form parser,
// flagged by badBytes (NUL, invalid UTF-8: the 400 of parseForm), or gives
// fields that formValue trims and bounds, and a version formVersion reads
// as -1 or a valid one.
func FuzzFormBody(f *testing.F) {
	for _, s := range []string{"version=3&text=Bonjour", "text=%00", "text=%ff", "a=1&a=2", "version=-4", "version=%20%2012", "%zz", "text=" + strings.Repeat("é", 300), ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r, err := http.NewRequest(http.MethodPost, "/x", strings.NewReader(body))
		if err != nil {
			t.Skip()
		}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if err := r.ParseForm(); err != nil {
			return
		}
		if badBytes(r.PostForm) {
			return
		}
		for k := range r.PostForm {
			v := formValue(r, k, 100)
			if utf8.RuneCountInString(v) > 100 || v != strings.TrimSpace(v) && utf8.RuneCountInString(v) < 100 {
				t.Fatalf("formValue(%q) = %q", k, v)
			}
		}
		if n := formVersion(r); n < -1 || n > math.MaxInt32 {
			t.Fatalf("formVersion = %d", n)
		}
	})
}
