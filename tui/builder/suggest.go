package builder

import (
	"strings"

	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/fuzzy"
)

// eventKeys are the keys whose value names events.
var eventKeys = map[string]bool{
	"did": true, "did_not": true, "then": true, "then_not": true, "of": true,
	"last": true, "first": true, "trend": true, "gap": true,
}

var staticSuggestions = map[string][]string{
	"in_last":    {"1d", "7d", "14d", "30d", "60d", "90d", "180d", "365d"},
	"within":     {"30m", "1h", "2h", "1d", "3d", "7d"},
	"ago":        {"> 7d", "> 30d", "> 60d", "> 90d", "<= 7d", "<= 30d"},
	"times":      {">= 1", ">= 3", ">= 4", ">= 10", "= 0", "= 1", "1..3"},
	"users":      {">= 2", ">= 3", ">= 5"},
	"change":     {"<= -50%", "<= -25%", ">= 25%", ">= 50%", ">= 100%"},
	"share":      {">= 50%", ">= 60%", ">= 75%"},
	"vs_average": {"> 1", "> 1.5", "> 2", "> 3"},
	"rfm.r":      {">= 4", "= 5", "<= 2", "= 1"},
	"rfm.f":      {">= 4", "= 5", "<= 2", "= 1"},
	"rfm.m":      {">= 4", "= 5", "<= 2", "= 1"},
	"since":      {"2026-01-01"},
	"between":    {"[2025-11-24, 2025-12-01]", "[2025-12-10, 2025-12-24]"},
	"during":     {"[[2025-11-24, 2025-12-01], [2025-12-10, 2025-12-24]]"},
	"type":       typeNames(),
	"unit":       {"user", "account"},
	"expect":     {">= 1", ">= 10", ">= 100", "1..1000"},
}

func typeNames() []string {
	var out []string
	for _, t := range segments.Types() {
		out = append(out, t.String())
	}
	return out
}

var aggregates = []string{"sum", "avg", "min", "max", "count_distinct"}

// valuesKey names a list of values fetched from the store: "prop:page" or "attr:plan".
type valuesKey string

// candidates lists what may go in field key of node n. The second result names store values
// that are needed but not fetched yet (fetched lists arrive through values).
func (v Vocab) candidates(key string, n *Node, values map[valuesKey][]string) ([]string, valuesKey) {
	if eventKeys[key] {
		return v.Events, ""
	}
	if list, ok := staticSuggestions[key]; ok {
		return list, ""
	}
	switch {
	case key == "user":
		return v.Attributes, ""
	case key == "affinity":
		return withColumns(v.Properties), ""
	case key == "segment":
		return v.Segments, ""
	case key == "measure":
		var out []string
		for _, p := range withColumns(v.Properties) {
			for _, a := range aggregates {
				if p == "account_id" && a != "count_distinct" {
					continue
				}
				out = append(out, a+"("+p+")")
			}
		}
		return out, ""
	case strings.HasPrefix(key, "where."):
		return fetchable(valuesKey("prop:"+strings.TrimPrefix(key, "where.")), values)
	case key == "is" || key == "in":
		switch n.Head() {
		case "user":
			attr, _ := n.Get("user")
			return fetchable(valuesKey("attr:"+attr), values)
		case "affinity":
			prop, _ := n.Get("affinity")
			return fetchable(valuesKey("prop:"+prop), values)
		case "measure":
			return []string{">= 1", ">= 50", ">= 100", ">= 500", "< 10"}, ""
		}
	case key == "where.":
		return withColumns(v.Properties), ""
	}
	return nil, ""
}

func withColumns(props []string) []string {
	return append([]string{"revenue", "account_id"}, props...)
}

func fetchable(k valuesKey, values map[valuesKey][]string) ([]string, valuesKey) {
	if list, ok := values[k]; ok {
		return list, ""
	}
	return nil, k
}

// suggest ranks candidates against the value being typed. Inside a flow list ("[a, b")
// it completes the last item.
func suggest(value string, candidates []string) []string {
	pattern := value
	if strings.HasPrefix(strings.TrimSpace(value), "[") {
		pattern = lastItem(value)
	}
	pattern = strings.TrimSpace(pattern)
	var out []string
	for _, m := range fuzzy.Find(pattern, candidates) {
		if m.Text == pattern {
			continue // already typed in full
		}
		out = append(out, m.Text)
		if len(out) == 8 {
			break
		}
	}
	return out
}

// complete puts a chosen suggestion into the value: the whole value, or the last item of a
// flow list.
func complete(value, choice string) string {
	t := strings.TrimSpace(value)
	if !strings.HasPrefix(t, "[") || strings.HasPrefix(choice, "[") {
		return choice
	}
	i := strings.LastIndexAny(t, "[,")
	prefix := t[:i+1]
	if prefix[len(prefix)-1] == ',' {
		prefix += " "
	}
	return prefix + choice
}

func lastItem(value string) string {
	i := strings.LastIndexAny(value, "[,")
	return strings.TrimSuffix(value[i+1:], "]")
}
