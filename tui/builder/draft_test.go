package builder

import (
	"os"
	"strings"
	"testing"

	"github.com/segscope/segscope/segments"
)

// Every condition of the language survives segment → draft → YAML → segment unchanged.
func TestDraftRoundTripsEveryConditionKind(t *testing.T) {
	src, err := os.ReadFile("../../segments/testdata/all_kinds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	segs, err := segments.Parse("all_kinds.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	for _, seg := range segs {
		t.Run(seg.Name, func(t *testing.T) {
			d, err := DraftOf(seg)
			if err != nil {
				t.Fatal(err)
			}
			back, errs := d.Parse("draft.yaml", nil)
			if errs != nil {
				t.Fatalf("draft does not parse: %v\n%s", errs, d.Source().Text)
			}
			want, _ := segments.Format(seg)
			got, _ := segments.Format(back)
			if string(got) != string(want) {
				t.Errorf("round trip changed the segment:\n got:\n%s\nwant:\n%s\ndraft:\n%s", got, want, d.Source().Text)
			}
		})
	}
}

func TestParseErrorsLandOnTheirField(t *testing.T) {
	d := Draft{Name: "x", Root: &Node{Kind: All, Kids: []*Node{
		{Kind: Leaf, Fields: []Field{{"did", "add_to_cart"}, {"in_last", "7d"}}},
		{Kind: Leaf, Fields: []Field{{"did", "add_to_cart"}, {"then_not", "purchase"}, {"within", "2 hours"}}},
	}}}
	_, errs := d.Parse("x.yaml", nil)
	if len(errs) == 0 {
		t.Fatal("a bad duration parsed")
	}
	e := errs[0]
	if len(e.Loc.Path) != 1 || e.Loc.Path[0] != 1 || e.Loc.Field != 2 {
		t.Errorf("error %q placed at %+v, want node [1] field 2", e.Msg, e.Loc)
	}
}

func TestUnknownKeyErrorSuggests(t *testing.T) {
	d := Draft{Name: "x", Root: &Node{Kind: Leaf, Fields: []Field{{"did", "add_to_cart"}, {"thn_not", "purchase"}, {"within", "2h"}}}}
	_, errs := d.Parse("x.yaml", nil)
	if len(errs) == 0 || !strings.Contains(errs[0].Msg, `did you mean "then_not"`) {
		t.Fatalf("errors = %+v", errs)
	}
	if errs[0].Loc.Field != 1 {
		t.Errorf("placed at field %d, want 1", errs[0].Loc.Field)
	}
}

func TestScalarKeepsTextAsTyped(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{">= 3", `">= 3"`},
		{"7d", `"7d"`},
		{"3", "3"},
		{"-2.5", "-2.5"},
		{"true", "true"},
		{"[pro, team]", "[pro, team]"},
		{"a: b", `"a: b"`},
		{`say "hi"`, `"say \"hi\""`},
	} {
		if got := scalar(tt.in); got != tt.want {
			t.Errorf("scalar(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestEmptyGroupIsAnError(t *testing.T) {
	d := Draft{Name: "x", Root: &Node{Kind: All}}
	if _, errs := d.Parse("x.yaml", nil); len(errs) == 0 {
		t.Error("an empty all: parsed")
	}
}

func TestShowPath(t *testing.T) {
	for _, tc := range []struct{ dir, label, file, want string }{
		{"/srv/ws", "", "/srv/ws/segments/a.yaml", "/srv/ws/segments/a.yaml"},
		{"/srv/ws", "shared", "/srv/ws/segments/a.yaml", "shared: segments/a.yaml"},
		{"/srv/ws", "shared", "/elsewhere/b.yaml", "shared: b.yaml"},
	} {
		if got := ShowPath(tc.dir, tc.label, tc.file); got != tc.want {
			t.Errorf("ShowPath(%q, %q, %q) = %q, want %q", tc.dir, tc.label, tc.file, got, tc.want)
		}
	}
}
