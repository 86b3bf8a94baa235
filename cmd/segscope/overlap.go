package main

import (
	"github.com/spf13/cobra"

	"github.com/segscope/segscope/report"
)

func newOverlapCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "overlap SEGMENT... --db STORE.duckdb",
		Short: "Show how segments overlap",
		Long: `overlap evaluates segments of one unit and prints the matrix of their pairwise
intersections: each cell holds the members of both segments and their share of the row's
segment; a second matrix holds the Jaccard index (both ÷ either). SEGMENT is a file, a
folder or a NAME in --segments DIR, as for count.

--json prints one object: {"segments":[names],"members":[n...],"intersections":[[...]],
"jaccard":[[...]],"universe":U,"as_of":RFC3339}.`,
		Example: `  segscope overlap segments/ --db shop.duckdb
  segscope overlap rfm_champions repeat_buyers --segments segments/ --db shop.duckdb --json`,
		Args: cobra.MinimumNArgs(1),
	}
	f := addSegmentFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		env, err := f.open(ctx, args)
		if err != nil {
			return err
		}
		defer env.close()
		o, err := env.engine.Overlap(ctx, env.segs, env.resolver, env.asOf)
		if err != nil {
			return err
		}
		return report.Write(s.out, report.Overlap{Overlap: o}, f.json)
	}
	return cmd
}
