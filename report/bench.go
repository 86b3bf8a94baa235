package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/segscope/segscope/bench"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/segments"
)

// Bench is a benchmark of the engine against hand-written SQL (segscope bench). Its JSON
// shape is bench.Report's: the measurement record is the shape.
type Bench struct {
	Report *bench.Report
}

// WriteJSON writes the measurements, indented.
func (r Bench) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r.Report, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// WriteText writes the measurements as tables, each engine time beside the hand-written
// statement's, then the targets met or missed.
func (r Bench) WriteText(w io.Writer) error {
	rep := r.Report
	fmt.Fprintf(w, "store %s: %s events, %s people, %s accounts; DuckDB threads %s\n", rep.Store,
		format.Count(rep.Events), format.Count(rep.People), format.Count(rep.Accounts), rep.Threads)
	fmt.Fprintf(w, "as of %s; times are the median of %d runs after a warm-up, in ms\n", rep.AsOf, rep.Runs)
	fmt.Fprintf(w, "a fresh engine first reads the store's universes, attributes and event names: %s ms (the very first read, blocks\n"+
		"not yet in memory: %s ms); it happens once per engine and data version and is not in the cold times below\n\n",
		format.Millis(rep.SnapshotMS), format.Millis(rep.FirstReadMS))

	if b := rep.Baseline; b != nil {
		made := "opened"
		if b.CreateSeconds > 0 {
			made = fmt.Sprintf("made from %s by CREATE TABLE … AS SELECT in %.1f s", b.Source, b.CreateSeconds)
		}
		fmt.Fprintf(w, "baseline %s: %s events, %s; hand-written SQL runs there too (\"plain\")\n\n", b.Path, format.Count(b.Events), made)
	}
	fmt.Fprintln(w, "Cold count: a fresh engine (empty cache) vs the engine's SQL text (segscope sql) vs hand-written SQL")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	plainHead := ""
	if rep.Baseline != nil {
		plainHead = "\tplain\tplain/engine"
	}
	fmt.Fprintln(tw, "kind\tmembers\tengine\tsql text\thand SQL\tengine/hand"+plainHead+"\testimate\tcondition")
	for _, c := range rep.Cold {
		members := format.Count(c.Members)
		if !c.Match {
			members += fmt.Sprintf(" MISMATCH (hand %s, sql text %s", format.Count(c.HandMembers), format.Count(c.SQLTextMembers))
			if rep.Baseline != nil {
				members += ", plain " + format.Count(c.BaselineMembers)
			}
			members += ")"
		}
		cond := c.Condition
		if c.Unit == segments.UnitAccount.String() {
			cond += " (accounts)"
		}
		plain := ""
		if rep.Baseline != nil {
			plain = fmt.Sprintf("\t%s\t%.1f×", format.Millis(c.BaselineMS), c.BaselineSpeedup)
		}
		est := fmt.Sprintf("%s ≈%s±%s", format.Millis(c.EstimateMS), format.Compact(c.Estimate), format.Compact((c.EstimateHigh-c.EstimateLow+1)/2))
		if c.EstimateSample >= c.Universe {
			est = format.Millis(c.EstimateMS) + " exact" // the universe fits in the sample
		} else if !c.EstimateCovers {
			est += " MISSES"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.2f×%s\t%s\t%s\n", c.Kind, members, format.Millis(c.EngineMS), format.Millis(c.SQLTextMS),
			format.Millis(c.HandMS), c.Ratio, plain, est, cond)
	}
	tw.Flush()

	fmt.Fprintf(w, "\nWarm recount: a five-condition all:, evaluated once (%s ms, %d queries, %s members; hand SQL %s ms),\n",
		format.Millis(rep.Warm.FirstMS), rep.Warm.FirstQuery, format.Count(rep.Warm.Members), format.Millis(rep.Warm.HandFirstMS))
	fmt.Fprintln(w, "then one condition's number changed and the segment evaluated again")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "changed condition\tengine\tqueries\tcached\thand SQL (whole segment)\tmembers")
	for _, st := range rep.Warm.Steps {
		members := format.Count(st.Members)
		if !st.Match {
			members += fmt.Sprintf(" MISMATCH (hand %s)", format.Count(st.HandMembers))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", st.Changed, format.Millis(st.EngineMS), st.Queries, st.CacheHits, format.Millis(st.HandMS), members)
	}
	tw.Flush()

	o := rep.Overlap
	match := "intersections match"
	if !o.Match {
		match = "INTERSECTIONS MISMATCH"
	}
	fmt.Fprintf(w, "\nOverlap of %d cached segments (%s): engine %s ms (%d queries), hand SQL %s ms; %s\n",
		len(o.Segments), strings.Join(o.Segments, ", "), format.Millis(o.EngineMS), o.Queries, format.Millis(o.HandMS), match)
	fmt.Fprintf(w, "(evaluating the %d segments cold first took %s ms)\n", len(o.Segments), format.Millis(o.EvaluateMS))

	fmt.Fprintln(w, "\nTargets (the first three set for 10M events, the cold ones for 100M; 2 cores)")
	if rep.MemoryLimit != "" {
		fmt.Fprintf(w, "(DuckDB memory limit %s)\n", rep.MemoryLimit)
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, t := range rep.Targets {
		verdict := "met"
		if !t.Met {
			verdict = "MISSED"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", t.Name, t.Target, t.Measured, verdict)
	}
	tw.Flush()
	if rep.Mismatches > 0 {
		fmt.Fprintf(w, "\n%d MEMBER COUNT MISMATCH(ES)\n", rep.Mismatches)
	}
	return nil
}
