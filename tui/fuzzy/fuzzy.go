// Package fuzzy ranks candidates against what a person typed, the way file pickers do:
// the typed characters must appear in order; matches at the start, after a separator, and in
// runs score higher.
package fuzzy

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// Match is one candidate that matched, with the byte offsets of the matched characters.
type Match struct {
	Text    string
	Score   int
	Indexes []int
}

// Find returns the candidates containing pattern's characters in order, best first; ties
// keep the candidates' order (so a frequency-sorted list stays sorted). An empty pattern
// matches everything with score 0. Matching ignores case.
func Find(pattern string, candidates []string) []Match {
	var out []Match
	for _, c := range candidates {
		if m, ok := match(pattern, c); ok {
			out = append(out, m)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out
}

func match(pattern, text string) (Match, bool) {
	m := Match{Text: text}
	if pattern == "" {
		return m, true
	}
	p := strings.ToLower(pattern)
	t := strings.ToLower(text)
	if len(t) != len(text) { // lowering changed byte lengths: offsets would be wrong
		t = text
	}
	pi := 0
	prev := -2
	for ti := 0; ti < len(t) && pi < len(p); {
		tr, tw := utf8.DecodeRuneInString(t[ti:])
		pr, pw := utf8.DecodeRuneInString(p[pi:])
		if tr == pr {
			score := 1
			switch {
			case ti == 0:
				score += 8 // start of the word
			case isSeparator(t[ti-1]):
				score += 6 // start of a part: add_to_cart ← "atc"
			}
			if prev == ti-1 {
				score += 4 // a run
			}
			m.Score += score
			m.Indexes = append(m.Indexes, ti)
			prev = ti
			pi += pw
		}
		ti += tw
	}
	if pi < len(p) {
		return Match{}, false
	}
	if len(p) == len(t) {
		m.Score += 20 // exact
	}
	m.Score -= len(t) / 8 // shorter candidates first among equals
	return m, true
}

func isSeparator(b byte) bool {
	return b == '_' || b == '-' || b == '.' || b == ' ' || b == '/' || b == ':'
}
