package builder

import (
	"strings"
	"testing"
)

func leaf(event string) *Node { return &Node{Kind: Leaf, Fields: []Field{{"did", event}}} }

// shape writes a tree compactly: all(a, not(b)).
func shape(n *Node) string {
	if n == nil {
		return "∅"
	}
	if n.Kind == Leaf {
		v, _ := n.Get("did")
		return v
	}
	parts := make([]string, len(n.Kids))
	for i, k := range n.Kids {
		parts[i] = shape(k)
	}
	return n.Kind.String() + "(" + strings.Join(parts, ", ") + ")"
}

func TestEdits(t *testing.T) {
	base := Draft{Name: "x", Root: &Node{Kind: All, Kids: []*Node{leaf("a"), {Kind: Not, Kids: []*Node{leaf("b")}}, leaf("c")}}}
	tests := []struct {
		name     string
		edit     func(Draft) (Draft, []int)
		want     string
		wantPath string
	}{
		{"add to empty", func(Draft) (Draft, []int) { return Draft{}.Add(nil, leaf("z")) }, "z", "[]"},
		{"add after leaf in group", func(d Draft) (Draft, []int) { return d.Add([]int{0}, leaf("z")) }, "all(a, z, not(b), c)", "[1]"},
		{"add into group", func(d Draft) (Draft, []int) { return d.Add([]int{}, leaf("z")) }, "all(a, not(b), c, z)", "[3]"},
		{"add to lone leaf groups both", func(Draft) (Draft, []int) { return Draft{Root: leaf("a")}.Add([]int{}, leaf("z")) }, "all(a, z)", "[1]"},
		{"add under not groups inside", func(d Draft) (Draft, []int) { return d.Add([]int{1, 0}, leaf("z")) }, "all(a, not(all(b, z)), c)", "[1 0 1]"},
		{"delete middle", func(d Draft) (Draft, []int) { return d.Delete([]int{0}) }, "all(not(b), c)", "[0]"},
		{"delete last selects previous", func(d Draft) (Draft, []int) { return d.Delete([]int{2}) }, "all(a, not(b))", "[1]"},
		{"delete under not removes not", func(d Draft) (Draft, []int) { return d.Delete([]int{1, 0}) }, "all(a, c)", "[1]"},
		{"delete root", func(d Draft) (Draft, []int) { return d.Delete([]int{}) }, "∅", "[]"},
		{"move down", func(d Draft) (Draft, []int) { return d.Move([]int{0}, 1) }, "all(not(b), a, c)", "[1]"},
		{"move past end stays", func(d Draft) (Draft, []int) { return d.Move([]int{2}, 1) }, "all(a, not(b), c)", "[2]"},
		{"negate leaf", func(d Draft) (Draft, []int) { return d.Negate([]int{0}) }, "all(not(a), not(b), c)", "[0]"},
		{"negate not unwraps", func(d Draft) (Draft, []int) { return d.Negate([]int{1}) }, "all(a, b, c)", "[1]"},
		{"negate inside not unwraps", func(d Draft) (Draft, []int) { return d.Negate([]int{1, 0}) }, "all(a, b, c)", "[1]"},
		{"group into any", func(d Draft) (Draft, []int) { return d.Group([]int{2}, Any) }, "all(a, not(b), any(c))", "[2 0]"},
		{"toggle", func(d Draft) (Draft, []int) { return d.Toggle([]int{}) }, "any(a, not(b), c)", "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := shape(base.Root)
			got, path := tt.edit(base)
			if s := shape(got.Root); s != tt.want {
				t.Errorf("tree = %s, want %s", s, tt.want)
			}
			if p := strings.Join(strings.Fields(strings.Trim(fmtPath(path), "")), " "); p != tt.wantPath {
				t.Errorf("selection = %s, want %s", p, tt.wantPath)
			}
			if shape(base.Root) != before {
				t.Error("the edit changed the original draft (undo would break)")
			}
		})
	}
}

func fmtPath(p []int) string {
	s := make([]string, len(p))
	for i, v := range p {
		s[i] = string(rune('0' + v))
	}
	return "[" + strings.Join(s, " ") + "]"
}

func TestRowsInDrawingOrder(t *testing.T) {
	d := Draft{Root: &Node{Kind: All, Kids: []*Node{leaf("a"), {Kind: Not, Kids: []*Node{leaf("b")}}}}}
	var got []string
	for _, r := range d.Rows() {
		got = append(got, strings.Repeat(".", r.Depth)+shape(r.Node))
	}
	want := "all(a, not(b)) .a .not(b) ..b"
	if strings.Join(got, " ") != want {
		t.Errorf("rows = %v, want %s", got, want)
	}
}
