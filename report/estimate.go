package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/segscope/segscope/estimate"
	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
)

// Estimates is segments' member counts estimated from a sample (segscope count --estimate):
// each a number with its 95% interval, marked as an estimate everywhere it is printed.
type Estimates struct {
	Results   []*query.Estimate
	Waterfall bool
}

// estimateJSON is one line of `count --estimate --json`: count --json's fields (members is
// the estimate) and the estimate's own.
type estimateJSON struct {
	Segment       string          `json:"segment"`
	Members       int64           `json:"members"`
	Universe      int64           `json:"universe"`
	AsOf          string          `json:"as_of"`
	Waterfall     []waterfallJSON `json:"waterfall,omitempty"`
	Estimated     bool            `json:"estimated"`
	Low           int64           `json:"low"`
	High          int64           `json:"high"`
	Confidence    float64         `json:"confidence"`
	SampleSize    int64           `json:"sample_size"`
	SampleMembers int64           `json:"sample_members"`
}

// WriteJSON writes one line per segment.
func (e Estimates) WriteJSON(w io.Writer) error {
	for _, est := range e.Results {
		c := est.Count
		out := estimateJSON{Segment: est.Segment, Members: c.Estimate, Universe: c.Universe, AsOf: est.AsOf.Format(time.RFC3339Nano),
			Estimated: !c.Exact(), Low: c.Low, High: c.High, Confidence: 0.95, SampleSize: c.SampleSize, SampleMembers: c.SampleMembers}
		if e.Waterfall {
			for _, st := range est.Waterfall {
				out.Waterfall = append(out.Waterfall, waterfallJSON{Condition: st.Label, Matching: st.Matching.Estimate, Remaining: st.Remaining.Estimate})
			}
		}
		if err := jsonLine(w, out); err != nil {
			return err
		}
	}
	return nil
}

// WriteText writes one aligned line per segment — name, the estimate ± its margin, the
// universe and share, the interval and the sample — and the as_of they share.
func (e Estimates) WriteText(w io.Writer) error {
	nameW, countW := 0, 0
	for _, est := range e.Results {
		nameW = max(nameW, utf8.RuneCountInString(safe.Text(est.Segment)))
		countW = max(countW, utf8.RuneCountInString(est.Count.Text()))
	}
	for _, est := range e.Results {
		c := est.Count
		name := safe.Text(est.Segment)
		text := c.Text()
		fmt.Fprintf(w, "%s%s  %s%s of %s %ss (%s)  %s\n", name, strings.Repeat(" ", nameW-utf8.RuneCountInString(name)),
			strings.Repeat(" ", countW-utf8.RuneCountInString(text)), text, format.Count(c.Universe), est.Unit,
			format.Share(c.Estimate, c.Universe), estimateNote(c))
		if !e.Waterfall {
			continue
		}
		wf := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(wf, "\t\tmatching\tremaining\t")
		for i, st := range est.Waterfall {
			fmt.Fprintf(wf, "\t%d\t%s\t%s\t  %s\n", i+1, st.Matching.Text(), st.Remaining.Text(), safe.Text(st.Label))
		}
		wf.Flush()
	}
	if len(e.Results) > 0 {
		fmt.Fprintf(w, "as of %s\n", e.Results[0].AsOf.Format(time.RFC3339))
	}
	return nil
}

// estimateNote says what kind of number was printed: "estimate: 95% interval 36,640–39,902
// from a sample of 20,012", or "exact: the sample was everyone".
func estimateNote(c estimate.Count) string {
	if c.Exact() {
		return "exact: the sample was everyone"
	}
	return fmt.Sprintf("estimate: 95%% interval %s–%s from a sample of %s", format.Count(c.Low), format.Count(c.High), format.Count(c.SampleSize))
}
