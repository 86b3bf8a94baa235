package segments

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// decoder turns goccy/go-yaml AST nodes into typed values, collecting positioned errors as
// it goes instead of stopping at the first.
type decoder struct {
	file  string
	errs  ErrorList
	conds int // conditions seen in the current segment, against MaxConditions
}

func (d *decoder) errorf(pos Pos, format string, args ...any) {
	d.errs.add(pos, format, args...)
}

func (d *decoder) pos(n ast.Node) Pos {
	if n == nil {
		return Pos{File: d.file}
	}
	if mv, ok := n.(*ast.MappingValueNode); ok && mv.Key != nil {
		n = mv.Key
	}
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 && !m.IsFlowStyle {
		n = m.Values[0].Key
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return Pos{File: d.file}
	}
	return Pos{File: d.file, Line: tk.Position.Line, Col: tk.Position.Column}
}

// document parses src and returns the body of its single document, or nil after recording
// why there is none.
func (d *decoder) document(src []byte) ast.Node {
	return d.documentMode(src, 0)
}

func (d *decoder) documentMode(src []byte, mode parser.Mode) (body ast.Node) {
	filePos := Pos{File: d.file}
	if len(src) > MaxFileSize {
		d.errorf(filePos, "file is larger than %d bytes", MaxFileSize)
		return nil
	}
	if !utf8.Valid(src) {
		d.errorf(filePos, "file is not valid UTF-8")
		return nil
	}
	// Editors on Windows may start a file with a byte order mark; YAML ignores it.
	src = bytes.TrimPrefix(src, []byte("\ufeff"))
	if msg := tooDeep(src); msg != "" {
		d.errorf(filePos, "%s", msg)
		return nil
	}
	f, err := parseYAML(src, mode)
	if err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) {
			p := filePos
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				p.Line, p.Col = tk.Position.Line, tk.Position.Column
			}
			d.errorf(p, "%s", ye.GetMessage())
		} else {
			d.errorf(filePos, "%s", strings.TrimSpace(err.Error()))
		}
		return nil
	}
	var bodies []ast.Node
	for _, doc := range f.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if _, ok := doc.Body.(*ast.CommentGroupNode); ok {
			continue
		}
		bodies = append(bodies, doc.Body)
	}
	switch len(bodies) {
	case 0:
		d.errorf(filePos, "file is empty")
		return nil
	case 1:
		return bodies[0]
	}
	d.errorf(d.pos(bodies[1]), "a file holds one YAML document; split the others into their own files or a list")
	return nil
}

// parseYAML runs goccy's parser, turning a panic inside it into an error: a malformed file
// must never take down the explorer.
func parseYAML(src []byte, mode parser.Mode) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("cannot parse YAML: %v", r)
		}
	}()
	return parser.ParseBytes(src, mode)
}

// tooDeep scans src for nesting the recursive YAML parser should not be asked to handle:
// deeply nested flow collections or block indentation. It is deliberately rough (brackets in
// quoted text count too); the limits are far beyond any real segment.
func tooDeep(src []byte) string {
	depth, maxDepth := 0, 0
	lineStart := true
	col := 0
	for _, c := range src {
		switch c {
		case '[', '{':
			depth++
			maxDepth = max(maxDepth, depth)
		case ']', '}':
			depth = max(0, depth-1)
		}
		switch {
		case c == '\n':
			lineStart, col = true, 0
		case lineStart && (c == ' ' || c == '-' || c == '?' || c == ':' || c == '\t'):
			col++
			if col > 2*maxFlowDepth {
				return "lines are indented too deeply"
			}
		default:
			lineStart = false
		}
	}
	if maxDepth > maxFlowDepth {
		return fmt.Sprintf("brackets nest deeper than %d levels", maxFlowDepth)
	}
	return ""
}

// entry is one key: value pair of a mapping.
type entry struct {
	key    string
	keyPos Pos
	node   ast.Node // the value; nil or *ast.NullNode when empty
	pos    Pos      // the value's position (the key's when the value is empty)
}

func (e entry) empty() bool {
	if e.node == nil {
		return true
	}
	_, isNull := e.node.(*ast.NullNode)
	return isNull
}

// unsupported reports YAML features the language does not take. Aliases are refused
// because they let a small file expand into a huge tree.
func (d *decoder) unsupported(n ast.Node) bool {
	switch n.(type) {
	case *ast.AnchorNode, *ast.AliasNode:
		d.errorf(d.pos(n), "YAML anchors and aliases are not supported; use segment: to reuse a definition")
	case *ast.TagNode:
		d.errorf(d.pos(n), "YAML tags are not supported; quote a value to make it text")
	case *ast.MergeKeyNode:
		d.errorf(d.pos(n), "YAML merge keys are not supported")
	case *ast.DirectiveNode, *ast.DocumentNode, *ast.MappingKeyNode:
		d.errorf(d.pos(n), "unexpected YAML syntax here")
	default:
		return false
	}
	return true
}

// mapping returns the entries of a mapping node in the order written. what names the thing
// for the error when n is not a mapping ("a condition").
func (d *decoder) mapping(n ast.Node, what string) ([]entry, bool) {
	var values []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		values = m.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{m}
	default:
		if n != nil && d.unsupported(n) {
			return nil, false
		}
		d.errorf(d.pos(n), "%s must be a mapping of key: value", what)
		return nil, false
	}
	if len(values) > MaxList {
		d.errorf(d.pos(n), "%s has %d keys; at most %d are allowed", what, len(values), MaxList)
		return nil, false
	}
	out := make([]entry, 0, len(values))
	seen := map[string]Pos{}
	ok := true
	for _, mv := range values {
		if mv == nil || mv.Key == nil {
			continue
		}
		if d.unsupported(mv.Key) {
			ok = false
			continue
		}
		key, isScalar := scalarText(mv.Key)
		kp := d.pos(mv.Key)
		if !isScalar {
			d.errorf(kp, "keys must be plain names")
			ok = false
			continue
		}
		if prev, dup := seen[key]; dup {
			d.errorf(kp, "key %q is already given at %s", key, prev)
			ok = false
			continue
		}
		seen[key] = kp
		e := entry{key: key, keyPos: kp, node: mv.Value, pos: kp}
		if mv.Value != nil {
			if _, isNull := mv.Value.(*ast.NullNode); !isNull {
				e.pos = d.pos(mv.Value)
			}
		}
		out = append(out, e)
	}
	return out, ok
}

// sequence returns the items of a sequence node, refusing more than MaxList.
func (d *decoder) sequence(e entry, what string) ([]ast.Node, bool) {
	s, ok := e.node.(*ast.SequenceNode)
	if !ok {
		if e.node != nil && d.unsupported(e.node) {
			return nil, false
		}
		d.errorf(e.pos, "%s", what)
		return nil, false
	}
	if len(s.Values) > MaxList {
		d.errorf(e.pos, "%q has %d entries; at most %d are allowed", e.key, len(s.Values), MaxList)
		return nil, false
	}
	return s.Values, true
}

// scalarText returns the text of a scalar node as written (numbers and booleans too).
func scalarText(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value == nil {
			return "", true
		}
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		if tk := n.GetToken(); tk != nil {
			return tk.Value, true
		}
	}
	return "", false
}

// text reads a string value (titles, descriptions, messages).
func (d *decoder) text(e entry) (string, bool) {
	s, ok := scalarText(e.node)
	if !ok {
		if e.node != nil && d.unsupported(e.node) {
			return "", false
		}
		d.errorf(e.pos, "%q takes text", e.key)
		return "", false
	}
	if len(s) > MaxTextLen {
		d.errorf(e.pos, "%q is longer than %d bytes", e.key, MaxTextLen)
		return "", false
	}
	return s, true
}

// name reads a single name: text, or a number written bare (event names may look numeric).
func (d *decoder) name(n ast.Node, pos Pos, what string) (string, bool) {
	if n != nil && d.unsupported(n) {
		return "", false
	}
	if _, isNull := n.(*ast.NullNode); n == nil || isNull {
		d.errorf(pos, "missing %s", what)
		return "", false
	}
	s, ok := scalarText(n)
	if _, isBool := n.(*ast.BoolNode); !ok || isBool {
		d.errorf(pos, "want one %s here, not %s", what, describeNode(n))
		return "", false
	}
	if msg := badName(s); msg != "" {
		d.errorf(pos, "bad %s %q: %s", what, s, msg)
		return "", false
	}
	return s, true
}

// badName says what is wrong with an event, property or attribute name, or "".
func badName(s string) string {
	switch {
	case strings.TrimSpace(s) == "":
		return "it is empty"
	case len(s) > MaxNameLen:
		return fmt.Sprintf("longer than %d bytes", MaxNameLen)
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError }) >= 0:
		return "it contains control characters"
	}
	return ""
}

// names reads one name or a list of names ("did: a" or "did: [a, b]").
func (d *decoder) names(e entry, what string) ([]string, []Pos, bool) {
	if e.empty() {
		d.errorf(e.pos, "%q needs an %s or a list of them", e.key, what)
		return nil, nil, false
	}
	if _, isSeq := e.node.(*ast.SequenceNode); !isSeq {
		s, ok := d.name(e.node, e.pos, what)
		if !ok {
			return nil, nil, false
		}
		return []string{s}, []Pos{e.pos}, true
	}
	items, ok := d.sequence(e, "")
	if !ok {
		return nil, nil, false
	}
	if len(items) == 0 {
		d.errorf(e.pos, "%q needs at least one %s", e.key, what)
		return nil, nil, false
	}
	var out []string
	var pos []Pos
	seen := map[string]bool{}
	for _, it := range items {
		p := d.pos(it)
		s, ok1 := d.name(it, p, what)
		if !ok1 {
			ok = false
			continue
		}
		if seen[s] {
			d.errorf(p, "%s %q is listed twice", what, s)
			ok = false
			continue
		}
		seen[s] = true
		out = append(out, s)
		pos = append(pos, p)
	}
	return out, pos, ok
}

// maxExactInt is the largest integer a float64 holds exactly; larger integers must be
// quoted so they compare as text.
const maxExactInt = 1 << 53

var integerRE = regexp.MustCompile(`^[+-]?[0-9]+$`)

// value reads a scalar value: text, number or boolean.
func (d *decoder) value(n ast.Node, pos Pos) (Value, bool) {
	switch v := n.(type) {
	case *ast.StringNode, *ast.LiteralNode:
		s, _ := scalarText(v)
		if len(s) > MaxTextLen {
			d.errorf(pos, "value is longer than %d bytes", MaxTextLen)
			return Value{}, false
		}
		return StringValue(s), true
	case *ast.IntegerNode:
		var f float64
		switch x := v.Value.(type) {
		case int64:
			f = float64(x)
		case uint64:
			f = float64(x)
		}
		if math.Abs(f) > maxExactInt {
			d.errorf(pos, "integer %s is too large to compare exactly; quote it to compare as text", v.GetToken().Value)
			return Value{}, false
		}
		return NumberValue(f), true
	case *ast.FloatNode:
		if tk := v.GetToken(); tk != nil && integerRE.MatchString(tk.Value) && math.Abs(v.Value) > maxExactInt {
			d.errorf(pos, "integer %s is too large to compare exactly; quote it to compare as text", tk.Value)
			return Value{}, false
		}
		return NumberValue(v.Value), true
	case *ast.BoolNode:
		return BoolValue(v.Value), true
	case *ast.InfinityNode, *ast.NanNode:
		d.errorf(pos, "infinity and NaN are not values")
		return Value{}, false
	case nil, *ast.NullNode:
		d.errorf(pos, "missing value (null is not a value)")
		return Value{}, false
	}
	if !d.unsupported(n) {
		d.errorf(pos, "want a single value (text, number or true/false)")
	}
	return Value{}, false
}

// comparison reads a comparison of the given kinds: a string, or a bare number meaning "=".
func (d *decoder) comparison(e entry, kinds ...Kind) (Comparison, bool) {
	switch e.node.(type) {
	case *ast.StringNode, *ast.IntegerNode, *ast.FloatNode:
		s, _ := scalarText(e.node)
		c, err := ParseComparison(s, kinds...)
		if err != nil {
			d.errorf(e.pos, "%v", err)
			return Comparison{}, false
		}
		return c, true
	}
	if e.node != nil && d.unsupported(e.node) {
		return Comparison{}, false
	}
	d.errorf(e.pos, "%q takes a comparison: %s", e.key, comparisonHelp(kinds))
	return Comparison{}, false
}

// duration reads a duration; positive requires it to be longer than zero.
func (d *decoder) duration(e entry, positive bool) (Duration, bool) {
	s, ok := scalarText(e.node)
	if !ok {
		if e.node != nil && d.unsupported(e.node) {
			return Duration{}, false
		}
		d.errorf(e.pos, "%q takes a duration: %s", e.key, durationHelp)
		return Duration{}, false
	}
	du, err := ParseDuration(s)
	if err != nil {
		d.errorf(e.pos, "%v", err)
		return Duration{}, false
	}
	if positive && du.IsZero() {
		d.errorf(e.pos, "%q must be longer than 0", e.key)
		return Duration{}, false
	}
	return du, true
}

func (d *decoder) date(n ast.Node, pos Pos) (Date, bool) {
	s, ok := scalarText(n)
	if !ok {
		if n != nil && d.unsupported(n) {
			return Date{}, false
		}
		d.errorf(pos, "want a date like 2025-11-24")
		return Date{}, false
	}
	dt, err := ParseDate(s)
	if err != nil {
		d.errorf(pos, "%v", err)
		return Date{}, false
	}
	return dt, true
}

// dateRange reads a pair [from, to].
func (d *decoder) dateRange(n ast.Node, pos Pos, key string) (DateRange, bool) {
	s, ok := n.(*ast.SequenceNode)
	if !ok || len(s.Values) != 2 {
		if n != nil && d.unsupported(n) {
			return DateRange{}, false
		}
		d.errorf(pos, "%q takes a pair of dates: [2025-11-24, 2025-11-30]", key)
		return DateRange{}, false
	}
	from, ok1 := d.date(s.Values[0], d.pos(s.Values[0]))
	to, ok2 := d.date(s.Values[1], d.pos(s.Values[1]))
	if !ok1 || !ok2 {
		return DateRange{}, false
	}
	r := DateRange{From: from, To: to}
	if iv := r.Interval(); !iv.End.After(iv.Start) && !(iv.End.Equal(iv.Start) && iv.EndIncl) {
		d.errorf(d.pos(s.Values[1]), "the range ends (%s) before it starts (%s)", to, from)
		return DateRange{}, false
	}
	return r, true
}

// suggestKey formats the unknown-key error's suggestion, preferring keys valid here.
func suggestKey(key string, valid, all []string) string {
	if s := didYouMean(key, valid); s != "" {
		return s
	}
	return didYouMean(key, all)
}

// describeNode names what a node is, for "want X, not Y" errors.
func describeNode(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.BoolNode:
		return "true/false"
	}
	return "this"
}
