package builder

import (
	"slices"
	"strings"
)

// Vocab is what the store and workspace offer to fill in and autocomplete: event names by
// frequency, property keys, user attributes and segment names.
type Vocab struct {
	Events     []string
	Properties []string
	Attributes []string
	Segments   []string
}

// Vocab is a segments.Vocabulary once the store's names are known, so the builder flags
// unknown event names and attributes the way `segscope check` does.
func (v Vocab) HasEvent(name string) bool     { return slices.Contains(v.Events, name) }
func (v Vocab) EventNames() []string          { return v.Events }
func (v Vocab) HasAttribute(name string) bool { return slices.Contains(v.Attributes, name) }
func (v Vocab) AttributeNames() []string      { return v.Attributes }
func (v Vocab) HasSegment(name string) bool   { return slices.Contains(v.Segments, name) }
func (v Vocab) SegmentNames() []string        { return v.Segments }

// event picks the first of the preferred names the store has, else its most frequent event.
func (v Vocab) event(preferred ...string) string {
	for _, p := range preferred {
		if slices.Contains(v.Events, p) {
			return p
		}
	}
	if len(v.Events) > 0 {
		return v.Events[0]
	}
	if len(preferred) > 0 {
		return preferred[0]
	}
	return "event"
}

// events picks up to n distinct names: the preferred ones the store has, then its most
// frequent.
func (v Vocab) events(n int, preferred ...string) []string {
	var out []string
	for _, p := range preferred {
		if len(out) < n && slices.Contains(v.Events, p) {
			out = append(out, p)
		}
	}
	for _, e := range v.Events {
		if len(out) < n && !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	for _, p := range preferred {
		if len(out) < n && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func (v Vocab) property(preferred ...string) string {
	for _, p := range preferred {
		if slices.Contains(v.Properties, p) {
			return p
		}
	}
	if len(v.Properties) > 0 {
		return v.Properties[0]
	}
	return preferred[0]
}

func (v Vocab) attribute(preferred ...string) string {
	for _, p := range preferred {
		if slices.Contains(v.Attributes, p) {
			return p
		}
	}
	if len(v.Attributes) > 0 {
		return v.Attributes[0]
	}
	return preferred[0]
}

// Template is a ready-made condition for one behavioral type.
type Template struct {
	Group string // the behavioral type it illustrates, or "compose"
	Title string
	Build func(Vocab) *Node
}

func leafOf(fields ...string) *Node {
	n := &Node{Kind: Leaf}
	for i := 0; i+1 < len(fields); i += 2 {
		n.Fields = append(n.Fields, Field{Key: fields[i], Value: fields[i+1]})
	}
	return n
}

// Templates lists the templates, grouped by the eight behavioral types, then composition.
func Templates() []Template {
	return []Template{
		{"purchase", "bought N+ times in a window", func(v Vocab) *Node {
			return leafOf("did", v.event("purchase"), "in_last", "90d", "times", ">= 4")
		}},
		{"purchase", "did A then not B within", func(v Vocab) *Node {
			return leafOf("did", v.event("add_to_cart"), "in_last", "7d", "then_not", v.event("purchase"), "within", "2h")
		}},
		{"purchase", "spent at least X in a window", func(v Vocab) *Node {
			return leafOf("measure", "sum(revenue)", "of", v.event("purchase"), "in_last", "90d", "is", ">= 100")
		}},
		{"purchase", "bought exactly once (first-time buyer)", func(v Vocab) *Node {
			return leafOf("did", v.event("purchase"), "times", "= 1")
		}},
		{"usage", "did event N times in a window", func(v Vocab) *Node {
			return leafOf("did", v.event("app_open", "login"), "in_last", "30d", "times", ">= 10")
		}},
		{"usage", "used N+ distinct features", func(v Vocab) *Node {
			return leafOf("measure", "count_distinct("+v.property("feature")+")", "of", v.event("feature_used"), "in_last", "30d", "is", ">= 3")
		}},
		{"timing", "did event during sale windows", func(v Vocab) *Node {
			return leafOf("did", v.event("purchase"), "during", "[[2025-11-24, 2025-12-01], [2025-12-10, 2025-12-24]]")
		}},
		{"timing", "overdue vs own rhythm", func(v Vocab) *Node {
			return leafOf("gap", v.event("purchase"), "vs_average", "> 1.5")
		}},
		{"benefit", "mostly does X (share of a property)", func(v Vocab) *Node {
			return leafOf("affinity", v.property("category"), "of", v.event("purchase"), "is", "sale", "share", ">= 50%")
		}},
		{"benefit", "did any of several events N+ times", func(v Vocab) *Node {
			return leafOf("did", "["+strings.Join(v.events(2, "security_check", "card_freeze", "virtual_card"), ", ")+"]", "in_last", "90d", "times", ">= 3")
		}},
		{"loyalty", "RFM score", func(Vocab) *Node {
			return leafOf("rfm.r", ">= 4", "rfm.f", ">= 4", "rfm.m", ">= 4")
		}},
		{"loyalty", "no E for N days", func(v Vocab) *Node {
			return leafOf("last", v.event("purchase"), "ago", "> 90d")
		}},
		{"engagement", "activity fell by X%", func(v Vocab) *Node {
			return leafOf("trend", v.event("app_open", "login"), "in_last", "30d", "change", "<= -50%")
		}},
		{"engagement", "mostly reads topic X", func(v Vocab) *Node {
			return leafOf("affinity", v.property("topic"), "of", v.event("article_read"), "in_last", "90d", "is", "technology", "share", ">= 60%")
		}},
		{"engagement", "did not do E in a window", func(v Vocab) *Node {
			return leafOf("did_not", v.event("email_open"), "in_last", "60d")
		}},
		{"lifecycle", "first did E recently", func(v Vocab) *Node {
			return leafOf("first", v.event("signup"), "ago", "<= 30d")
		}},
		{"lifecycle", "did A then B within", func(v Vocab) *Node {
			return leafOf("did", v.event("trial_start", "signup"), "then", v.event("feature_used"), "within", "7d")
		}},
		{"intent", "visited a page N+ times this week", func(v Vocab) *Node {
			return leafOf("did", v.event("page_view"), "where."+v.property("page"), "pricing", "in_last", "7d", "times", ">= 3")
		}},
		{"intent", "did A but never B", func(v Vocab) *Node {
			return &Node{Kind: All, Kids: []*Node{
				leafOf("did", v.event("view_education"), "in_last", "30d", "times", ">= 2"),
				leafOf("did_not", v.event("deposit")),
			}}
		}},
		{"compose", "attribute is", func(v Vocab) *Node {
			return leafOf("user", v.attribute("plan"), "is", "pro")
		}},
		{"compose", "member of segment", func(v Vocab) *Node {
			name := "segment_name"
			if len(v.Segments) > 0 {
				name = v.Segments[0]
			}
			return leafOf("segment", name)
		}},
		{"compose", "any of… (group)", func(v Vocab) *Node {
			return &Node{Kind: Any, Kids: []*Node{leafOf("did", v.event("purchase"), "in_last", "30d")}}
		}},
	}
}

// fieldKeys lists, for each leaf's head key, the other keys it may take, in the order a
// person fills them in. `where.` stands for any property filter.
var fieldKeys = map[string][]string{
	"did":      {"where.", "in_last", "between", "since", "during", "times", "then", "then_not", "within", "users"},
	"did_not":  {"where.", "in_last", "between", "since", "during"},
	"measure":  {"of", "where.", "in_last", "between", "since", "during", "is"},
	"last":     {"where.", "ago"},
	"first":    {"where.", "ago"},
	"trend":    {"where.", "in_last", "change"},
	"gap":      {"where.", "vs_average"},
	"affinity": {"of", "where.", "in_last", "between", "since", "during", "is", "share"},
	"rfm.r":    {"rfm.f", "rfm.m", "of"},
	"user":     {"is", "in"},
	"segment":  {},
}

// AddableKeys lists the keys the leaf does not have yet.
func AddableKeys(n *Node) []string {
	head := n.Head()
	if strings.HasPrefix(head, "rfm.") {
		head = "rfm.r"
	}
	var out []string
	for _, k := range fieldKeys[head] {
		if k == "where." {
			out = append(out, k)
			continue
		}
		if strings.HasPrefix(k, "rfm.") || !strings.Contains(k, ".") {
			if _, has := n.Get(k); !has {
				out = append(out, k)
			}
		}
	}
	return out
}
