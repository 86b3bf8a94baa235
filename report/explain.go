package report

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
)

// Explain is why one person (or account) is or is not a member of a segment (segscope
// explain, and the explorer's explanation of a member row).
type Explain struct {
	Explanation *query.Explanation
}

type explainJSON struct {
	Segment string        `json:"segment"`
	UserID  string        `json:"user_id"` // the account id for unit: account
	AsOf    string        `json:"as_of"`
	Member  bool          `json:"member"`
	Unit    string        `json:"unit"`
	Leaves  []explainLeaf `json:"leaves"`
}

type explainLeaf struct {
	Path      string         `json:"path"`
	Condition string         `json:"condition"`
	Kind      string         `json:"kind"`
	Matched   bool           `json:"matched"`
	Negated   bool           `json:"negated"`
	At        string         `json:"at,omitempty"` // file:line:col of the condition
	Summary   string         `json:"summary"`
	Evidence  query.Evidence `json:"evidence"`
	Children  []explainLeaf  `json:"children,omitempty"`
}

func leavesJSON(nodes []query.ExplainNode) []explainLeaf {
	out := []explainLeaf{}
	for _, n := range query.Leaves(nodes) {
		l := explainLeaf{Path: n.Path, Condition: n.Condition, Kind: n.Kind, Matched: n.Matched, Negated: n.Negated,
			At: n.Pos.String(), Summary: EvidenceSummary(n), Evidence: n.Evidence}
		if n.Kind == "segment" {
			l.Children = leavesJSON(n.Children)
		}
		out = append(out, l)
	}
	return out
}

// WriteJSON writes {"segment","user_id","as_of","member","leaves":[{"path","condition",
// "matched","evidence",…}]}: the leaves in document order, a segment reference's own
// leaves under "children".
func (r Explain) WriteJSON(w io.Writer) error {
	x := r.Explanation
	return indentedJSON(w, explainJSON{Segment: x.Segment, UserID: x.Key, AsOf: x.AsOf.Format(time.RFC3339Nano),
		Member: x.Member, Unit: x.Unit.String(), Leaves: leavesJSON(x.Nodes)})
}

// WriteText writes the verdict and the condition tree, ✓ or ✗ on each node (its own
// truth: a not shows the opposite of what is under it), each leaf with its facts.
func (r Explain) WriteText(w io.Writer) error {
	for _, l := range r.Lines() {
		if _, err := fmt.Fprintln(w, l); err != nil {
			return err
		}
	}
	return nil
}

// Lines is the text rendering line by line, for screens that scroll it.
func (r Explain) Lines() []string {
	x := r.Explanation
	verdict := "a member"
	if !x.Member {
		verdict = "not a member"
	}
	unit := "person"
	if x.Unit.String() == "account" {
		unit = "account"
	}
	out := []string{
		fmt.Sprintf("%s %s is %s of %s", unit, safe.Text(x.Key), verdict, safe.Text(x.Segment)),
		fmt.Sprintf("as of %s", format.Timestamp(x.AsOf)),
		"",
	}
	return append(out, TreeLines(x.Nodes, "")...)
}

// TreeLines renders explained nodes one per line, indented by depth under pad.
func TreeLines(nodes []query.ExplainNode, pad string) []string {
	var out []string
	for _, n := range nodes {
		mark := "✗"
		if n.Matched {
			mark = "✓"
		}
		indent := pad + strings.Repeat("  ", n.Depth)
		if !n.Leaf {
			out = append(out, fmt.Sprintf("%s%s %s", indent, mark, n.Kind))
			continue
		}
		out = append(out, fmt.Sprintf("%s%s %s — %s", indent, mark, safe.Text(n.Condition), EvidenceSummary(n)))
		if n.Kind == "segment" {
			out = append(out, TreeLines(n.Children, indent+"    ")...)
		}
	}
	return out
}

// EvidenceSummary says in one line what decided a leaf, in the units of its comparison:
// "2 matching events, latest 2026-03-30 00:00 UTC; needs times >= 4".
func EvidenceSummary(n query.ExplainNode) string {
	ev := n.Evidence
	at := func(t *time.Time) string { return format.Timestamp(*t) }
	count := func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	}
	var facts string
	switch n.Kind {
	case "did", "did_not":
		facts = format.Counted(count(ev.Count), "matching event", "matching events")
		if ev.People != nil {
			facts += " by " + format.Counted(*ev.People, "person", "people")
		}
		if ev.LastAt != nil {
			facts += ", latest " + at(ev.LastAt)
		}
	case "then", "then_not":
		facts = sequenceFacts(n)
	case "measure":
		if ev.Value != nil {
			facts = fmt.Sprintf("value %s over %s", format.Num(*ev.Value), format.Counted(count(ev.Events), "event", "events"))
		} else {
			facts = fmt.Sprintf("no value (%s, none with the property)", format.Counted(count(ev.Events), "event", "events"))
		}
	case "last", "first":
		word := map[string]string{"last": "latest", "first": "earliest"}[n.Kind]
		if ev.At == nil {
			facts = "never happened"
		} else {
			facts = fmt.Sprintf("%s %s, %s ago", word, at(ev.At), format.Age(*ev.AgoSeconds))
		}
	case "trend":
		facts = fmt.Sprintf("%d in the current period, %d in the one before", count(ev.Current), count(ev.Previous))
		if ev.Change != nil {
			facts += ": " + format.SignedPct(*ev.Change, 1)
		} else {
			facts += ": no change from nothing"
		}
	case "gap":
		switch {
		case count(ev.Events) < 2:
			facts = fmt.Sprintf("%s; needs at least 2", format.Counted(count(ev.Events), "event", "events"))
		case ev.Ratio == nil:
			facts = fmt.Sprintf("%d events all at one instant: no mean gap", count(ev.Events))
		default:
			facts = fmt.Sprintf("mean gap %s, %s since the latest: %s×", format.Age(*ev.MeanGapSeconds),
				format.Age(*ev.CurrentGapSeconds), format.Num(math.Round(*ev.Ratio*100)/100))
		}
	case "affinity":
		if ev.Share == nil {
			facts = "no event with the property"
		} else {
			facts = fmt.Sprintf("%d of %d events with the property: %s", count(ev.Matching), count(ev.Events), format.Pct(*ev.Share, 1))
		}
	case "rfm":
		if ev.R == nil {
			facts = fmt.Sprintf("no event: not among the %s ranked", format.Count(count(ev.Ranked)))
		} else {
			facts = fmt.Sprintf("R %d F %d M %d (latest %s, %s, revenue %s; %s ranked)", *ev.R, *ev.F, *ev.M, at(ev.LatestAt),
				format.Counted(count(ev.Frequency), "event", "events"), format.Money(*ev.Monetary), format.Count(count(ev.Ranked)))
		}
	case "user":
		if len(ev.Values) == 0 {
			facts = safe.Text(ev.Attribute) + " is missing"
		} else {
			vals := make([]string, len(ev.Values))
			for i, v := range ev.Values {
				vals[i] = safe.Short(v)
			}
			facts = safe.Text(ev.Attribute) + " is " + strings.Join(vals, ", ")
		}
	case "segment":
		if n.Matched {
			return "member"
		}
		return "not a member"
	}
	if ev.Needs != "" {
		facts += "; needs " + safe.Text(ev.Needs)
	}
	return facts
}

// sequenceFacts says which A the answer rests on and when its B came.
func sequenceFacts(n query.ExplainNode) string {
	ev := n.Evidence
	a := int64(0)
	if ev.AEvents != nil {
		a = *ev.AEvents
	}
	if a == 0 {
		return "no first event in the window"
	}
	var s string
	switch {
	case ev.AAt == nil:
		s = format.Counted(a, "first event", "first events")
	case ev.BAt == nil:
		s = fmt.Sprintf("first event at %s, no second event after it", format.Timestamp(*ev.AAt))
	default:
		s = fmt.Sprintf("first event at %s, second %s later", format.Timestamp(*ev.AAt), format.Age(ev.BAt.Sub(*ev.AAt).Seconds()))
	}
	if ev.Pending != nil && *ev.Pending > 0 {
		s += fmt.Sprintf(" (%d too recent to tell)", *ev.Pending)
	}
	return s
}
