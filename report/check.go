package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
	"github.com/segscope/segscope/segments"
)

// CheckLine is the outcome for one segment, or a problem found outside any evaluation.
type CheckLine struct {
	Segment  string `json:"segment,omitempty"`
	File     string `json:"file,omitempty"`
	Status   string `json:"status"` // ok, fail, error, valid (no store to evaluate on)
	Members  *int64 `json:"members,omitempty"`
	Universe *int64 `json:"universe,omitempty"`
	Unit     string `json:"unit,omitempty"`
	Expect   string `json:"expect,omitempty"`
	Error    string `json:"error,omitempty"`
	// Warnings are what lint found in the definition, "file:line:col: warning: …".
	Warnings []string `json:"warnings,omitempty"`
}

// Check is what segscope check found: definition problems, then one line per segment.
type Check struct {
	Args     []string  // the folders and files checked
	Store    string    // the store segments were evaluated on; "" when none
	AsOf     time.Time // with a store
	Problems []string  // definition errors, one per line, positioned
	Lines    []CheckLine
	// Strict fails the check on lint warnings too.
	Strict bool
}

// Failed reports whether anything failed: a definition, an evaluation or an expectation;
// with Strict, a lint warning.
func (r *Check) Failed() bool {
	if len(r.Problems) > 0 || (r.Strict && r.warnings() > 0) {
		return true
	}
	for _, l := range r.Lines {
		if l.Status == "fail" || l.Status == "error" {
			return true
		}
	}
	return false
}

func (r *Check) counts() (ok, failed, errs int) {
	for _, l := range r.Lines {
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

// AddProblems records every error of an ErrorList (or any error) as its own line.
func (r *Check) AddProblems(err error) {
	if err == nil {
		return
	}
	var list segments.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			r.Problems = append(r.Problems, e.Error())
		}
		return
	}
	r.Problems = append(r.Problems, err.Error())
}

// Valid records a segment whose definition holds, checked without a store.
func (r *Check) Valid(s *segments.Segment) {
	r.Lines = append(r.Lines, lineOf(s, "valid"))
}

// Invalid records a segment whose definition does not hold against the store.
func (r *Check) Invalid(s *segments.Segment, err error) {
	line := lineOf(s, "error")
	line.Error = err.Error()
	r.Lines = append(r.Lines, line)
}

// Evaluated records a segment's evaluation: its members against its expect: bounds, or
// the error that stopped it.
func (r *Check) Evaluated(s *segments.Segment, res *query.Result, err error) {
	if err != nil {
		r.Invalid(s, err)
		return
	}
	line := lineOf(s, "ok")
	n, u := res.Count(), res.Universe
	line.Members, line.Universe = &n, &u
	if s.Expect.Members != nil && !s.Expect.Members.Matches(float64(n)) {
		line.Status = "fail"
	}
	r.Lines = append(r.Lines, line)
}

// Warned adds lint warnings to the lines of the segments they are about.
func (r *Check) Warned(ws []query.LintWarning) {
	for _, w := range ws {
		for i := range r.Lines {
			if r.Lines[i].Segment == w.Segment {
				r.Lines[i].Warnings = append(r.Lines[i].Warnings, w.String())
				break
			}
		}
	}
}

func (r *Check) warnings() int {
	n := 0
	for _, l := range r.Lines {
		n += len(l.Warnings)
	}
	return n
}

func lineOf(s *segments.Segment, status string) CheckLine {
	line := CheckLine{Segment: s.Name, File: s.File, Status: status, Unit: s.Unit.String()}
	if s.Expect.Members != nil {
		line.Expect = "members " + s.Expect.Members.String()
	}
	return line
}

// WriteText writes the problems, one line per segment and a summary.
func (r *Check) WriteText(w io.Writer) error {
	for _, p := range r.Problems {
		fmt.Fprintln(w, safe.Text(p))
	}
	if len(r.Problems) > 0 && len(r.Lines) > 0 {
		fmt.Fprintln(w)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, l := range r.Lines {
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
	where := strings.Join(r.Args, ", ")
	if r.Store == "" {
		fmt.Fprintf(w, "%s: %d segments, %d definition errors (no --db: segments were not evaluated)\n",
			safe.Text(where), len(r.Lines), len(r.Problems))
		return nil
	}
	fmt.Fprintf(w, "%s on %s as of %s: %d segments, %d ok, %d failed, %d errors, %d definition errors%s\n",
		safe.Text(where), safe.Text(r.Store), r.AsOf.Format(time.RFC3339), len(r.Lines), ok, failed, errs, len(r.Problems),
		r.warningsNote())
	return nil
}

// warningsNote counts the lint warnings, saying where they were printed; nothing when
// there are none.
func (r *Check) warningsNote() string {
	n := r.warnings()
	if n == 0 {
		return ""
	}
	return ", " + format.Counted(int64(n), "warning", "warnings") + " (on stderr; --strict fails on them)"
}

// WriteJSON writes one object per line: the problems, the segments, then {"summary": …}.
func (r *Check) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	for _, p := range r.Problems {
		if err := enc.Encode(CheckLine{Status: "error", Error: p}); err != nil {
			return err
		}
	}
	for _, l := range r.Lines {
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	ok, failed, errs := r.counts()
	summary := map[string]any{"segments": len(r.Lines), "ok": ok, "failed": failed, "errors": errs + len(r.Problems)}
	if n := r.warnings(); n > 0 {
		summary["warnings"] = n // absent when none, so that a clean summary reads as it always did
	}
	if r.Store != "" {
		summary["as_of"] = r.AsOf.Format(time.RFC3339Nano)
	}
	return enc.Encode(map[string]any{"summary": summary})
}
