package registry

import (
	"errors"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
)

func TestParseSIRET(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"73282932000074", "73282932000074", true},
		{" 732 829 320 00074 ", "73282932000074", true},
		{"732\u00a0829\u202f320 00074", "73282932000074", true},
		{"35600000049837", "35600000049837", true}, // La Poste: digit sum 45, not Luhn
		{"35600000000048", "35600000000048", true}, // La Poste siège: Luhn
		{"35600000049838", "", false},              // La Poste, sum 46
		{"73282932000075", "", false},              // Luhn KO
		{"12345678912345", "", false},
		{"7328293200007", "", false},  // 13 digits
		{"7328293200007A", "", false}, // letter
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := ParseSIRET(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSIRET(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil {
			var de *domain.Error
			if !errors.As(err, &de) || de.Field != "siret" || de.Code != domain.EInvalid || de.Message == "" {
				t.Errorf("ParseSIRET(%q) error %#v not a siret field error", tt.in, err)
			}
		}
	}
}

func TestParseSIREN(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true}, // optional
		{"   ", "", true},
		{"732 829 320", "732829320", true},
		{"356000000", "356000000", true},
		{"552081317", "552081317", true},
		{"123456789", "", false},
		{"73282932", "", false},
		{"73282932X", "", false},
	}
	for _, tt := range tests {
		got, err := ParseSIREN(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSIREN(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseFINESS(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"750712184", "750712184", true},
		{"690 781 810", "690781810", true},
		{"130786049", "130786049", true},
		{"970421038", "970421038", true},
		{"2a0000123", "2A0000123", true}, // Corsica: format only
		{"2B0001234", "2B0001234", true},
		{"750712185", "", false}, // key KO
		{"75071218", "", false},  // 8 chars
		{"7507121845", "", false},
		{"2C0000123", "", false},
		{"7A0000123", "", false},
		{"000000000", "", false}, // département 00
		{"200000004", "", false}, // 20 is not a département code
		{"960000006", "", false},
		{"75071218X", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := ParseFINESS(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseFINESS(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseRPPS(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"10005173140", "10005173140", true},
		{"100 0517 3140", "10005173140", true},
		{"10101201234", "", false}, // made-up FHIR example: Luhn KO
		{"10005173141", "", false},
		{"1000517314", "", false},
		{"1000517314A", "", false},
	}
	for _, tt := range tests {
		got, err := ParseRPPS(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseRPPS(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseEmail(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"marie.dupont@cpts-lille.fr", "marie.dupont@cpts-lille.fr", true},
		{"  Marie@Exemple.FR ", "Marie@exemple.fr", true},
		{"", "", false},
		{"marie", "", false},
		{"marie@exemple", "", false},
		{"Marie <marie@exemple.fr>", "", false},
		{"a@b@c.fr", "", false},
		{"marie@.fr", "", false},
		{"marie@exemple..fr", "", false},
		{"marie dupont@exemple.fr", "", false},
		{"a@b.fr,c@d.fr", "", false},
	}
	for _, tt := range tests {
		got, err := ParseEmail(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseEmail(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParsePhone(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"01 23 45 67 89", "0123456789", true},
		{"06.12.34.56.78", "0612345678", true},
		{"+33 6 12 34 56 78", "0612345678", true},
		{"+33 (0)6 12 34 56 78", "0612345678", true},
		{"0033612345678", "0612345678", true},
		{"+262 262 12 34 56", "+262262123456", true},
		{"0012345", "", false}, // "00" is the international prefix: +12345 is too short
		{"612345678", "", false},
		{"01 23 45 67", "", false},
		{"+33 6 12 34", "", false},
		{"+1234", "", false},
		{"01-23-45-67-8x", "", false},
	}
	for _, tt := range tests {
		got, err := ParsePhone(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParsePhone(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseCommuneCode(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"59350", "59350", true},
		{" 01001 ", "01001", true},
		{"2a004", "2A004", true},
		{"97411", "97411", true},
		{"1001", "", false}, // leading zero lost by Excel
		{"", "", false},
		{"5935", "", false},
		{"593500", "", false},
		{"2C004", "", false},
		{"20004", "", false},
		{"00123", "", false},
		{"ABCDE", "", false},
	}
	for _, tt := range tests {
		got, err := ParseCommuneCode(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseCommuneCode(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestLuhn(t *testing.T) {
	for s, want := range map[string]bool{"0": true, "79927398713": true, "79927398710": false, "18": true, "": true} {
		if got := luhn(s); got != want {
			t.Errorf("luhn(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestHasForbiddenChars(t *testing.T) {
	for _, tc := range []struct {
		name string
		bad  bool
	}{
		{"Maison de santé de l'Œuf — Saint-Étienne", false},
		{"ESP Ṣaḥrā’ 日本 ÆØÅ", false},
		{"ESP \u202egnp.exe", true}, // right-to-left override
		{"ESP \u202ax", true},
		{"ESP \u2066x\u2069", true}, // isolates
		{"MSP\u0000", true},
		{"MSP\u0007", true},
		{"MSP\u001b[31m", true},
		{"MSP\u007f", true},
		{"MSP\u0085", true}, // C1
		{"MSP\tSud", true},
	} {
		if got := HasForbiddenChars(tc.name); got != tc.bad {
			t.Errorf("%q: %v, want %v", tc.name, got, tc.bad)
		}
	}
}
