package segments

import (
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// FormatPreserving renders seg as Format does, keeping the comments of original (the
// file's current text) wherever the key or list entry they belong to still exists: head
// comments above a key or list item, comments at the end of its line, and comments after
// it. When original holds a segments: list, the list is written back with seg in place of
// the segment of the same name (appended when there is none).
//
// Comments follow YAML paths, so a comment on the third entry of an all: list stays on the
// third entry even if the entries were reordered; comments inside flow collections
// ([a, b], {k: v}) are dropped. When original is not valid YAML its comments cannot be
// read and the result is plain Format output.
func FormatPreserving(original []byte, seg *Segment) ([]byte, error) {
	d := &decoder{file: "original"}
	body := d.documentMode(original, parser.ParseComments)
	if body == nil || !hasTopKey(body, "segments") {
		root, err := segmentNode(seg)
		if err != nil {
			return nil, err
		}
		return printPreserving(body, root), nil
	}
	segs, err := Parse("original", original)
	if err != nil {
		return nil, err
	}
	replaced := false
	for i, s := range segs {
		if s.Name == seg.Name {
			segs[i], replaced = seg, true
		}
	}
	if !replaced {
		segs = append(segs, seg)
	}
	list := yseq(false)
	for _, s := range segs {
		n, err := segmentNode(s)
		if err != nil {
			return nil, err
		}
		list.add(n)
	}
	return printPreserving(body, ymap(false).set("segments", list)), nil
}

// FormatCampaignPreserving is FormatPreserving for a campaign file.
func FormatCampaignPreserving(original []byte, c *Campaign) ([]byte, error) {
	d := &decoder{file: "original"}
	body := d.documentMode(original, parser.ParseComments)
	if body == nil || !hasTopKey(body, "campaigns") {
		root, err := campaignNode(c)
		if err != nil {
			return nil, err
		}
		return printPreserving(body, root), nil
	}
	camps, err := ParseCampaigns("original", original)
	if err != nil {
		return nil, err
	}
	replaced := false
	for i, x := range camps {
		if x.Name == c.Name {
			camps[i], replaced = c, true
		}
	}
	if !replaced {
		camps = append(camps, c)
	}
	list := yseq(false)
	for _, x := range camps {
		n, err := campaignNode(x)
		if err != nil {
			return nil, err
		}
		list.add(n)
	}
	return printPreserving(body, ymap(false).set("campaigns", list)), nil
}

func hasTopKey(body ast.Node, key string) bool {
	var values []*ast.MappingValueNode
	switch m := body.(type) {
	case *ast.MappingNode:
		values = m.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{m}
	}
	for _, mv := range values {
		if mv != nil && mv.Key != nil {
			if k, _ := scalarText(mv.Key); k == key {
				return true
			}
		}
	}
	return false
}

func printPreserving(body ast.Node, root *ynode) []byte {
	if body != nil {
		cm := commentMap{}
		cm.collect(body, "")
		cm.attach(root, "")
		if s := cm[""]; s != nil {
			root.head = append(root.head, s.head...)
			root.foot = append(root.foot, s.after...)
		}
	}
	return printYAML(root)
}

// commentSet holds the comments of one path: above it, at the end of its line, after it.
type commentSet struct {
	head, after []string
	line        string
}

// commentMap maps a YAML path ("" for the root, "\x00key" for a mapping entry, "\x01N" for
// the Nth list item) to its comments.
type commentMap map[string]*commentSet

func keyPath(parent, key string) string { return parent + "\x00" + key }

func itemPath(parent string, i int) string { return parent + "\x01" + strconv.Itoa(i) }

func (cm commentMap) set(path string) *commentSet {
	s := cm[path]
	if s == nil {
		s = &commentSet{}
		cm[path] = s
	}
	return s
}

// add files a comment group under path: lines above anchorLine as head comments, on it as
// the line comment, below it as comments after.
func (cm commentMap) add(path string, g *ast.CommentGroupNode, anchorLine int) {
	if g == nil {
		return
	}
	s := cm.set(path)
	for _, c := range g.Comments {
		if c == nil || c.Token == nil {
			continue
		}
		text := "#" + strings.TrimRight(c.Token.Value, " \t\r")
		line := 0
		if c.Token.Position != nil {
			line = c.Token.Position.Line
		}
		switch {
		case line < anchorLine:
			if !slices.Contains(s.head, text) {
				s.head = append(s.head, text)
			}
		case line == anchorLine && s.line == "":
			s.line = text
		default:
			if !slices.Contains(s.after, text) {
				s.after = append(s.after, text)
			}
		}
	}
}

func nodeLine(n ast.Node) int {
	if n == nil {
		return 0
	}
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 && !m.IsFlowStyle && m.Values[0].Key != nil {
		n = m.Values[0].Key
	}
	if mv, ok := n.(*ast.MappingValueNode); ok && mv.Key != nil {
		n = mv.Key
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line
	}
	return 0
}

// collect walks the original document, filing every comment under the path it belongs to.
func (cm commentMap) collect(n ast.Node, path string) {
	switch v := n.(type) {
	case *ast.MappingNode:
		for _, mv := range v.Values {
			cm.collect(mv, path)
		}
		cm.add(path, v.FootComment, 0)
	case *ast.MappingValueNode:
		if v.Key == nil {
			return
		}
		k, _ := scalarText(v.Key)
		p := keyPath(path, k)
		keyLine := nodeLine(v.Key)
		cm.add(p, v.GetComment(), keyLine)
		cm.add(p, v.Key.GetComment(), keyLine)
		if v.Value != nil {
			if g := v.Value.GetComment(); g != nil {
				cm.addValueComment(p, v.Value, g, keyLine)
			}
			cm.collect(v.Value, p)
		}
		cm.add(p, v.FootComment, 0)
	case *ast.SequenceNode:
		if v.IsFlowStyle {
			return
		}
		for i, item := range v.Values {
			ip := itemPath(path, i)
			line := nodeLine(item)
			if i < len(v.ValueHeadComments) {
				cm.add(ip, v.ValueHeadComments[i], line)
			}
			if i < len(v.Entries) && v.Entries[i] != nil {
				cm.add(ip, v.Entries[i].HeadComment, line)
				cm.add(ip, v.Entries[i].LineComment, line)
			}
			cm.collect(item, ip)
		}
		cm.add(path, v.FootComment, 0)
	}
}

// addValueComment files a comment attached to an entry's value: on the key's line it is the
// entry's line comment; below it, it heads the first entry or item of a block value.
func (cm commentMap) addValueComment(p string, val ast.Node, g *ast.CommentGroupNode, keyLine int) {
	switch v := val.(type) {
	case *ast.SequenceNode:
		if !v.IsFlowStyle && len(v.Values) > 0 {
			cm.add(p, onLine(g, keyLine, true), keyLine)
			cm.add(itemPath(p, 0), onLine(g, keyLine, false), nodeLine(v.Values[0]))
			return
		}
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 && v.Values[0].Key != nil {
			k, _ := scalarText(v.Values[0].Key)
			cm.add(p, onLine(g, keyLine, true), keyLine)
			cm.add(keyPath(p, k), onLine(g, keyLine, false), nodeLine(v.Values[0].Key))
			return
		}
	}
	cm.add(p, g, keyLine)
}

// onLine returns the comments of g that are (want=true) or are not on line.
func onLine(g *ast.CommentGroupNode, line int, want bool) *ast.CommentGroupNode {
	out := &ast.CommentGroupNode{}
	for _, c := range g.Comments {
		if c != nil && c.Token != nil && c.Token.Position != nil && (c.Token.Position.Line == line) == want {
			out.Comments = append(out.Comments, c)
		}
	}
	return out
}

// attach copies the collected comments onto the formatted tree, path by path.
func (cm commentMap) attach(n *ynode, path string) {
	switch n.kind {
	case yMap:
		for i, k := range n.keys {
			p := keyPath(path, k)
			cm.apply(n.vals[i], p)
			cm.attach(n.vals[i], p)
		}
	case ySeq:
		for i, it := range n.items {
			p := itemPath(path, i)
			cm.apply(it, p)
			cm.attach(it, p)
		}
	}
}

func (cm commentMap) apply(n *ynode, path string) {
	s := cm[path]
	if s == nil {
		return
	}
	n.head = append(n.head, s.head...)
	if n.line == "" {
		n.line = s.line
	}
	n.after = append(n.after, s.after...)
}
