package segments

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/segscope/segscope/safe"
)

// Pos is a place in a source file. Lines and columns count from 1; a zero Line means the
// place is unknown (a tree built in code rather than parsed).
type Pos struct {
	File string
	Line int
	Col  int
}

// IsValid reports whether the position points at a line.
func (p Pos) IsValid() bool { return p.Line > 0 }

// String renders the position as file:line:col, dropping the parts that are unknown.
func (p Pos) String() string {
	switch {
	case p.Line > 0 && p.File != "":
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	case p.Line > 0:
		return fmt.Sprintf("%d:%d", p.Line, p.Col)
	default:
		return p.File
	}
}

func (p Pos) compare(q Pos) int {
	return cmp.Or(strings.Compare(p.File, q.File), cmp.Compare(p.Line, q.Line), cmp.Compare(p.Col, q.Col))
}

// Error is one positioned problem in a segment or campaign file.
type Error struct {
	Pos Pos
	Msg string
}

// Error renders "file:line:col: message".
func (e *Error) Error() string {
	if s := e.Pos.String(); s != "" {
		return s + ": " + e.Msg
	}
	return e.Msg
}

// ErrorList collects every problem found in a file or workspace, so one run reports all of
// them instead of stopping at the first.
type ErrorList []*Error

// maxErrors bounds how many errors one list keeps: a garbage file should not produce a
// megabyte of messages.
const maxErrors = 200

// Error prints one error per line, sorted by position.
func (l ErrorList) Error() string {
	s := slices.Clone(l)
	s.Sort()
	var b strings.Builder
	for i, e := range s {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Sort orders the list by file, line, column and message, and drops exact duplicates.
func (l *ErrorList) Sort() {
	slices.SortStableFunc(*l, func(a, b *Error) int {
		return cmp.Or(a.Pos.compare(b.Pos), strings.Compare(a.Msg, b.Msg))
	})
	*l = slices.CompactFunc(*l, func(a, b *Error) bool { return *a == *b })
}

// Err returns the list sorted as an error, or nil when it is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	l.Sort()
	return l
}

func (l *ErrorList) add(pos Pos, format string, args ...any) {
	switch {
	case len(*l) < maxErrors:
		if format != "%s" { // "%s" passes on a message composed already
			args = shortened(args)
		}
		*l = append(*l, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
	case len(*l) == maxErrors:
		*l = append(*l, &Error{Pos: pos, Msg: "too many errors; stopping here"})
	}
}

// addErr merges err (an ErrorList, an *Error, or anything else) into l.
func (l *ErrorList) addErr(pos Pos, err error) {
	switch e := err.(type) {
	case nil:
	case ErrorList:
		for _, x := range e {
			l.add(x.Pos, "%s", x.Msg)
		}
	case *Error:
		l.add(e.Pos, "%s", e.Msg)
	default:
		l.add(pos, "%s", err.Error())
	}
}

// suggest returns the candidate closest to word by edit distance when it is close enough to
// be a likely typo, or "".
func suggest(word string, candidates []string) string {
	if word == "" || len(word) > 100 {
		return ""
	}
	best, bestD := "", -1
	for _, c := range candidates {
		if len(c) > 100 || c == word {
			continue
		}
		d := editDistance(strings.ToLower(word), strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	// Short words tolerate one typo, mid-length words two, long words a third of their
	// letters: "thn_not" finds "then_not", but "foo" does not find "of".
	n := len([]rune(word))
	limit := max(2, n/3)
	switch {
	case n <= 3:
		limit = 1
	case n <= 7:
		limit = 2
	}
	if bestD < 0 || bestD > limit || bestD >= n {
		return ""
	}
	return best
}

// didYouMean formats a suggestion suffix: ` (did you mean "x"?)` or "".
func didYouMean(word string, candidates []string) string {
	if s := suggest(word, candidates); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, counted in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// DidYouMean is the suggestion suffix for a misspelt name: ` (did you mean "x"?)`, or ""
// when no candidate is close. Tools that check names of their own (the explorer's builder)
// phrase their errors like the parser's.
func DidYouMean(word string, candidates []string) string { return didYouMean(word, candidates) }

// shortened wraps the strings among args that are longer than safe.MaxShown characters so that
// %q quotes their start and length: a message about a megabyte-long name quotes 64
// characters of it. Other verbs print them whole (lists of choices, composed messages).
func shortened(args []any) []any {
	out := args
	for i, a := range args {
		s, ok := a.(string)
		if !ok || len(s) <= safe.MaxShown || utf8.RuneCountInString(s) <= safe.MaxShown {
			continue
		}
		if &out[0] == &args[0] {
			out = append([]any(nil), args...)
		}
		out[i] = longValue(s)
	}
	return out
}

// longValue is a value too long to quote whole: %q prints its start, an ellipsis and its
// length in bytes ("eeee…" (1048576 bytes)).
type longValue string

func (v longValue) Format(f fmt.State, verb rune) {
	if verb != 'q' {
		fmt.Fprint(f, string(v))
		return
	}
	head, _ := safe.Head(string(v))
	fmt.Fprintf(f, "%q (%d bytes)", head+"…", len(v))
}
