package segments

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoadWorkspace(t *testing.T) {
	w, err := LoadWorkspace("testdata/workspace")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range w.Segments {
		names = append(names, s.Name)
	}
	// Files are read in path order; each segment follows the segments it references.
	if got := strings.Join(names, " "); got != "cart_abandoners big_spenders vip vip_abandoners" {
		t.Fatalf("order: %s", got)
	}
	var camps []string
	for _, c := range w.Campaigns {
		camps = append(camps, c.Name)
	}
	if got := strings.Join(camps, " "); got != "cart_recovery vip_winback" {
		t.Fatalf("campaigns: %s", got)
	}
	if s := w.Segment("vip"); s == nil || s.File != filepath.Join("testdata/workspace", "segments", "value.yml") {
		t.Fatalf("Segment(vip) = %+v", s)
	}
	if w.Segment("nope") != nil || w.Campaign("cart_recovery") == nil {
		t.Fatal("lookups")
	}
	if got := w.Dependencies("vip_abandoners"); !slices.Equal(got, []string{"vip", "cart_abandoners"}) {
		t.Fatalf("dependencies: %v", got)
	}
	if got := w.Dependents("big_spenders"); !slices.Equal(got, []string{"vip", "vip_abandoners"}) {
		t.Fatalf("dependents: %v", got)
	}
}

func TestLoadWorkspaceErrors(t *testing.T) {
	w, err := LoadWorkspace("testdata/bad_workspace")
	dir := filepath.Join("testdata", "bad_workspace")
	want := strings.Join([]string{
		dir + "/a.yaml:8:11: segment reference cycle: a -> b -> a",
		dir + "/a.yaml:10:13: segment reference cycle: c -> c",
		dir + "/a.yaml:12:13: unknown segment \"bb\" (did you mean \"b\"?)",
		dir + "/broken.yaml:2:17: unknown condition key \"tims\" (did you mean \"times\"?)",
		dir + "/camp.yaml:3:24: unknown segment \"nope\"",
		dir + "/camp.yaml:5:5: duplicate campaign \"k\" (first defined at " + dir + "/camp.yaml:2:5)",
		dir + "/dup.yaml:1:1: duplicate segment \"a\" (first defined at " + dir + "/a.yaml:2:5)",
	}, "\n")
	if err == nil || err.Error() != want {
		t.Fatalf("got:\n%v\nwant:\n%s", err, want)
	}
	// Everything that parsed is still there for the explorer to show.
	if w == nil || len(w.Segments) != 4 || w.Segment("d") == nil || len(w.Campaigns) != 1 {
		t.Fatalf("workspace kept %d segments, %d campaigns", len(w.Segments), len(w.Campaigns))
	}
}

func TestNewWorkspaceInMemory(t *testing.T) {
	a := &Segment{Name: "a", Where: &SegmentRef{Name: "b"}}
	b := &Segment{Name: "b", Where: &Did{Events: []string{"x"}}}
	w, err := NewWorkspace([]*Segment{a, b}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if w.Segments[0] != b || w.Segments[1] != a {
		t.Fatalf("b must be evaluated before a")
	}
	_, err = NewWorkspace([]*Segment{a}, nil)
	if err == nil || err.Error() != `unknown segment "b"` {
		t.Fatalf("missing reference: %v", err)
	}
}

// vocab is a fixed Vocabulary for tests.
type vocab struct{ events, attrs []string }

func (v vocab) HasEvent(n string) bool     { return slices.Contains(v.events, n) }
func (v vocab) EventNames() []string       { return v.events }
func (v vocab) HasAttribute(n string) bool { return slices.Contains(v.attrs, n) }
func (v vocab) AttributeNames() []string   { return v.attrs }

func TestValidateVocabulary(t *testing.T) {
	w, err := LoadWorkspace("testdata/workspace")
	if err != nil {
		t.Fatal(err)
	}
	good := vocab{events: []string{"add_to_cart", "purchase"}, attrs: []string{"plan"}}
	if err := w.Validate(good); err != nil {
		t.Fatalf("valid workspace: %v", err)
	}
	bad := vocab{events: []string{"add_to_cart", "purchases"}, attrs: []string{"plans"}}
	dir := filepath.Join("testdata", "workspace")
	want := strings.Join([]string{
		dir + `/campaigns/cart_recovery.yaml:3:15: unknown event "purchase" (did you mean "purchases"?)`,
		dir + `/campaigns/cart_recovery.yaml:10:21: unknown event "purchase" (did you mean "purchases"?)`,
		dir + `/segments/cart.yaml:9:17: unknown event "purchase" (did you mean "purchases"?)`,
		dir + `/segments/value.yml:7:11: unknown user attribute "plan" (did you mean "plans"?)`,
		dir + `/segments/value.yml:12:11: unknown event "purchase" (did you mean "purchases"?)`,
	}, "\n")
	if err := w.Validate(bad); err == nil || err.Error() != want {
		t.Fatalf("got:\n%v\nwant:\n%s", err, want)
	}
}

// A "segments" folder takes its campaigns from the "campaigns" folder beside it (the
// layout gen writes); another folder name does not reach outside itself.
func TestLoadWorkspaceCampaignsBeside(t *testing.T) {
	root := t.TempDir()
	write := func(rel, text string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	seg := "name: carts\nwhere: {did: add_to_cart, in_last: 7d}\n"
	// No trigger: key: a file in a campaigns folder is a campaign by where it lies.
	camp := "name: nudge\ntrigger: {segment: carts}\nsteps:\n  - {wait: 1h, send: email}\n"
	write("shop/segments/carts.yaml", seg)
	write("shop/campaigns/nudge.yaml", camp)
	write("other/defs/carts.yaml", seg)
	write("other/campaigns/nudge.yaml", camp)

	w, err := LoadWorkspace(filepath.Join(root, "shop", "segments"))
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Segments) != 1 || w.Campaign("nudge") == nil || len(w.Campaigns) != 1 {
		t.Errorf("shop/segments: %d segments, campaigns %v; want carts and nudge", len(w.Segments), w.Campaigns)
	}
	w, err = LoadWorkspace(filepath.Join(root, "other", "defs"))
	if err != nil || len(w.Campaigns) != 0 || len(w.Segments) != 1 {
		t.Errorf("other/defs: %d campaigns (%v); want none", len(w.Campaigns), err)
	}
}
