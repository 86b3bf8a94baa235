// Package safe makes untrusted text (event names, property values, user ids) fit to draw:
// event data can carry escape sequences (an OSC 52 clipboard write, a cursor move) or
// bidirectional overrides that would make the screen lie.
package safe

import (
	"path/filepath"
	"strconv"
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

// Lines is Text of each line of s: a message of several lines keeps its lines.
func Lines(s string) string {
	if isPlain(strings.ReplaceAll(s, "\n", " ")) {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Text(l)
	}
	return strings.Join(lines, "\n")
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

// MaxShown is how many characters of one value a message shows (see Short).
const MaxShown = 64

// Short is Text of s for a message: when s is longer than MaxShown characters, its start,
// an ellipsis and its whole length ("aaaa… (1048576 bytes)"), so that a megabyte-long
// name cannot flood an error or a log line.
func Short(s string) string {
	head, cut := Head(s)
	if !cut {
		return Text(s)
	}
	return Text(head) + "…" + sizeNote(s)
}

// Quote is Short in double quotes, the way a message cites a value: "add_to_kart", or
// "aaaa…" (1048576 bytes).
func Quote(s string) string {
	head, cut := Head(s)
	if !cut {
		return strconv.Quote(Text(s))
	}
	return strconv.Quote(Text(head)+"…") + sizeNote(s)
}

// Head is s's first MaxShown characters, and whether that left any out.
func Head(s string) (string, bool) {
	n := 0
	for i := range s {
		if n == MaxShown {
			return s[:i], true
		}
		n++
	}
	return s, false
}

func sizeNote(s string) string { return " (" + strconv.Itoa(len(s)) + " bytes)" }

// WithoutDir is text with the folder dir hidden: files under it are named relative to
// it, and the folder itself by label. Over SSH a visitor's errors and messages name
// segment files this way, never by the server's own paths. An empty label hides nothing.
func WithoutDir(text, dir, label string) string {
	if label == "" || dir == "" {
		return text
	}
	dir = filepath.Clean(dir)
	text = strings.ReplaceAll(text, dir+string(filepath.Separator), "")
	return strings.ReplaceAll(text, dir, label)
}
