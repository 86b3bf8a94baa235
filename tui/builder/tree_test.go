package builder

import (
	"strings"
	"testing"
)

// leaf is a condition n wraps in not (a reference has no opposite key).
func leaf(name string) *Node { return &Node{Kind: Leaf, Fields: []Field{{"segment", name}}} }

// shape writes a tree compactly: all(a, not(b)).
func shape(n *Node) string {
	if n == nil {
		return "∅"
	}
	if n.Kind == Leaf {
		return n.Fields[0].Value
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

// TestNegateFlipsKeys: n on did gives did_not and back, on then gives then_not and back;
// a count other than "at least once" has no opposite key and is wrapped in not.
func TestNegateFlipsKeys(t *testing.T) {
	for _, tc := range []struct {
		fields []Field
		want   string
		back   bool // n again gives the original back
	}{
		{[]Field{{"did", "purchase"}, {"in_last", "30d"}}, "did_not: purchase, in_last: 30d", true},
		{[]Field{{"did_not", "email_open"}, {"in_last", "60d"}}, "did: email_open, in_last: 60d", true},
		{[]Field{{"did", "purchase"}, {"times", ">=  1"}}, "did_not: purchase", false}, // "at least once" is did_not's opposite
		{[]Field{{"did", "add_to_cart"}, {"then", "purchase"}, {"within", "2h"}}, "did: add_to_cart, then_not: purchase, within: 2h", true},
		{[]Field{{"did", "add_to_cart"}, {"then_not", "purchase"}, {"within", "2h"}}, "did: add_to_cart, then: purchase, within: 2h", true},
		{[]Field{{"did", "purchase"}, {"times", ">= 3"}}, "not(did: purchase, times: >= 3)", true},
		{[]Field{{"last", "purchase"}, {"ago", "> 90d"}}, "not(last: purchase, ago: > 90d)", true},
	} {
		d := Draft{Root: &Node{Kind: All, Kids: []*Node{{Kind: Leaf, Fields: tc.fields}}}}
		got, sel := d.Negate([]int{0})
		if s := fields(got.At([]int{0})); s != tc.want {
			t.Errorf("n on %v: %s, want %s", tc.fields, s, tc.want)
		}
		if len(sel) != 1 || sel[0] != 0 {
			t.Errorf("n on %v selects %v", tc.fields, sel)
		}
		again, _ := got.Negate([]int{0})
		if s := fields(again.At([]int{0})); tc.back && s != fields(d.At([]int{0})) {
			t.Errorf("n twice on %v: %s, want it back", tc.fields, s)
		}
	}
}

func fields(n *Node) string {
	if n.Kind == Not {
		return "not(" + fields(n.Kids[0]) + ")"
	}
	parts := make([]string, len(n.Fields))
	for i, f := range n.Fields {
		parts[i] = f.Key + ": " + f.Value
	}
	return strings.Join(parts, ", ")
}
