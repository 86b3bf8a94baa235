package query

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/segments"
)

// nestedEngine loads testdata/engine/nested.ndjson: events whose properties nest objects
// and lists, and one (cat's) with a literal key "context.locale" next to a nested one.
func nestedEngine(t *testing.T) *Engine {
	t.Helper()
	s := memStore(t)
	mustLoad(t, s, LoadRequest{Paths: []string{filepath.Join("testdata", "engine", "nested.ndjson")}})
	return NewEngine(s)
}

// TestDottedKeys: a dotted key in where, measure and affinity reaches into nested objects
// and every element of a list; a literal key with dots wins on the events that have it;
// the bitmap path and the whole-segment SQL agree on every case.
func TestDottedKeys(t *testing.T) {
	e := nestedEngine(t)
	ctx := context.Background()
	cases := []struct {
		name, src string
		want      []string
	}{
		{"nested object", `{did: page_view, where: {context.locale: en-US}}`, []string{"ann"}},
		{"literal key wins where present", `{did: page_view, where: {context.locale: fr-FR}}`, []string{"cat"}},
		{"three levels", `{did: page_view, where: {context.page.path: /pricing}}`, []string{"ann"}},
		{"any element of a list", `{did: purchase, where: {items.category: shoes}}`, []string{"ann", "dan", "fay", "gil"}},
		{"any of several values", `{did: purchase, where: {items.category: [hats, books]}}`, []string{"ann", "ben"}},
		{"number equality", `{did: purchase, where: {items.price: 12}}`, []string{"ben"}},
		{"comparison on any element", `{did: purchase, where: {items.price: "> 50"}}`, []string{"fay"}},
		{"range on any element", `{did: purchase, where: {items.price: "5..10"}}`, []string{"ann", "dan"}},
		{"two filters, each any element", `{did: purchase, where: {items.category: hats, items.price: ">= 30"}}`, []string{"ann"}},
		{"traits", `{did: signup, where: {traits.plan: pro, traits.seats: ">= 5"}}`, []string{"eve"}},
		{"a list at the end is one value", `{did: signup, where: {tags: vip}}`, nil},
		{"null is not a value", `{did: purchase, where: {context.locale: "null"}}`, nil},
		{"did_not with a path", `{did_not: purchase, where: {items.category: shoes}}`, []string{"ben", "cat", "eve"}},
		{"sum over every element", `{measure: sum(items.price), of: purchase, is: ">= 40"}`, []string{"ann", "fay"}},
		{"sum of nothing is 0", `{measure: sum(items.price), of: purchase, is: "= 0"}`, []string{"cat", "eve", "gil"}},
		{"avg over every element", `{measure: avg(items.price), of: purchase, is: "< 10"}`, []string{"dan"}},
		{"min", `{measure: min(items.price), of: purchase, is: "<= 10"}`, []string{"ann", "dan"}},
		{"max", `{measure: max(items.price), of: purchase, is: ">= 100"}`, []string{"fay"}},
		{"count_distinct over every element", `{measure: count_distinct(items.category), of: purchase, is: ">= 2"}`, []string{"ann"}},
		{"count_distinct of nothing is 0", `{measure: count_distinct(items.category), of: purchase, is: "= 0"}`, []string{"cat", "eve"}},
		{"affinity: events with any element", `{affinity: items.category, of: purchase, is: shoes, share: "= 100%"}`, []string{"ann", "dan", "fay", "gil"}},
		{"affinity share", `{affinity: items.category, of: purchase, is: books, share: "> 0%"}`, []string{"ben"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustCondition(t, tc.src, segments.UnitUser)
			seg := &segments.Segment{Name: "nested", Unit: segments.UnitUser, Where: c}
			res, err := e.Evaluate(ctx, seg, nil, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			got := keysOf(t, e, res.Members, segments.UnitUser)
			want := tc.want
			if want == nil {
				want = []string{}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: members %v, want %v", tc.src, got, want)
			}
			if sqlPath := sqlKeys(t, e, seg, nil, time.Time{}); !slices.Equal(sqlPath, got) {
				t.Errorf("%s: whole-segment SQL %v, bitmap path %v", tc.src, sqlPath, got)
			}
		})
	}
}

// TestDottedKeysSuggestAndLint: value suggestions and lint read dotted keys the way the
// compiler does.
func TestDottedKeysSuggestAndLint(t *testing.T) {
	e := nestedEngine(t)
	ctx := context.Background()
	vals, err := e.Store().PropertyValues(ctx, "items.category", []string{"purchase"}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(vals, []string{"shoes", "books", "hats"}) {
		t.Errorf("values of items.category: %v", vals)
	}
	if vals, _ := e.Store().PropertyValues(ctx, "context.locale", nil, 10); !slices.Equal(vals, []string{"de-DE", "en-US", "fr-FR"}) {
		t.Errorf("values of context.locale: %v (cat's literal key wins over its nested one)", vals)
	}
	src := `name: nested_lint
where:
  all:
    - did: purchase
      where: {items.category: shoes, items.categry: shoes}
    - did: purchase
      where: {items.category: shooes}
    - did: purchase
      where: {items.price: "> 1000"}
    - did: page_view
      where: {context.locale: en-US}
`
	segs, err := segments.Parse("nested.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	ws, err := segments.NewWorkspace(segs, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Lint(ctx, segs[0], ws, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, w := range got {
		lines = append(lines, w.String())
	}
	want := []string{
		`nested.yaml:5:38: warning: property "items.categry" is never set on purchase events (did you mean "items.category"?)`,
		`nested.yaml:7:15: warning: no purchase event has items.category = "shooes" (did you mean "shoes"?)`,
		`nested.yaml:9:15: warning: no purchase event has items.price > 1000`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("lint:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// TestDottedKeysExplain: explaining one person reads dotted keys like the member query.
func TestDottedKeysExplain(t *testing.T) {
	e := nestedEngine(t)
	ctx := context.Background()
	cases := []struct {
		who, src string
		matched  bool
		check    func(ev Evidence) string
	}{
		{"fay", `{did: purchase, where: {items.category: shoes}}`, true, func(ev Evidence) string {
			if ev.Count == nil || *ev.Count != 1 {
				return "want 1 matching purchase (the one without items does not match)"
			}
			return ""
		}},
		{"ben", `{did: purchase, where: {items.category: shoes}}`, false, nil},
		{"ann", `{measure: sum(items.price), of: purchase, is: ">= 40"}`, true, func(ev Evidence) string {
			if ev.Value == nil || *ev.Value != 40 {
				return "want the sum of both items' prices, 40"
			}
			return ""
		}},
		{"fay", `{affinity: items.category, of: purchase, is: shoes, share: "= 100%"}`, true, func(ev Evidence) string {
			if ev.Events == nil || *ev.Events != 1 {
				return "want 1 purchase with a category (the one without items has none)"
			}
			return ""
		}},
	}
	for _, tc := range cases {
		seg := &segments.Segment{Name: "nested", Unit: segments.UnitUser, Where: mustCondition(t, tc.src, segments.UnitUser)}
		x, err := e.Explain(ctx, seg, nil, time.Time{}, tc.who)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		leaves := x.Leaves()
		if len(leaves) != 1 || leaves[0].Matched != tc.matched {
			t.Errorf("%s for %s: leaves %+v, want matched %v", tc.src, tc.who, leaves, tc.matched)
			continue
		}
		if tc.check != nil {
			if msg := tc.check(leaves[0].Evidence); msg != "" {
				t.Errorf("%s for %s: %s; evidence %+v", tc.src, tc.who, msg, leaves[0].Evidence)
			}
		}
	}
}
