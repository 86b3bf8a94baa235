// Package safe makes untrusted text (event names, property values, user ids) fit to draw:
// event data can carry escape sequences (an OSC 52 clipboard write, a cursor move) or
// bidirectional overrides that would make the screen lie.
package safe

import (
	"strings"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

// Text returns s with escape sequences removed and every control, bidi-override and
// other invisible formatting character replaced by a visible placeholder, on one line.
func Text(s string) string {
	if isPlain(s) {
		return s
	}
	s = ansi.Strip(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteRune(' ')
		case r == unicode.ReplacementChar:
			b.WriteRune('�')
		case unicode.IsControl(r) || isBidi(r) || unicode.Is(unicode.Cf, r):
			b.WriteRune('·')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlain is the fast path: printable ASCII needs no work.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

func isBidi(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, // LRE, RLE, PDF, LRO, RLO
		r >= 0x2066 && r <= 0x2069, // LRI, RLI, FSI, PDI
		r == 0x200E || r == 0x200F || r == 0x061C:
		return true
	}
	return false
}
