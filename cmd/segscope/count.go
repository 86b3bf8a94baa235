package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/definitions"
	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report"
	"github.com/segscope/segscope/segments"
)

func newCountCmd(s *streams) *cobra.Command {
	var waterfall, estimated bool
	var sampleSize int64
	cmd := &cobra.Command{
		Use:   "count SEGMENT... --db STORE.duckdb",
		Short: "Count the members of segments",
		Long: `count evaluates segment definitions on a store and prints one line per segment: its
members, the universe (all people, or all accounts for unit: account) and the share.

A SEGMENT is a YAML file (one segment or a segments: list), a folder of them (a workspace),
or the NAME of a segment in the workspace --segments DIR. --waterfall adds, for a segment
whose where: is an all:, each condition with the members it matches alone and the members
remaining after it. --json prints one object per segment per line:
{"segment":NAME,"members":N,"universe":U,"as_of":RFC3339}.

Counts are exact. --estimate instead prints an estimate from a random sample of about
20,000 people (or accounts) with its 95% interval (Wilson's, scaled to the universe) — what
the explorer shows while an exact count on a big store is still running; --json then
adds "estimated":true, "low", "high", "confidence", "sample_size" and "sample_members",
and "members" is the estimate. --sample-size sets about how many are sampled; a store no
bigger than the sample is counted whole.`,
		Example: `  segscope count segments/cart_abandoners.yaml --db shop.duckdb
  segscope count segments/ --db shop.duckdb --json
  segscope count cart_abandoners --segments segments/ --db shop.duckdb --waterfall
  segscope count segments/ --db big.duckdb --estimate`,
		Args: cobra.MinimumNArgs(1),
	}
	f := addSegmentFlags(cmd)
	cmd.Flags().BoolVar(&waterfall, "waterfall", false, "show each condition of a top-level all: with its counts")
	cmd.Flags().BoolVar(&estimated, "estimate", false, "estimate each count from a random sample, with its 95% interval, instead of counting exactly")
	cmd.Flags().Int64Var(&sampleSize, "sample-size", query.DefaultSampleSize, "with --estimate, about how many people (or accounts) to sample")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		env, err := f.open(ctx, args)
		if err != nil {
			return err
		}
		defer env.close()
		if err := lintSegments(ctx, env, s.err); err != nil {
			return err
		}
		if estimated {
			if sampleSize <= 0 {
				return fmt.Errorf("--sample-size %d: give a number of people above 0", sampleSize)
			}
			return writeEstimates(ctx, s, env, query.EstimateOptions{SampleSize: sampleSize}, f.json, waterfall)
		}
		// Human output is aligned across segments, so it is written once all are counted;
		// JSON lines go out as each segment is done.
		counts := report.Counts{Waterfall: waterfall}
		for _, seg := range env.segs {
			res, err := env.engine.Evaluate(ctx, seg, env.resolver, env.asOf)
			if err != nil {
				return err
			}
			if f.json {
				if err := (report.Counts{Results: []*query.Result{res}, Waterfall: waterfall}).WriteJSON(s.out); err != nil {
					return err
				}
				continue
			}
			counts.Results = append(counts.Results, res)
		}
		if f.json {
			return nil
		}
		return counts.WriteText(s.out)
	}
	return cmd
}

// segmentFlags are the flags of every command that evaluates segments: the store, as_of,
// --json and the workspace that names resolve in.
type segmentFlags struct {
	store    *storeFlags
	asOf     string
	json     bool
	segments string
}

func addSegmentFlags(cmd *cobra.Command) *segmentFlags {
	f := &segmentFlags{store: addStoreFlags(cmd)}
	cmd.Flags().StringVar(&f.asOf, "as-of", "", "evaluate as of this `TIME` (RFC 3339, or YYYY-MM-DD meaning the end of that UTC day; default: the latest event)")
	cmd.Flags().BoolVar(&f.json, "json", false, "print JSON")
	cmd.Flags().StringVar(&f.segments, "segments", "", "the workspace `DIR` that segment names (and references) resolve in")
	return f
}

// segmentEnv is what a segment command works with: the engine on the sealed store, the
// segments its arguments named, the resolver of references and as_of.
type segmentEnv struct {
	store    *query.Store
	engine   *query.Engine
	segs     []*segments.Segment
	resolver query.Resolver
	asOf     time.Time
}

func (e *segmentEnv) close() { e.store.Close() }

// open reads the segments args name, then opens and seals the store: a wrong file fails
// before the store is touched.
func (f *segmentFlags) open(ctx context.Context, args []string) (*segmentEnv, error) {
	asOf, err := parseAsOf(f.asOf)
	if err != nil {
		return nil, err
	}
	segs, resolver, err := definitions.Named(args, f.segments)
	if err != nil {
		return nil, err
	}
	store, err := f.store.openRead(ctx)
	if err != nil {
		return nil, err
	}
	// Everything after this point evaluates user-written definitions: no file access,
	// configuration locked.
	if err := store.Seal(ctx); err != nil {
		store.Close()
		return nil, err
	}
	return &segmentEnv{store: store, engine: query.NewEngine(store), segs: segs, resolver: resolver, asOf: asOf}, nil
}

// writeEstimates is count --estimate: each segment estimated from a sample.
func writeEstimates(ctx context.Context, s *streams, env *segmentEnv, opt query.EstimateOptions, json, waterfall bool) error {
	ests := report.Estimates{Waterfall: waterfall}
	for _, seg := range env.segs {
		est, err := env.engine.Estimate(ctx, seg, env.resolver, env.asOf, opt)
		if err != nil {
			return err
		}
		if json {
			if err := (report.Estimates{Results: []*query.Estimate{est}, Waterfall: waterfall}).WriteJSON(s.out); err != nil {
				return err
			}
			continue
		}
		ests.Results = append(ests.Results, est)
	}
	if json {
		return nil
	}
	return ests.WriteText(s.out)
}
