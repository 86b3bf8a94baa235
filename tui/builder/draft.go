// Package builder is the explorer's segment builder: a segment as an editable condition tree,
// a form for each condition, templates for the eight behavioral types, undo, live preview
// and save.
//
// The builder never interprets the language itself. A Draft is turned into the segment's
// YAML text and read back with the segments parser, so what the builder shows as valid is
// exactly what `segscope check` accepts, and every error carries the line of the field that
// caused it.
package builder

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/segscope/segscope/segments"
)

// NodeKind is what a node of the condition tree is.
type NodeKind int

// Node kinds.
const (
	Leaf NodeKind = iota
	All
	Any
	Not
)

func (k NodeKind) String() string {
	switch k {
	case All:
		return "all"
	case Any:
		return "any"
	case Not:
		return "not"
	}
	return "condition"
}

// Field is one key of a leaf condition. Keys of nested maps are dotted: `where.page`,
// `rfm.r`. Value is the text a person edits: a scalar as written ("7d", ">= 3", "pricing")
// or a flow list ("[pro, team]").
type Field struct {
	Key, Value string
}

// Node is one condition: a group (all/any) or negation of others, or a leaf defined by its
// fields.
type Node struct {
	Kind   NodeKind
	Kids   []*Node
	Fields []Field
}

// Clone copies the node and everything below it.
func (n *Node) Clone() *Node {
	if n == nil {
		return nil
	}
	c := &Node{Kind: n.Kind, Fields: slices.Clone(n.Fields)}
	for _, k := range n.Kids {
		c.Kids = append(c.Kids, k.Clone())
	}
	return c
}

// Get returns a field's value and whether the leaf has it.
func (n *Node) Get(key string) (string, bool) {
	for _, f := range n.Fields {
		if f.Key == key {
			return f.Value, true
		}
	}
	return "", false
}

// Head is the leaf's defining key: "did", "measure", "user"… (its first field).
func (n *Node) Head() string {
	if n.Kind != Leaf || len(n.Fields) == 0 {
		return ""
	}
	return n.Fields[0].Key
}

// Draft is a segment being edited.
type Draft struct {
	Name, Title, Description string
	Type, Unit               string // as written; "" = not given
	Expect                   string // the members comparison of expect:, "" = none
	Root                     *Node  // nil: no conditions yet
}

// Clone copies the draft, for undo.
func (d Draft) Clone() Draft {
	d.Root = d.Root.Clone()
	return d
}

// DraftOf turns a parsed segment into a draft.
func DraftOf(seg *segments.Segment) (Draft, error) {
	d := Draft{Name: seg.Name, Title: seg.Title, Description: seg.Description}
	if seg.Type != segments.TypeNone {
		d.Type = seg.Type.String()
	}
	if seg.Unit == segments.UnitAccount {
		d.Unit = "account"
	}
	if seg.Expect.Members != nil {
		d.Expect = seg.Expect.Members.String()
	}
	if seg.Where == nil {
		return d, nil
	}
	n, err := NodeOf(seg.Where)
	if err != nil {
		return Draft{}, fmt.Errorf("segment %s: %w", seg.Name, err)
	}
	d.Root = n
	return d, nil
}

// NodeOf turns a parsed condition into a node, through its canonical YAML.
func NodeOf(c segments.Condition) (*Node, error) {
	src, err := segments.FormatCondition(c)
	if err != nil {
		return nil, err
	}
	var m yaml.MapSlice
	if err := yaml.UnmarshalWithOptions(src, &m, yaml.UseOrderedMap()); err != nil {
		return nil, fmt.Errorf("read condition back: %w", err)
	}
	return nodeFromMap(m)
}

func nodeFromMap(m yaml.MapSlice) (*Node, error) {
	if len(m) == 1 {
		key, _ := m[0].Key.(string)
		switch key {
		case "all", "any":
			list, ok := m[0].Value.([]any)
			if !ok {
				return nil, fmt.Errorf("%s: want a list", key)
			}
			n := &Node{Kind: All}
			if key == "any" {
				n.Kind = Any
			}
			for _, item := range list {
				im, ok := item.(yaml.MapSlice)
				if !ok {
					return nil, fmt.Errorf("%s: want conditions", key)
				}
				k, err := nodeFromMap(im)
				if err != nil {
					return nil, err
				}
				n.Kids = append(n.Kids, k)
			}
			return n, nil
		case "not":
			im, ok := m[0].Value.(yaml.MapSlice)
			if !ok {
				return nil, errors.New("not: want a condition")
			}
			k, err := nodeFromMap(im)
			if err != nil {
				return nil, err
			}
			return &Node{Kind: Not, Kids: []*Node{k}}, nil
		}
	}
	n := &Node{Kind: Leaf}
	for _, item := range m {
		key := fmt.Sprint(item.Key)
		if sub, ok := item.Value.(yaml.MapSlice); ok {
			for _, s := range sub {
				n.Fields = append(n.Fields, Field{Key: key + "." + fmt.Sprint(s.Key), Value: flowText(s.Value)})
			}
			continue
		}
		n.Fields = append(n.Fields, Field{Key: key, Value: flowText(item.Value)})
	}
	return n, nil
}

// flowText writes a decoded YAML value the way a person would type it in a field.
func flowText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			if s, ok := e.(string); ok && needsQuotes(s) {
				parts[i] = strconv.Quote(s)
			} else {
				parts[i] = flowText(e)
			}
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case yaml.MapSlice:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = fmt.Sprint(e.Key) + ": " + flowText(e.Value)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	default:
		return fmt.Sprint(v)
	}
}

var plainScalar = regexp.MustCompile(`^(-?[0-9]+(\.[0-9]+)?|true|false)$`)

// scalar writes a field's text as a YAML value: flow lists and maps as typed, numbers and
// booleans plain, everything else double-quoted (so ">= 3", "7d" or "a: b" stay strings).
func scalar(s string) string {
	t := strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(t, "[") || strings.HasPrefix(t, "{"):
		return t
	case plainScalar.MatchString(t):
		return t
	}
	return strconv.Quote(s)
}

// needsQuotes reports whether a string inside a flow list must be quoted to be read back
// as the same string.
func needsQuotes(s string) bool {
	return s == "" || plainScalar.MatchString(s) || strings.ContainsAny(s, ",[]{}:#\"'&*!|>%@`") ||
		strings.TrimSpace(s) != s
}

// Loc says which part of a draft a line of its YAML came from.
type Loc struct {
	Header string // "name", "title", … for the segment's own keys; "" for conditions
	Path   []int  // the node: child indexes from the root (empty: the root)
	Field  int    // the leaf's field index, -1 for the node's own line
}

// Source is a draft's YAML and where each line came from (Lines[i] is line i+1).
type Source struct {
	Text  []byte
	Lines []Loc
}

// Source writes the draft as a segment file.
func (d Draft) Source() Source {
	var w srcWriter
	w.header("name", d.Name)
	if d.Title != "" {
		w.header("title", d.Title)
	}
	if d.Description != "" {
		w.header("description", d.Description)
	}
	if d.Type != "" {
		w.header("type", d.Type)
	}
	if d.Unit != "" {
		w.header("unit", d.Unit)
	}
	if d.Root != nil {
		w.line(Loc{Header: "where", Field: -1}, "where:")
		w.node(d.Root, nil, 1, false)
	}
	if d.Expect != "" {
		w.line(Loc{Header: "expect", Field: -1}, "expect:")
		w.line(Loc{Header: "expect", Field: -1}, "  members: "+scalar(d.Expect))
	}
	return Source{Text: []byte(w.b.String()), Lines: w.locs}
}

type srcWriter struct {
	b    strings.Builder
	locs []Loc
}

func (w *srcWriter) line(l Loc, s string) {
	w.b.WriteString(s)
	w.b.WriteByte('\n')
	w.locs = append(w.locs, l)
}

func (w *srcWriter) header(key, value string) {
	w.line(Loc{Header: key, Field: -1}, key+": "+strconv.Quote(value))
}

// node writes n at indent; inList puts it as a list item ("- ") of its parent group.
func (w *srcWriter) node(n *Node, path []int, indent int, inList bool) {
	pad := strings.Repeat("  ", indent)
	first := pad
	rest := pad
	if inList {
		first = strings.Repeat("  ", indent-1) + "- "
	}
	loc := Loc{Path: slices.Clone(path), Field: -1}
	switch n.Kind {
	case All, Any:
		if len(n.Kids) == 0 {
			w.line(loc, first+n.Kind.String()+": []")
			return
		}
		w.line(loc, first+n.Kind.String()+":")
		for i, k := range n.Kids {
			w.node(k, append(slices.Clone(path), i), indent+2, true)
		}
	case Not:
		w.line(loc, first+"not:")
		if len(n.Kids) == 1 {
			w.node(n.Kids[0], append(slices.Clone(path), 0), indent+1, false)
		}
	default:
		if len(n.Fields) == 0 {
			w.line(loc, first+"{}")
			return
		}
		lead := first
		written := map[string]bool{}
		for i, f := range n.Fields {
			fl := Loc{Path: slices.Clone(path), Field: i}
			parent, _, nested := strings.Cut(f.Key, ".")
			if !nested {
				w.line(fl, lead+f.Key+": "+scalar(f.Value))
				lead = rest
				continue
			}
			if written[parent] {
				continue
			}
			written[parent] = true
			w.line(fl, lead+parent+":")
			lead = rest
			// All of this parent's keys go together, wherever they stand in the list.
			for j := i; j < len(n.Fields); j++ {
				p, c, ok := strings.Cut(n.Fields[j].Key, ".")
				if ok && p == parent {
					w.line(Loc{Path: slices.Clone(path), Field: j}, rest+"  "+c+": "+scalar(n.Fields[j].Value))
				}
			}
		}
	}
}

// FieldError is a problem the parser found, placed on the draft.
type FieldError struct {
	Loc Loc
	Msg string
}

// Parse reads the draft back through the language's parser, and checks its names against
// vocab when one is given (nil: no check). It returns the segment when the draft is valid,
// else the problems placed on the header keys, nodes and fields they concern.
func (d Draft) Parse(file string, vocab segments.Vocabulary) (*segments.Segment, []FieldError) {
	src := d.Source()
	seg, err := segments.ParseSegment(file, src.Text)
	if err == nil && vocab != nil {
		err = segments.ValidateSegment(seg, vocab)
	}
	if sv, ok := vocab.(segmentNames); ok && err == nil {
		err = checkReferences(seg, sv)
	}
	if err == nil {
		return seg, nil
	}
	var list segments.ErrorList
	if !errors.As(err, &list) {
		return nil, []FieldError{{Loc: Loc{Field: -1}, Msg: err.Error()}}
	}
	var out []FieldError
	for _, e := range list {
		loc := Loc{Field: -1}
		if l := e.Pos.Line; l >= 1 && l <= len(src.Lines) {
			loc = src.Lines[l-1]
		}
		out = append(out, FieldError{Loc: loc, Msg: e.Msg})
	}
	return nil, out
}

// segmentNames is a vocabulary that also knows the workspace's segments.
type segmentNames interface {
	HasSegment(name string) bool
	SegmentNames() []string
}

// checkReferences reports `segment:` references to segments the workspace does not have
// (the segment itself is known: the engine reports a reference to it as a cycle).
func checkReferences(seg *segments.Segment, v segmentNames) error {
	var errs segments.ErrorList
	segments.Walk(seg.Where, func(c segments.Condition) bool {
		if ref, ok := c.(*segments.SegmentRef); ok && ref.Name != seg.Name && !v.HasSegment(ref.Name) {
			errs = append(errs, &segments.Error{Pos: ref.Pos,
				Msg: fmt.Sprintf("unknown segment %q%s", ref.Name, segments.DidYouMean(ref.Name, v.SegmentNames()))})
		}
		return true
	})
	if len(errs) == 0 {
		return nil
	}
	return errs
}
