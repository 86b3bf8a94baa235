package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
)

// Counts is the members of segments (segscope count), each optionally with its waterfall:
// the conditions of a top-level all: with the members each matches alone and the members
// remaining after it.
type Counts struct {
	Results   []*query.Result
	Waterfall bool
}

// WriteJSON writes one line per segment: {"segment","members","universe","as_of"} and the
// waterfall when asked for. A command may write each segment's line as soon as it is
// counted, with a Counts of one.
func (c Counts) WriteJSON(w io.Writer) error {
	for _, res := range c.Results {
		if err := jsonLine(w, countLine(res, c.Waterfall)); err != nil {
			return err
		}
	}
	return nil
}

// WriteText writes one aligned line per segment and the as_of they share.
func (c Counts) WriteText(w io.Writer) error {
	writeCounts(w, c.Results, c.Waterfall)
	return nil
}

// countJSON is one line of `count --json`.
type countJSON struct {
	Segment   string          `json:"segment"`
	Members   int64           `json:"members"`
	Universe  int64           `json:"universe"`
	AsOf      string          `json:"as_of"`
	Waterfall []waterfallJSON `json:"waterfall,omitempty"`
}

type waterfallJSON struct {
	Condition string `json:"condition"`
	Matching  int64  `json:"matching"`
	Remaining int64  `json:"remaining"`
}

func countLine(res *query.Result, waterfall bool) countJSON {
	out := countJSON{Segment: res.Segment, Members: res.Count(), Universe: res.Universe, AsOf: res.AsOf.Format(time.RFC3339Nano)}
	if waterfall {
		for _, st := range res.Waterfall {
			out.Waterfall = append(out.Waterfall, waterfallJSON{Condition: st.Label, Matching: st.Matching, Remaining: st.Remaining})
		}
	}
	return out
}

// writeCounts prints one aligned line per segment — name, members, universe, share — and
// the as_of they share; with waterfall, each segment's conditions under it. Names and labels
// come from files: they pass through safe.Text.
func writeCounts(w io.Writer, results []*query.Result, waterfall bool) {
	nameW, countW := 0, 0
	for _, res := range results {
		nameW = max(nameW, utf8.RuneCountInString(safe.Text(res.Segment)))
		countW = max(countW, len(format.Count(res.Count())))
	}
	for _, res := range results {
		name := safe.Text(res.Segment)
		fmt.Fprintf(w, "%s%s  %*s of %s %ss (%s)\n", name, strings.Repeat(" ", nameW-utf8.RuneCountInString(name)),
			countW, format.Count(res.Count()), format.Count(res.Universe), res.Unit, format.Share(res.Count(), res.Universe))
		if !waterfall {
			continue
		}
		wf := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(wf, "\t\tmatching\tremaining\t")
		for i, st := range res.Waterfall {
			fmt.Fprintf(wf, "\t%d\t%s\t%s\t  %s\n", i+1, format.Count(st.Matching), format.Count(st.Remaining), safe.Text(st.Label))
		}
		wf.Flush()
	}
	if len(results) > 0 {
		fmt.Fprintf(w, "as of %s\n", results[0].AsOf.Format(time.RFC3339))
	}
}
