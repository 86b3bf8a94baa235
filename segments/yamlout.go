package segments

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ynode is the small YAML tree the formatters build before printing: scalars already
// rendered, mappings with their keys in canonical order, and the comments to keep.
type ynode struct {
	kind  ykind
	text  string   // yScalar: the rendered scalar
	keys  []string // yMap
	vals  []*ynode // yMap
	items []*ynode // ySeq
	flow  bool     // print in flow style ({a: b}, [a, b]) when it fits
	head  []string // comment lines before the entry or item, "#" included
	line  string   // comment after the entry on the same line
	foot  []string // comment lines after a mapping's or sequence's last entry
	after []string // comment lines after the entry or item (and its block), at its indent
}

type ykind int

const (
	yScalar ykind = iota
	yMap
	ySeq
)

func scalar(text string) *ynode { return &ynode{kind: yScalar, text: text} }

func ymap(flow bool) *ynode { return &ynode{kind: yMap, flow: flow} }

func yseq(flow bool) *ynode { return &ynode{kind: ySeq, flow: flow} }

func (n *ynode) set(key string, v *ynode) *ynode {
	n.keys = append(n.keys, key)
	n.vals = append(n.vals, v)
	return n
}

func (n *ynode) add(v *ynode) *ynode {
	n.items = append(n.items, v)
	return n
}

func (n *ynode) hasComments() bool {
	return len(n.head) > 0 || n.line != "" || len(n.foot) > 0 || len(n.after) > 0
}

// maxFlowWidth is how long a flow mapping may get before it is printed in block style.
const maxFlowWidth = 80

// flowText renders n in flow style, or reports false when n (or something inside it)
// carries comments, which flow style would lose.
func (n *ynode) flowText() (string, bool) {
	switch n.kind {
	case yScalar:
		return n.text, true
	case ySeq:
		parts := make([]string, len(n.items))
		for i, it := range n.items {
			if it.hasComments() {
				return "", false
			}
			s, ok := it.flowText()
			if !ok {
				return "", false
			}
			parts[i] = s
		}
		if len(n.foot) > 0 {
			return "", false
		}
		return "[" + strings.Join(parts, ", ") + "]", true
	}
	parts := make([]string, len(n.keys))
	for i, k := range n.keys {
		v := n.vals[i]
		if v.hasComments() {
			return "", false
		}
		s, ok := v.flowText()
		if !ok {
			return "", false
		}
		parts[i] = quoteString(k) + ": " + s
	}
	if len(n.foot) > 0 {
		return "", false
	}
	return "{" + strings.Join(parts, ", ") + "}", true
}

// inline reports how n prints after "key:" or "- " on the same line, if it does.
func (n *ynode) inline() (string, bool) {
	switch {
	case n.kind == yScalar:
		return n.text, true
	case n.kind == ySeq && len(n.items) == 0:
		return "[]", true
	case n.kind == yMap && len(n.keys) == 0:
		return "{}", true
	case !n.flow:
		return "", false
	}
	s, ok := n.flowText()
	if !ok || (n.kind == yMap && len(s) > maxFlowWidth) {
		return "", false
	}
	return s, true
}

type yprinter struct{ b strings.Builder }

func (p *yprinter) comments(lines []string, indent int) {
	for _, c := range lines {
		p.b.WriteString(strings.Repeat(" ", indent))
		p.b.WriteString(c)
		p.b.WriteByte('\n')
	}
}

func (p *yprinter) endLine(comment string) {
	if comment != "" {
		p.b.WriteString(" ")
		p.b.WriteString(comment)
	}
	p.b.WriteByte('\n')
}

// value prints what follows "key:" (already written) for v, whose entry sits at indent.
func (p *yprinter) value(v *ynode, indent int) {
	if s, ok := v.inline(); ok {
		p.b.WriteString(" ")
		p.b.WriteString(s)
		p.endLine(v.line)
		return
	}
	p.endLine(v.line)
	p.block(v, indent+2)
}

// block prints a mapping or sequence in block style at indent.
func (p *yprinter) block(n *ynode, indent int) {
	pad := strings.Repeat(" ", indent)
	switch n.kind {
	case yMap:
		for i, k := range n.keys {
			v := n.vals[i]
			p.comments(v.head, indent)
			p.b.WriteString(pad + quoteString(k) + ":")
			p.value(v, indent)
			p.comments(v.after, indent)
		}
	case ySeq:
		for _, it := range n.items {
			p.comments(it.head, indent)
			if s, ok := it.inline(); ok {
				p.b.WriteString(pad + "- " + s)
				p.endLine(it.line)
				p.comments(it.after, indent)
				continue
			}
			if it.kind == yMap {
				// The first entry shares the "- " line; its head comments go above it.
				p.comments(it.vals[0].head, indent)
				p.b.WriteString(pad + "- " + quoteString(it.keys[0]) + ":")
				p.value(it.vals[0], indent+2)
				p.comments(it.vals[0].after, indent+2)
				rest := &ynode{kind: yMap, keys: it.keys[1:], vals: it.vals[1:]}
				p.block(rest, indent+2)
				p.comments(it.foot, indent+2)
				p.comments(it.after, indent)
				continue
			}
			p.b.WriteString(pad + "-")
			p.endLine(it.line)
			p.block(it, indent+2)
			p.comments(it.after, indent)
		}
	}
	p.comments(n.foot, indent)
}

func printYAML(root *ynode) []byte {
	var p yprinter
	p.comments(root.head, 0)
	p.block(root, 0)
	return []byte(p.b.String())
}

// reservedWords read as something other than text in some YAML dialect; they are quoted.
var reservedWords = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true, "y": true, "n": true,
	"null": true, "nan": true, "inf": true, "infinity": true,
}

// plainSafe reports whether s can be written as a plain (unquoted) scalar in block and flow
// context and read back as the same string. It is deliberately conservative.
func plainSafe(s string) bool {
	if s == "" || len(s) > 200 || reservedWords[strings.ToLower(s)] {
		return false
	}
	for i, r := range s {
		switch {
		case i == 0 && !(unicode.IsLetter(r) || r == '_'):
			return false
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_':
		case r == '-' || r == '.' || r == '/' || r == '(' || r == ')':
		case r == ' ':
			if i == len(s)-1 || s[i+1] == ' ' {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// quoteString renders a string scalar: plain when safe, else double-quoted. Go's escapes
// (\n, \t, \xNN, \uNNNN …) are all valid YAML double-quoted escapes.
func quoteString(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if plainSafe(s) {
		return s
	}
	return strconv.Quote(s)
}

// yamlNumber renders a number so YAML reads back the same float64: integers up to 2^53 as
// digits, everything else in Go's shortest form (which may use an exponent).
func yamlNumber(v float64) string {
	if v == 0 {
		return "0"
	}
	if v == math.Trunc(v) && math.Abs(v) <= maxExactInt {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

func yamlValue(v Value) string {
	switch v.Kind {
	case ValueNumber:
		return yamlNumber(v.Num)
	case ValueBool:
		return strconv.FormatBool(v.Bool)
	}
	return quoteString(v.Str)
}
