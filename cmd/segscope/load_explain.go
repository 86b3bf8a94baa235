package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
)

// explainSamples is how many events `load --explain` shows per file.
const explainSamples = 5

// loadExplanation is `load --explain --json`'s output: the load's report (with each file's
// roles) and each file's first events.
type loadExplanation struct {
	Report  *query.LoadReport              `json:"report"`
	Samples map[string][]query.SampleEvent `json:"samples"`
}

// explainLoad reads the files into a store of its own in memory — the same reading a load
// does, so the counts and the events shown are what a load would store — and prints how
// each was read. No store on disk is opened.
func explainLoad(ctx context.Context, s *streams, req query.LoadRequest, asJSON bool) error {
	store, err := query.Open(ctx, "", query.Options{})
	if err != nil {
		return fmt.Errorf("load --explain: %w", err)
	}
	defer store.Close()
	rep, err := store.Load(ctx, req)
	if err != nil && !(errors.Is(err, query.ErrTooManyRejected) && rep != nil) {
		return err
	}
	out := loadExplanation{Report: rep, Samples: map[string][]query.SampleEvent{}}
	for _, fr := range rep.Files {
		if fr.Loaded == 0 {
			continue
		}
		sample, serr := store.FileSample(ctx, fr.Path, explainSamples)
		if serr != nil {
			return serr
		}
		out.Samples[fr.Path] = sample
	}
	if asJSON {
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		if eerr := enc.Encode(out); eerr != nil {
			return eerr
		}
		return err
	}
	for _, fr := range rep.Files {
		writeFileExplanation(s.out, fr, out.Samples[fr.Path])
	}
	if rep.Users != nil {
		writeLoadReport(s.out, &query.LoadReport{Users: rep.Users}, "")
	}
	fmt.Fprintln(s.out, "nothing was stored: load without --explain and with --db to store it")
	return err
}

// writeFileExplanation prints how one file is read: its format and layout, its export and
// which columns fill which fields, what a load would give, and its first events.
func writeFileExplanation(w io.Writer, fr query.FileReport, sample []query.SampleEvent) {
	how := []string{string(fr.Format)}
	if fr.Gzip {
		how = append(how, "gzip'd")
	}
	for _, x := range []string{fr.Layout, fr.Delimiter} {
		if x != "" {
			how = append(how, x)
		}
	}
	fmt.Fprintf(w, "%s\n  read as %s\n", loadDisplayPath(fr.Path), strings.Join(how, ", "))
	by := ""
	if len(fr.RecognisedBy) > 0 {
		by = " by its columns " + strings.Join(quoteEach(fr.RecognisedBy), ", ")
	}
	fmt.Fprintf(w, "  recognised as %s%s\n", fr.Flavour, safe.Text(by))
	for _, r := range fr.Roles {
		from := strings.Join(quoteEach(r.Columns), ", ")
		if r.Constant != "" {
			from = fmt.Sprintf("%q", r.Constant)
		}
		note := ""
		if r.Note != "" {
			note = "  (" + r.Note + ")"
		}
		fmt.Fprintf(w, "    %-10s ← %s%s\n", r.Field, safe.Text(from), safe.Text(note))
	}
	if len(fr.Guessed) > 0 {
		fmt.Fprintf(w, "  no header: by their content, %s (--map overrides)\n", strings.Join(fr.Guessed, ", "))
	}
	if len(fr.Mapped) > 0 {
		fmt.Fprintf(w, "  --map set %s\n", strings.Join(fr.Mapped, ", "))
	}
	if fr.Timestamps != "" {
		fmt.Fprintf(w, "  times read as %s", fr.Timestamps)
		if !fr.First.IsZero() {
			fmt.Fprintf(w, ": %s … %s", format.Timestamp(fr.First), format.Timestamp(fr.Last))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  %s rows: %s would load, %s rejected\n", format.Count(fr.Rows), format.Count(fr.Loaded), format.Count(fr.Rejected))
	for _, r := range fr.Reasons() {
		fmt.Fprintf(w, "    %s %s\n", format.Count(fr.RejectedByReason[r]), r)
	}
	for _, ex := range fr.Examples {
		fmt.Fprintf(w, "    %s:%d: %s: %s\n", loadDisplayPath(ex.File), ex.Line, ex.Reason, loadShorten(safe.Text(ex.Raw), 100))
	}
	if len(fr.Attributes) > 0 {
		fmt.Fprintf(w, "  user attributes: %s\n", safe.Text(strings.Join(fr.Attributes, ", ")))
	}
	for _, warning := range fr.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", safe.Text(warning))
	}
	if len(sample) > 0 {
		fmt.Fprintf(w, "  earliest events:\n")
	}
	for _, e := range sample {
		line := fmt.Sprintf("%s  %s  %s", format.Timestamp(e.Time), e.UserID, e.Event)
		if e.AccountID != "" {
			line += "  account " + e.AccountID
		}
		if e.Revenue != nil {
			line += fmt.Sprintf("  revenue %g", *e.Revenue)
		}
		if e.Properties != "" && e.Properties != "{}" {
			line += "  " + e.Properties
		}
		fmt.Fprintf(w, "    %s\n", loadShorten(safe.Text(line), 160))
	}
}

func quoteEach(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf("%q", n)
	}
	return out
}
