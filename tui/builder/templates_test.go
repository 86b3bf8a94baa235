package builder

import (
	"slices"
	"testing"

	"github.com/segscope/segscope/segments"
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
