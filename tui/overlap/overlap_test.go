package overlap

import (
	"testing"

	"github.com/segscope/segscope/query"
)

func TestExclusiveSet(t *testing.T) {
	a := query.NewMemberSet(1, 2, 3, 4)
	b := query.NewMemberSet(3, 4, 5)
	c := query.NewMemberSet(4, 6)
	sets := []*query.MemberSet{a, b, c}
	for _, tc := range []struct {
		name string
		in   []int
		want []uint32
	}{
		{"only a", []int{0}, []uint32{1, 2}},
		{"only b", []int{1}, []uint32{5}},
		{"a and b, not c", []int{0, 1}, []uint32{3}},
		{"all three", []int{0, 1, 2}, []uint32{4}},
		{"b and c, not a", []int{1, 2}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := exclusiveSet(sets, tc.in).IDs()
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}
