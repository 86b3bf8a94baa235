package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/definitions"
	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report"
	"github.com/segscope/segscope/segments"
)

func newCheckCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check DIR|FILE... [--db STORE.duckdb]",
		Short: "Validate segment definitions and test their expectations",
		Long: `check reads every segment (and campaign) definition in the folders and files given and
reports every problem with its position: YAML and language errors, unknown references and
reference cycles. With --db it also checks event names and user attributes against the
store (suggesting the closest known name), evaluates each segment and tests its expect:
bounds, and lints each definition against the data: property keys never seen on the
condition's events, values no event has, windows reaching before the first event,
comparisons that can never hold (warnings on stderr; --strict fails on them). It prints
one line per segment and a summary, and exits with status 1 when anything fails, so it
fits CI.`,
		Example: `  segscope check segments/
  segscope check sample-data/segments --db demo.duckdb --json`,
		Args: cobra.MinimumNArgs(1),
	}
	f := addSegmentFlags(cmd)
	var strict bool
	cmd.Flags().BoolVar(&strict, "strict", false, "fail on lint warnings too (with --db)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		rep, warnings, err := runCheck(cmd.Context(), f, args)
		if err != nil {
			return err
		}
		rep.Strict = strict
		printWarnings(s.err, warnings)
		if err := report.Write(s.out, rep, f.json); err != nil {
			return err
		}
		if rep.Failed() {
			return exitError{code: 1}
		}
		return nil
	}
	return cmd
}

// runCheck reads every definition args name and, with a store, checks their names against
// it, lints them and evaluates each segment against its expect: bounds.
func runCheck(ctx context.Context, f *segmentFlags, args []string) (*report.Check, []query.LintWarning, error) {
	rep := &report.Check{Args: args}
	asOf, err := parseAsOf(f.asOf)
	if err != nil {
		return nil, nil, err
	}
	segs, camps, chain, err := definitions.All(args, rep.AddProblems)
	if err != nil {
		return nil, nil, err
	}
	if f.store.db == "" {
		for _, s := range segs {
			rep.Valid(s)
		}
		return rep, nil, nil
	}
	store, err := f.store.openRead(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer store.Close()
	if err := store.Seal(ctx); err != nil {
		return nil, nil, err
	}
	rep.Store = f.store.db
	eng := query.NewEngine(store)
	vocab, err := eng.Vocabulary(ctx)
	if err != nil {
		return nil, nil, err
	}
	if rep.AsOf, err = eng.ResolveAsOf(ctx, asOf); err != nil {
		return nil, nil, err
	}
	for _, c := range camps {
		rep.AddProblems(segments.ValidateCampaign(c, vocab))
	}
	var valid []*segments.Segment
	for _, s := range segs {
		if err := segments.ValidateSegment(s, vocab); err != nil {
			rep.Invalid(s, err)
			continue
		}
		valid = append(valid, s)
		res, err := eng.Evaluate(ctx, s, chain, rep.AsOf)
		if err != nil && ctx.Err() != nil {
			return nil, nil, err
		}
		rep.Evaluated(s, res, err)
	}
	warnings, err := eng.LintAll(ctx, valid, chain, rep.AsOf)
	if err != nil {
		return nil, nil, err
	}
	rep.Warned(warnings)
	return rep, warnings, nil
}
