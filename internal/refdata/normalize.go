package refdata

import (
	"strings"
	"sync"
	"unicode"
)

// Normalize folds a name for search: lower case, accents and ligatures
// stripped (é→e, ç→c, œ→oe, æ→ae, ß→ss …), every character that is not a
// letter or a digit (hyphens, apostrophes, parentheses …) turned into a space,
// runs of spaces collapsed, no leading or trailing space.
//
//	Normalize("L'Abergement-Clémenciat") == "l abergement clemenciat"
//
// communes.nom_norm and epci.nom_norm hold Normalize(nom); search code must
// normalise the user's query with this same function.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false // a space is pending
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		r = unicode.ToLower(r)
		if f, ok := fold()[r]; ok {
			b.WriteString(f)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// fold maps lower-case Latin letters with diacritics to plain ASCII.
var fold = sync.OnceValue(func() map[rune]string {
	m := map[rune]string{}
	for plain, accented := range map[string]string{
		"a":  "àáâãäåāăą",
		"c":  "çćĉċč",
		"d":  "ďđð",
		"e":  "èéêëēĕėęě",
		"g":  "ĝğġģ",
		"h":  "ĥħ",
		"i":  "ìíîïĩīĭįı",
		"j":  "ĵ",
		"k":  "ķ",
		"l":  "ĺļľŀł",
		"n":  "ñńņňŉ",
		"o":  "òóôõöøōŏő",
		"r":  "ŕŗř",
		"s":  "śŝşšș",
		"t":  "ţťŧț",
		"u":  "ùúûüũūŭůűų",
		"w":  "ŵ",
		"y":  "ýÿŷ",
		"z":  "źżž",
		"ae": "æ",
		"oe": "œ",
		"ss": "ß",
		"th": "þ",
	} {
		for _, r := range accented {
			m[r] = plain
		}
	}
	return m
})
