package definitions

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/segscope/segscope/segments"
)

func names(segs []*segments.Segment) []string {
	var out []string
	for _, s := range segs {
		out = append(out, s.Name)
	}
	return out
}

func TestNamed(t *testing.T) {
	ws := filepath.Join("testdata", "ws")
	for _, tc := range []struct {
		name    string
		args    []string
		dir     string
		want    []string
		resolve string // a reference the chain must resolve
		err     string
	}{
		{name: "a folder, in file order", args: []string{ws}, want: []string{"buyers", "recent_buyers", "vip"}, resolve: "buyers"},
		{name: "a file referencing its neighbour", args: []string{filepath.Join(ws, "b.yaml")}, want: []string{"vip"}, resolve: "buyers"},
		{name: "names in a workspace", args: []string{"vip", "buyers"}, dir: ws, want: []string{"vip", "buyers"}, resolve: "recent_buyers"},
		{name: "an unknown name", args: []string{"nope"}, dir: ws, err: `no segment "nope" in testdata/ws`},
		{name: "a name without a workspace", args: []string{"vip"}, err: "give its workspace with --segments DIR"},
		{name: "not YAML", args: []string{filepath.Join("testdata", "notes.txt")}, err: "not a segment file"},
		{name: "nothing in it", args: []string{filepath.Join("testdata", "empty")}, err: "no segments found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			segs, chain, err := Named(tc.args, tc.dir)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := names(segs); !slices.Equal(got, tc.want) {
				t.Errorf("segments %v, want %v", got, tc.want)
			}
			if s := chain.Segment(tc.resolve); s == nil || s.Name != tc.resolve {
				t.Errorf("the chain does not resolve %q", tc.resolve)
			}
			if chain.Segment("no_such_segment") != nil {
				t.Error("the chain resolves a name nobody defines")
			}
		})
	}
}

// All collects every problem instead of stopping at the first, and keeps what did parse.
func TestAll(t *testing.T) {
	var problems []error
	segs, camps, chain, err := All([]string{filepath.Join("testdata", "broken"), filepath.Join("testdata", "ws", "a.yaml")},
		func(err error) { problems = append(problems, err) })
	if err != nil {
		t.Fatal(err)
	}
	if got := names(segs); !slices.Equal(got, []string{"good", "buyers", "recent_buyers"}) {
		t.Errorf("segments %v", got)
	}
	if len(camps) != 1 || camps[0].Name != "welcome" {
		t.Errorf("campaigns %v", camps)
	}
	if len(problems) != 1 || !strings.Contains(problems[0].Error(), `unknown condition key "thn_not"`) {
		t.Errorf("problems %v, want the one bad key", problems)
	}
	if chain.Segment("good") == nil || chain.Segment("buyers") == nil {
		t.Error("the chain misses a segment")
	}
	if _, _, _, err := All([]string{"testdata/missing"}, func(error) {}); err == nil {
		t.Errorf("a missing argument: %v", err)
	}
}
