package domain

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestRolesOrderedPerKind(t *testing.T) {
	tests := []struct {
		r, min Role
		want   bool
	}{
		{RoleCoordinator, RoleMember, true},
		{RoleMember, RoleCoordinator, false},
		{RoleCoordinator, RoleCoordinator, true},
		{RoleManager, RoleReferent, true},
		{RoleReferent, RoleManager, false},
		{RoleDirector, RoleAgent, true},
		{RoleAgent, RoleDirector, false},
		{RoleReviewer, RoleReviewer, true},
		// Ranks never compare across organisation kinds.
		{RoleDirector, RoleMember, false},
		{RoleAdmin, RoleCoordinator, false},
		{RoleManager, RoleAgent, false},
		{Role("chef"), RoleMember, false},
	}
	for _, tt := range tests {
		if got := tt.r.AtLeast(tt.min); got != tt.want {
			t.Errorf("%s.AtLeast(%s) = %v, want %v", tt.r, tt.min, got, tt.want)
		}
	}
}

func TestRolesBelongToOneKind(t *testing.T) {
	want := map[OrgKind][]Role{
		OrgStructure: {RoleMember, RoleCoordinator},
		OrgCPAM:      {RoleReferent, RoleManager},
		OrgARS:       {RoleAgent, RoleDirector},
		OrgDCGDR:     {RoleReviewer},
		OrgNational:  {RoleAdmin},
	}
	for k, roles := range want {
		if !k.Valid() {
			t.Errorf("%s not valid", k)
		}
		got := RolesFor(k)
		if fmt.Sprint(got) != fmt.Sprint(roles) {
			t.Errorf("RolesFor(%s) = %v, want %v", k, got, roles)
		}
		for _, r := range roles {
			if !r.Valid() || r.Kind() != k || !r.AllowedFor(k) || r.Label() == string(r) {
				t.Errorf("%s: kind %s, label %q", r, r.Kind(), r.Label())
			}
		}
	}
	if RoleDirector.AllowedFor(OrgStructure) || Role("x").Valid() || OrgKind("x").Valid() {
		t.Error("unknown or misplaced role accepted")
	}
}

func TestMulDivRoundsHalfAwayFromZero(t *testing.T) {
	tests := []struct {
		c        Cents
		num, den int64
		want     Cents
	}{
		{Euros(52500), 273, 365, 3926712}, // docs/rules.md §8 example: 39 267,12 €
		{1, 1, 2, 1},                      // 0.5 → 1
		{-1, 1, 2, -1},                    // -0.5 → -1
		{3, 1, 2, 2},                      // 1.5 → 2
		{5, 1, 3, 2},                      // 1.666 → 2
		{4, 1, 3, 1},                      // 1.333 → 1
		{Euros(30000), 8500, 10000, Euros(25500)},
		{0, 7, 9, 0},
	}
	for _, tt := range tests {
		if got := MulDiv(tt.c, tt.num, tt.den); got != tt.want {
			t.Errorf("MulDiv(%d, %d, %d) = %d, want %d", tt.c, tt.num, tt.den, got, tt.want)
		}
	}
}

func TestFormatEUR(t *testing.T) {
	tests := map[Cents]string{
		Euros(87500):   "87\u202f500,00\u00a0€",
		0:              "0,00\u00a0€",
		5:              "0,05\u00a0€",
		3926712:        "39\u202f267,12\u00a0€",
		Euros(580000):  "580\u202f000,00\u00a0€",
		-12345:         "-123,45\u00a0€",
		Euros(1234567): "1\u202f234\u202f567,00\u00a0€",
	}
	for c, want := range tests {
		if got := FormatEUR(c); got != want {
			t.Errorf("FormatEUR(%d) = %q, want %q", c, got, want)
		}
	}
}

func TestFormatPlain(t *testing.T) {
	tests := map[Cents]string{
		Euros(87500):   "87500,00",
		0:              "0,00",
		5:              "0,05",
		-8216095:       "-82160,95",
		Euros(1234567): "1234567,00",
	}
	for c, want := range tests {
		if got := FormatPlain(c); got != want {
			t.Errorf("FormatPlain(%d) = %q, want %q", c, got, want)
		}
	}
}

func TestDates(t *testing.T) {
	d, err := ParseDate("2025-03-15")
	if err != nil {
		t.Fatal(err)
	}
	if got := d.AddMonths(2); got.String() != "2025-05-15" || got.French() != "15/05/2025" {
		t.Errorf("15/03/2025 + 2 months = %s", got)
	}
	if got := NewDate(2024, 8, 31).AddMonths(6); got.String() != "2025-02-28" {
		t.Errorf("31/08/2024 + 6 months = %s", got)
	}
	if got := NewDate(2023, 8, 31).AddMonths(6); got.String() != "2024-02-29" {
		t.Errorf("31/08/2023 + 6 months = %s", got)
	}
	if got := NewDate(2024, 2, 29).AddYears(1); got.String() != "2025-02-28" {
		t.Errorf("29/02/2024 + 1 year = %s", got)
	}
	if n := NewDate(2024, 3, 1).DaysUntil(NewDate(2025, 3, 1)); n != 365 {
		t.Errorf("days 2024-03-01..2025-03-01 = %d", n)
	}
	if n := NewDate(2023, 3, 1).DaysUntil(NewDate(2024, 3, 1)); n != 366 {
		t.Errorf("days 2023-03-01..2024-03-01 = %d", n)
	}
	// Calendar dates are read in Europe/Paris: 23:30 UTC on 31/12 is already 1 January in Paris.
	if got := DateOf(time.Date(2025, 12, 31, 23, 30, 0, 0, time.UTC)); got.String() != "2026-01-01" {
		t.Errorf("DateOf = %s", got)
	}
	if _, err := ParseDate("2025-02-30"); ErrorCode(err) != EInvalid {
		t.Errorf("ParseDate(2025-02-30) = %v", err)
	}
}

func TestErrorCodes(t *testing.T) {
	e := FieldError("siret", "SIRET invalide")
	wrapped := fmt.Errorf("store.X: %w", e)
	if ErrorCode(wrapped) != EInvalid || ErrorMessage(wrapped) != "SIRET invalide" {
		t.Errorf("wrapped: %s %s", ErrorCode(wrapped), ErrorMessage(wrapped))
	}
	if ErrorCode(errors.New("boom")) != EInternal || ErrorCode(nil) != "" {
		t.Error("codes of plain and nil errors")
	}
	if ErrorMessage(errors.New("pq: secret detail")) == "pq: secret detail" {
		t.Error("internal error detail leaked to the user message")
	}
	if !IsNotFound(Errorf(ENotFound, "x")) {
		t.Error("IsNotFound")
	}
}

func TestFrenchDateInputAndDateTime(t *testing.T) {
	for in, want := range map[string]string{"15/03/2025": "2025-03-15", "5/3/2025": "2025-03-05", "2025-03-15": "2025-03-15", " 29/02/2024 ": "2024-02-29"} {
		if d, err := ParseFrenchDate(in); err != nil || d.String() != want {
			t.Errorf("ParseFrenchDate(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	for _, in := range []string{"", "30/02/2025", "29/02/2025", "2025/03/15", "15-03-2025", "abc"} {
		if _, err := ParseFrenchDate(in); ErrorCode(err) != EInvalid {
			t.Errorf("ParseFrenchDate(%q) accepted", in)
		}
	}
	// 23:30 UTC in January is 00:30 the next day in Paris.
	if got := FrenchDateTime(time.Date(2025, 1, 31, 23, 30, 0, 0, time.UTC)); got != "01/02/2025 à 00:30" {
		t.Errorf("FrenchDateTime = %q", got)
	}
}
