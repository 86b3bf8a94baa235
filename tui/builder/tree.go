package builder

import (
	"slices"
	"strings"
)

// Row is one line of the condition tree as drawn: a node and where it stands.
type Row struct {
	Path  []int
	Depth int
	Node  *Node
}

// Rows lists the tree's nodes in drawing order (a node before its children).
func (d Draft) Rows() []Row {
	var rows []Row
	var walk func(n *Node, path []int, depth int)
	walk = func(n *Node, path []int, depth int) {
		rows = append(rows, Row{Path: path, Depth: depth, Node: n})
		for i, k := range n.Kids {
			walk(k, append(slices.Clone(path), i), depth+1)
		}
	}
	if d.Root != nil {
		walk(d.Root, []int{}, 0)
	}
	return rows
}

// At returns the node at path, or nil.
func (d Draft) At(path []int) *Node {
	n := d.Root
	for _, i := range path {
		if n == nil || i < 0 || i >= len(n.Kids) {
			return nil
		}
		n = n.Kids[i]
	}
	return n
}

// The edits below return a new draft and the path of the node to select afterwards; the
// receiver is left as it was, so the previous draft can be kept for undo.

// Add puts n into the tree near path: inside it when it is a group, after it when its
// parent is a group, and otherwise by grouping both under all.
func (d Draft) Add(path []int, n *Node) (Draft, []int) {
	d = d.Clone()
	if d.Root == nil {
		d.Root = n
		return d, []int{}
	}
	target := d.At(path)
	if target == nil {
		path, target = []int{}, d.Root
	}
	if target.Kind == All || target.Kind == Any {
		target.Kids = append(target.Kids, n)
		return d, append(slices.Clone(path), len(target.Kids)-1)
	}
	if len(path) > 0 {
		parent := d.At(path[:len(path)-1])
		if parent.Kind == All || parent.Kind == Any {
			i := path[len(path)-1] + 1
			parent.Kids = slices.Insert(parent.Kids, i, n)
			return d, append(slices.Clone(path[:len(path)-1]), i)
		}
	}
	// A leaf or negation with no group above: both go under a new all.
	d.replace(path, &Node{Kind: All, Kids: []*Node{target, n}})
	return d, append(slices.Clone(path), 1)
}

// Delete removes the node at path. A negation left empty goes too; the selection moves to
// the nearest remaining node.
func (d Draft) Delete(path []int) (Draft, []int) {
	d = d.Clone()
	for len(path) > 0 {
		parent := d.At(path[:len(path)-1])
		if parent.Kind != Not {
			break
		}
		path = path[:len(path)-1] // deleting not's only child deletes the not
	}
	if len(path) == 0 {
		d.Root = nil
		return d, nil
	}
	parentPath := path[:len(path)-1]
	parent := d.At(parentPath)
	i := path[len(path)-1]
	parent.Kids = slices.Delete(parent.Kids, i, i+1)
	switch {
	case len(parent.Kids) == 0:
		return d.Delete(parentPath)
	case i < len(parent.Kids):
		return d, append(slices.Clone(parentPath), i)
	default:
		return d, append(slices.Clone(parentPath), len(parent.Kids)-1)
	}
}

// Move swaps the node at path with its sibling delta places away (delta −1 moves it up).
func (d Draft) Move(path []int, delta int) (Draft, []int) {
	if len(path) == 0 {
		return d, path
	}
	parentPath := path[:len(path)-1]
	i, j := path[len(path)-1], path[len(path)-1]+delta
	if p := d.At(parentPath); p == nil || j < 0 || j >= len(p.Kids) {
		return d, path
	}
	d = d.Clone()
	p := d.At(parentPath)
	p.Kids[i], p.Kids[j] = p.Kids[j], p.Kids[i]
	return d, append(slices.Clone(parentPath), j)
}

// Negate turns a condition into its opposite the way a person would write it: did ⇄
// did_not, then ⇄ then_not; anything else it wraps in not, or unwraps from the not around
// it.
func (d Draft) Negate(path []int) (Draft, []int) {
	d = d.Clone()
	n := d.At(path)
	if n == nil {
		return d, path
	}
	switch {
	case n.Kind == Not && len(n.Kids) == 1:
		d.replace(path, n.Kids[0])
		return d, path
	case len(path) > 0 && d.At(path[:len(path)-1]).Kind == Not:
		parentPath := path[:len(path)-1]
		d.replace(parentPath, n)
		return d, slices.Clone(parentPath)
	}
	if flipped, ok := flip(n); ok {
		d.replace(path, flipped)
		return d, path
	}
	d.replace(path, &Node{Kind: Not, Kids: []*Node{n}})
	return d, path
}

// Group wraps the node in a new all or any of which it is the first member.
func (d Draft) Group(path []int, kind NodeKind) (Draft, []int) {
	d = d.Clone()
	n := d.At(path)
	if n == nil {
		return d, path
	}
	d.replace(path, &Node{Kind: kind, Kids: []*Node{n}})
	return d, append(slices.Clone(path), 0)
}

// Toggle turns an all into an any and back.
func (d Draft) Toggle(path []int) (Draft, []int) {
	d = d.Clone()
	if n := d.At(path); n != nil {
		switch n.Kind {
		case All:
			n.Kind = Any
		case Any:
			n.Kind = All
		}
	}
	return d, path
}

// Replace puts n in place of the node at path.
func (d Draft) Replace(path []int, n *Node) Draft {
	d = d.Clone()
	d.replace(path, n)
	return d
}

func (d *Draft) replace(path []int, n *Node) {
	if len(path) == 0 {
		d.Root = n
		return
	}
	d.At(path[:len(path)-1]).Kids[path[len(path)-1]] = n
}

// flip is the opposite of a leaf written with the opposite key: did: E ⇄ did_not: E (only
// when did counts "at least once", the default: "did E 3+ times" has no did_not form), and
// did: A then: B ⇄ did: A then_not: B.
func flip(n *Node) (*Node, bool) {
	if n.Kind != Leaf {
		return nil, false
	}
	c := n.Clone()
	rename := func(from, to string) bool {
		for i, f := range c.Fields {
			if f.Key == from {
				c.Fields[i].Key = to
				return true
			}
		}
		return false
	}
	switch c.Head() {
	case "did":
		if rename("then", "then_not") || rename("then_not", "then") {
			return c, true
		}
		if _, ok := c.Get("users"); ok {
			return nil, false
		}
		if times, ok := c.Get("times"); ok {
			if t := strings.Join(strings.Fields(times), " "); t != ">= 1" {
				return nil, false
			}
			c.Fields = slices.DeleteFunc(c.Fields, func(f Field) bool { return f.Key == "times" })
		}
		c.Fields[0].Key = "did_not"
		return c, true
	case "did_not":
		c.Fields[0].Key = "did"
		return c, true
	}
	return nil, false
}
