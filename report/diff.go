package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
)

// Diff is two definitions of a segment compared member by member (segscope diff).
type Diff struct {
	Old, New string // the definitions as the command named them (file, name, FILE@REV)
	Diff     *query.Diff
	// Samples of each group, first members by id: entered, left, kept.
	Entered, Left, Kept []query.Member
}

type diffJSON struct {
	Old          string          `json:"old"`
	New          string          `json:"new"`
	Entered      int64           `json:"entered"`
	Left         int64           `json:"left"`
	Kept         int64           `json:"kept"`
	OldMembers   int64           `json:"old_members"`
	NewMembers   int64           `json:"new_members"`
	Universe     int64           `json:"universe"`
	Unit         string          `json:"unit"`
	AsOf         string          `json:"as_of"`
	OldWaterfall []waterfallJSON `json:"old_waterfall"`
	NewWaterfall []waterfallJSON `json:"new_waterfall"`
	Samples      diffSamples     `json:"samples"`
}

type diffSamples struct {
	Entered []string `json:"entered"`
	Left    []string `json:"left"`
	Kept    []string `json:"kept"`
}

func waterfallOf(res *query.Result) []waterfallJSON {
	out := []waterfallJSON{}
	for _, st := range res.Waterfall {
		out = append(out, waterfallJSON{Condition: st.Label, Matching: st.Matching, Remaining: st.Remaining})
	}
	return out
}

func keysOf(ms []query.Member) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Key)
	}
	return out
}

// WriteJSON writes {"old","new","entered","left","kept","old_members","new_members",
// "universe","unit","as_of","old_waterfall","new_waterfall","samples"}.
func (r Diff) WriteJSON(w io.Writer) error {
	d := r.Diff
	return indentedJSON(w, diffJSON{Old: r.Old, New: r.New, Entered: d.Entered.Count(), Left: d.Left.Count(),
		Kept: d.Kept.Count(), OldMembers: d.Old.Count(), NewMembers: d.New.Count(), Universe: d.New.Universe,
		Unit: d.New.Unit.String(), AsOf: d.New.AsOf.Format(time.RFC3339Nano),
		OldWaterfall: waterfallOf(d.Old), NewWaterfall: waterfallOf(d.New),
		Samples: diffSamples{Entered: keysOf(r.Entered), Left: keysOf(r.Left), Kept: keysOf(r.Kept)}})
}

// WriteText writes both sides' counts and waterfalls, then the three groups with a
// sample of each.
func (r Diff) WriteText(w io.Writer) error {
	d := r.Diff
	unit := d.New.Unit.String() + "s"
	sides := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(sides, "old\t%s\t%s %s\n", safe.Text(r.Old), format.Count(d.Old.Count()), unit)
	fmt.Fprintf(sides, "new\t%s\t%s %s\n", safe.Text(r.New), format.Count(d.New.Count()), unit)
	sides.Flush()
	fmt.Fprintf(w, "as of %s, of %s %s\n\n", d.New.AsOf.Format(time.RFC3339), format.Count(d.New.Universe), unit)
	var groups strings.Builder
	tw := tabwriter.NewWriter(&groups, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, g := range []struct {
		name   string
		set    *query.MemberSet
		sample []query.Member
	}{{"entered", d.Entered, r.Entered}, {"left", d.Left, r.Left}, {"kept", d.Kept, r.Kept}} {
		keys := make([]string, len(g.sample))
		for i, m := range g.sample {
			keys[i] = safe.Short(m.Key)
		}
		more := ""
		if n := g.set.Count() - int64(len(g.sample)); n > 0 && len(g.sample) > 0 {
			more = fmt.Sprintf(", … %s more", format.Count(n))
		}
		fmt.Fprintf(tw, "%s\t%s\t  %s\n", g.name, format.Count(g.set.Count()), strings.Join(keys, ", ")+more)
	}
	tw.Flush()
	fmt.Fprint(w, trimLines(groups.String()))
	for _, side := range []struct {
		name string
		res  *query.Result
	}{{"old", d.Old}, {"new", d.New}} {
		fmt.Fprintf(w, "\n%s waterfall\n", side.name)
		wf := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(wf, "\t\tmatching\tremaining\t")
		for i, st := range side.res.Waterfall {
			fmt.Fprintf(wf, "\t%d\t%s\t%s\t  %s\n", i+1, format.Count(st.Matching), format.Count(st.Remaining), safe.Text(st.Label))
		}
		wf.Flush()
	}
	return nil
}
