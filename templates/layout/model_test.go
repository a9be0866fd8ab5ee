package layout

import (
	"strconv"
	"testing"
)

// The header badge spells out up to UnreadMax, then says « 99+ ».
func TestUnreadBadge(t *testing.T) {
	for n, want := range map[int]string{1: "1", UnreadMax: strconv.Itoa(UnreadMax), UnreadMax + 1: strconv.Itoa(UnreadMax) + "+", 5000: strconv.Itoa(UnreadMax) + "+"} {
		if got := UnreadBadge(n); got != want {
			t.Errorf("UnreadBadge(%d) = %q, want %q", n, got, want)
		}
	}
}
