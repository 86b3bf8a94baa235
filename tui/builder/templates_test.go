package builder

import (
	"context"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/theme"
)

// Every template, filled from a store's vocabulary or from none, is a valid condition.
func TestTemplatesParse(t *testing.T) {
	vocabs := map[string]Vocab{
		"demo": {Events: []string{"app_open", "purchase", "add_to_cart", "page_view"}, Properties: []string{"page", "category"},
			Attributes: []string{"plan"}, Segments: []string{"frequent_buyers"}},
		"empty": {},
	}
	for vname, v := range vocabs {
		for _, tpl := range Templates() {
			t.Run(vname+"/"+tpl.Title, func(t *testing.T) {
				d := Draft{Name: "t", Root: tpl.Build(v)}
				if _, errs := d.Parse("t.yaml", nil); errs != nil {
					t.Errorf("template does not parse: %+v\n%s", errs, d.Source().Text)
				}
			})
		}
	}
}

func TestTemplatesCoverEveryType(t *testing.T) {
	var groups []string
	for _, tpl := range Templates() {
		groups = append(groups, tpl.Group)
	}
	for _, typ := range segments.Types() {
		if !slices.Contains(groups, typ.String()) {
			t.Errorf("no template for %s", typ)
		}
	}
}

func TestAddableKeys(t *testing.T) {
	n := leafOf("did", "a", "in_last", "7d")
	keys := AddableKeys(n)
	if slices.Contains(keys, "in_last") || !slices.Contains(keys, "times") || !slices.Contains(keys, "where.") {
		t.Errorf("AddableKeys = %v", keys)
	}
}

// TestTemplateFilter: every word typed must appear in a template's type, title or the
// condition it adds, and the best match is the one selected ("trial" found only "did event
// during sale windows"; "RFM" selected "bought exactly once" before "RFM score").
func TestTemplateFilter(t *testing.T) {
	vocab := Vocab{Events: []string{"app_open", "purchase", "trial_start", "feature_used", "signup"}}
	m := Model{deps: Deps{Vocab: vocab}}
	titles := func(ts []Template) []string {
		var out []string
		for _, t := range ts {
			out = append(out, t.Title)
		}
		return out
	}
	for _, tc := range []struct {
		filter   string
		want     string // selected
		excluded string
	}{
		{"trial", "did A then B within", "did event during sale windows"},
		{"RFM", "RFM score", "bought exactly once (first-time buyer)"},
		{"then not", "did A then not B within", "did A then B within"},
		{"member", "member of segment", ""},
		{"did not", "did not do E in a window", ""},
	} {
		m.tplFilter = tc.filter
		matches := m.templateMatches()
		got := titles(matches)
		if len(matches) == 0 || matches[m.bestTemplate(matches)].Title != tc.want {
			t.Errorf("%q: matches %v, want %q selected", tc.filter, got, tc.want)
		}
		if tc.excluded != "" && slices.Contains(got, tc.excluded) {
			t.Errorf("%q matches %q", tc.filter, tc.excluded)
		}
	}
	m.tplFilter = "zzz"
	if got := m.templateMatches(); len(got) != 0 {
		t.Errorf("zzz matches %v", titles(got))
	}
}

// TestTemplatePickerSaysNoMatchAndClears: typing nothing any template has says so, and
// ctrl+u clears the filter.
func TestTemplatePickerSaysNoMatchAndClears(t *testing.T) {
	m, err := Open(context.Background(), Deps{}, theme.New(true), nil, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	m.SetSize(80, 24)
	m, _ = m.Update(tea.KeyPressMsg{Code: 'a', Text: "a"})
	for _, r := range "qqq" {
		m, _ = m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, `No template matches "qqq"`) {
		t.Errorf("no 'no match' line:\n%s", v)
	}
	m, _ = m.Update(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	if m.tplFilter != "" || len(m.templateMatches()) != len(Templates()) {
		t.Errorf("ctrl+u left %q", m.tplFilter)
	}
}
