package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report"
)

func newOverlapCmd(s *streams) *cobra.Command {
	var (
		members, exclusive string
		lf                 listFlags
	)
	cmd := &cobra.Command{
		Use:   "overlap SEGMENT... --db STORE.duckdb",
		Short: "Show how segments overlap",
		Long: `overlap evaluates segments of one unit and prints the matrix of their pairwise
intersections: each cell holds the members of both segments and their share of the row's
segment; a second matrix holds the Jaccard index (both ÷ either). SEGMENT is a file, a
folder or a NAME in --segments DIR, as for count.

--json prints one object: {"segments":[names],"members":[n...],"intersections":[[...]],
"jaccard":[[...]],"universe":U,"as_of":RFC3339}.

--members A,B lists every member of the intersection of A and B (all of them, a cell of
the matrix for two); --exclusive A,B lists every member in exactly A and B and in none of
the other segments compared (a group of the explorer's UpSet). The names are among the
segments compared. The list has the columns of segscope members: --format csv (default),
json (one object per line; also --json) or parquet (needs --out), --out FILE, --attrs a,b.`,
		Example: `  segscope overlap segments/ --db shop.duckdb
  segscope overlap rfm_champions repeat_buyers --segments segments/ --db shop.duckdb --json
  segscope overlap big_spenders cart_abandoners --segments segments/ --db shop.duckdb --members big_spenders,cart_abandoners
  segscope overlap big_spenders cart_abandoners deal_seekers --segments segments/ --db shop.duckdb \
      --exclusive cart_abandoners --out only_abandoners.parquet --format parquet`,
		Args: cobra.MinimumNArgs(1),
	}
	f := addSegmentFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&members, "members", "", "list every member of the intersection of these segments (`A,B`)")
	fl.StringVar(&exclusive, "exclusive", "", "list every member in exactly these segments and none of the others compared (`A,B`)")
	fl.StringVar(&lf.format, "format", "csv", "with --members or --exclusive: csv, json or parquet")
	fl.StringVar(&lf.out, "out", "", "with --members or --exclusive: write to `FILE` instead of standard output")
	fl.StringVar(&lf.attrs, "attrs", "", "with --members or --exclusive: user attribute columns to add (`a,b`)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		group, byName := members, "--members"
		if exclusive != "" {
			group, byName = exclusive, "--exclusive"
		}
		if members != "" && exclusive != "" {
			return errors.New("give --members or --exclusive, not both")
		}
		listing := group != ""
		if !listing && (cmd.Flags().Changed("format") || lf.out != "" || lf.attrs != "") {
			return errors.New("--format, --out and --attrs go with --members or --exclusive")
		}
		if listing && f.json {
			lf.format = "json"
		}
		if listing {
			if err := lf.check(); err != nil {
				return err
			}
		}
		ctx := cmd.Context()
		env, err := f.open(ctx, args)
		if err != nil {
			return err
		}
		defer env.close()
		if err := lintSegments(ctx, env, s.err); err != nil {
			return err
		}
		o, err := env.engine.Overlap(ctx, env.segs, env.resolver, env.asOf)
		if err != nil {
			return err
		}
		if !listing {
			return report.Write(s.out, report.Overlap{Overlap: o}, f.json)
		}
		var names []string
		for _, n := range strings.Split(group, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
		idx, err := o.Indexes(names)
		if err != nil {
			return fmt.Errorf("%s %s: %w", byName, group, err)
		}
		set, what := (*query.MemberSet)(nil), strings.Join(names, " ∩ ")
		if exclusive != "" {
			set, err = o.ExclusiveMembers(idx...)
			what = "only " + what
		} else {
			set, err = o.Intersection(idx...)
		}
		if err != nil {
			return err
		}
		ms, err := env.engine.AllMembers(ctx, set, o.Unit, query.MembersOptions{Attrs: lf.attrList(), AsOf: o.AsOf})
		if err != nil {
			return err
		}
		return lf.write(ctx, s, ms, o.Unit, set.Count(), what)
	}
	return cmd
}
