package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/safe"
)

func newCheckCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check DIR|FILE... [--db STORE.duckdb]",
		Short: "Validate segment definitions and test their expectations",
		Long: `check reads every segment (and campaign) definition in the folders and files given and
reports every problem with its position: YAML and language errors, unknown references and
reference cycles. With --db it also checks event names and user attributes against the
store (suggesting the closest known name), evaluates each segment and tests its expect:
bounds. It prints one line per segment and a summary, and exits with status 1 when anything
fails, so it fits CI.`,
		Example: `  segscope check segments/
  segscope check sample-data/segments --db demo.duckdb --json`,
		Args: cobra.MinimumNArgs(1),
	}
	f := addSegmentFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		rep, err := runCheck(cmd.Context(), f, args)
		if err != nil {
			return err
		}
		if f.json {
			err = rep.writeJSON(s.out)
		} else {
			rep.write(s.out)
		}
		if err != nil {
			return err
		}
		if rep.failed() {
			return exitError{code: 1}
		}
		return nil
	}
	return cmd
}

// checkLine is the outcome for one segment, or a problem found outside any evaluation.
type checkLine struct {
	Segment  string `json:"segment,omitempty"`
	File     string `json:"file,omitempty"`
	Status   string `json:"status"` // ok, fail, error, valid (no store to evaluate on)
	Members  *int64 `json:"members,omitempty"`
	Universe *int64 `json:"universe,omitempty"`
	Unit     string `json:"unit,omitempty"`
	Expect   string `json:"expect,omitempty"`
	Error    string `json:"error,omitempty"`
}

type checkReport struct {
	args      []string
	store     string
	asOf      time.Time
	problems  []string // definition errors, one per line, positioned
	lines     []checkLine
	campaigns int
}

func (r *checkReport) failed() bool {
	if len(r.problems) > 0 {
		return true
	}
	for _, l := range r.lines {
		if l.Status == "fail" || l.Status == "error" {
			return true
		}
	}
	return false
}

func (r *checkReport) counts() (ok, failed, errs int) {
	for _, l := range r.lines {
		switch l.Status {
		case "ok", "valid":
			ok++
		case "fail":
			failed++
		case "error":
			errs++
		}
	}
	return ok, failed, errs
}

// addProblems records every error of an ErrorList (or any error) as its own line.
func (r *checkReport) addProblems(err error) {
	if err == nil {
		return
	}
	var list segments.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			r.problems = append(r.problems, e.Error())
		}
		return
	}
	r.problems = append(r.problems, err.Error())
}

func runCheck(ctx context.Context, f *segmentFlags, args []string) (*checkReport, error) {
	rep := &checkReport{args: args}
	asOf, err := parseAsOf(f.asOf)
	if err != nil {
		return nil, err
	}
	var segs []*segments.Segment
	var camps []*segments.Campaign
	var chain resolverChain
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil {
			return nil, fmt.Errorf("check %s: no such file or folder", arg)
		}
		if st.IsDir() {
			ws, err := segments.LoadWorkspace(arg)
			rep.addProblems(err)
			segs = append(segs, workspaceOrder(ws)...)
			camps = append(camps, ws.Campaigns...)
			chain = append(chain, ws)
			continue
		}
		fileSegs, err := readSegmentFile(arg)
		rep.addProblems(err)
		ws, err := segments.NewWorkspace(fileSegs, nil)
		rep.addProblems(err)
		segs = append(segs, fileSegs...)
		chain = append(chain, ws)
	}
	rep.campaigns = len(camps)
	if f.store.db == "" {
		for _, s := range segs {
			rep.lines = append(rep.lines, checkLine{Segment: s.Name, File: s.File, Status: "valid", Unit: s.Unit.String(), Expect: expectText(s)})
		}
		return rep, nil
	}
	store, err := f.store.openRead(ctx)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	if err := store.Seal(ctx); err != nil {
		return nil, err
	}
	rep.store = f.store.db
	eng := query.NewEngine(store)
	vocab, err := eng.Vocabulary(ctx)
	if err != nil {
		return nil, err
	}
	if rep.asOf, err = eng.ResolveAsOf(ctx, asOf); err != nil {
		return nil, err
	}
	for _, c := range camps {
		rep.addProblems(segments.ValidateCampaign(c, vocab))
	}
	for _, s := range segs {
		line := checkLine{Segment: s.Name, File: s.File, Unit: s.Unit.String(), Expect: expectText(s)}
		if err := segments.ValidateSegment(s, vocab); err != nil {
			line.Status, line.Error = "error", err.Error()
			rep.lines = append(rep.lines, line)
			continue
		}
		res, err := eng.Evaluate(ctx, s, chain, rep.asOf)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			line.Status, line.Error = "error", err.Error()
			rep.lines = append(rep.lines, line)
			continue
		}
		n, u := res.Count(), res.Universe
		line.Members, line.Universe = &n, &u
		line.Status = "ok"
		if s.Expect.Members != nil && !s.Expect.Members.Matches(float64(n)) {
			line.Status = "fail"
		}
		rep.lines = append(rep.lines, line)
	}
	return rep, nil
}

func expectText(s *segments.Segment) string {
	if s.Expect.Members == nil {
		return ""
	}
	return "members " + s.Expect.Members.String()
}

func (r *checkReport) write(w io.Writer) {
	for _, p := range r.problems {
		fmt.Fprintln(w, safe.Text(p))
	}
	if len(r.problems) > 0 && len(r.lines) > 0 {
		fmt.Fprintln(w)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, l := range r.lines {
		switch l.Status {
		case "valid":
			fmt.Fprintf(tw, "valid\t%s\t\t%s\n", safe.Text(l.Segment), l.Expect)
		case "error":
			// Errors are positioned and may span lines (one per problem).
			fmt.Fprintf(tw, "ERROR\t%s\t\t%s\n", safe.Text(l.Segment), safe.Text(strings.ReplaceAll(l.Error, "\n", "; ")))
		default:
			status := "ok"
			expect := l.Expect
			if l.Status == "fail" {
				status = "FAIL"
				expect = "expected " + strings.TrimPrefix(l.Expect, "members ")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s %ss (%s)\t%s\n", status, safe.Text(l.Segment), format.Count(*l.Members), l.Unit,
				format.Share(*l.Members, *l.Universe), expect)
		}
	}
	tw.Flush()
	ok, failed, errs := r.counts()
	where := strings.Join(r.args, ", ")
	if r.store == "" {
		fmt.Fprintf(w, "%s: %d segments, %d definition errors (no --db: segments were not evaluated)\n",
			safe.Text(where), len(r.lines), len(r.problems))
		return
	}
	fmt.Fprintf(w, "%s on %s as of %s: %d segments, %d ok, %d failed, %d errors, %d definition errors\n",
		safe.Text(where), safe.Text(r.store), r.asOf.Format(time.RFC3339), len(r.lines), ok, failed, errs, len(r.problems))
}

func (r *checkReport) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	for _, p := range r.problems {
		if err := enc.Encode(checkLine{Status: "error", Error: p}); err != nil {
			return err
		}
	}
	for _, l := range r.lines {
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	ok, failed, errs := r.counts()
	summary := map[string]any{"segments": len(r.lines), "ok": ok, "failed": failed, "errors": errs + len(r.problems)}
	if r.store != "" {
		summary["as_of"] = r.asOf.Format(time.RFC3339Nano)
	}
	return enc.Encode(map[string]any{"summary": summary})
}
