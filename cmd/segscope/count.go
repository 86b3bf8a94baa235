package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/definitions"
	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report"
	"github.com/segscope/segscope/segments"
)

func newCountCmd(s *streams) *cobra.Command {
	var waterfall bool
	cmd := &cobra.Command{
		Use:   "count SEGMENT... --db STORE.duckdb",
		Short: "Count the members of segments",
		Long: `count evaluates segment definitions on a store and prints one line per segment: its
members, the universe (all people, or all accounts for unit: account) and the share.

A SEGMENT is a YAML file (one segment or a segments: list), a folder of them (a workspace),
or the NAME of a segment in the workspace --segments DIR. --waterfall adds, for a segment
whose where: is an all:, each condition with the members it matches alone and the members
remaining after it. --json prints one object per segment per line:
{"segment":NAME,"members":N,"universe":U,"as_of":RFC3339}.`,
		Example: `  segscope count segments/cart_abandoners.yaml --db shop.duckdb
  segscope count segments/ --db shop.duckdb --json
  segscope count cart_abandoners --segments segments/ --db shop.duckdb --waterfall`,
		Args: cobra.MinimumNArgs(1),
	}
	f := addSegmentFlags(cmd)
	cmd.Flags().BoolVar(&waterfall, "waterfall", false, "show each condition of a top-level all: with its counts")
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
