package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/bench"
	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report"
)

func newBenchCmd(s *streams) *cobra.Command {
	var (
		asOf     string
		runs     int
		asJSON   bool
		genUsers int
		genSeed  uint64
		baseline string
		baseFrom string
		baseUser string
	)
	cmd := &cobra.Command{
		Use:   "bench --db STORE.duckdb",
		Short: "Benchmark the segment engine against hand-written SQL on a store",
		Long: `bench measures the segment engine on a store and puts each figure next to a hand-written
DuckDB statement for the same thing, run in the same process:

  cold count    one condition of each kind evaluated by a fresh engine (empty cache), the
                engine's own whole-segment SQL text (segscope sql), and the hand-written SQL;
                also the estimate the explorer shows first (count --estimate): its time,
                ≈ value ± half its 95% interval, MISSES when the interval misses the count;
  warm recount  a five-condition all: evaluated once, then one condition's number changed
                and the segment evaluated again (only that condition is recomputed);
  overlap       10 segments evaluated, then their pairwise overlaps from the cache.

Times are the median of --runs runs after one warm-up. Every engine count is checked
against the hand-written SQL's; a mismatch is reported and makes bench exit 1.
--gen-users N generates a mixed dataset of N people (segscope gen) into a temporary
store first and benchmarks that instead of --db.

--baseline PLAIN.duckdb adds the question users ask, "why not just the DuckDB CLI?": the
hand-written SQL also runs on a plain DuckDB database holding the same source file loaded
as an analyst would (CREATE TABLE events AS SELECT * FROM read_parquet(…), users likewise),
rewritten for its columns. With --baseline-from EVENTS [--baseline-users USERS] bench
makes that database when it does not exist and reports how long the CTAS took.`,
		Example: `  segscope bench --db shop.duckdb
  segscope bench --db shop.duckdb --runs 9 --json
  segscope bench --gen-users 3000 --runs 3`,
		Args: cobra.NoArgs,
	}
	sf := addStoreFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&asOf, "as-of", "", "evaluate as of this `TIME` (RFC 3339 or YYYY-MM-DD; default: the latest event)")
	fl.IntVar(&runs, "runs", 5, "timed runs per measurement (the median is reported)")
	fl.BoolVar(&asJSON, "json", false, "print the report as JSON")
	fl.IntVar(&genUsers, "gen-users", 0, "generate a mixed dataset of `N` people into a temporary store and benchmark it")
	fl.Uint64Var(&genSeed, "seed", 1, "random seed for --gen-users")
	fl.StringVar(&baseline, "baseline", "", "also run the hand-written SQL on this plain DuckDB `FILE` (see above)")
	fl.StringVar(&baseFrom, "baseline-from", "", "make the --baseline database from this events `FILE` (Parquet or CSV) when it does not exist")
	fl.StringVar(&baseUser, "baseline-users", "", "and from this users `FILE`")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		if runs < 1 || runs > 1000 {
			return fmt.Errorf("--runs must be between 1 and 1000, got %d", runs)
		}
		at, err := parseAsOf(asOf)
		if err != nil {
			return err
		}
		var store *query.Store
		switch {
		case genUsers > 0 && sf.db != "":
			return errors.New("give either --db STORE or --gen-users N, not both")
		case genUsers > 0:
			dir, err := os.MkdirTemp("", "segscope-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			if store, err = bench.Generate(ctx, dir, genUsers, genSeed); err != nil {
				return err
			}
		default:
			if store, err = sf.openRead(ctx); err != nil {
				return err
			}
		}
		defer store.Close()
		var base *bench.Baseline
		if baseline != "" {
			if base, err = bench.OpenBaseline(ctx, baseline, baseFrom, baseUser); err != nil {
				return err
			}
			defer base.Close()
		} else if baseFrom != "" || baseUser != "" {
			return errors.New("--baseline-from and --baseline-users need --baseline FILE")
		}
		rep, err := bench.RunBaseline(ctx, store, base, at, runs)
		if err != nil {
			return err
		}
		if err := report.Write(s.out, report.Bench{Report: rep}, asJSON); err != nil {
			return err
		}
		if rep.Mismatches > 0 {
			fmt.Fprintf(s.err, "segscope bench: %d MEMBER COUNT MISMATCH(ES) between the engine and hand-written SQL (see the report)\n", rep.Mismatches)
			return exitError{code: 1}
		}
		return nil
	}
	return cmd
}
