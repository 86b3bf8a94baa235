package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/definitions"
	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
	"github.com/segscope/segscope/segments"
)

// diffSample is how many members of each group diff shows.
const diffSample = 10

func newDiffCmd(s *streams) *cobra.Command {
	var group, out, outFormat string
	cmd := &cobra.Command{
		Use:   "diff OLD NEW --db STORE.duckdb",
		Short: "Compare two definitions of a segment member by member",
		Long: `diff evaluates two definitions at the same as_of and prints who enters (members of NEW
only), who leaves (members of OLD only) and who stays, with a sample of each group and the
waterfall of each side. OLD and NEW are each a segment file, the NAME of a segment in
--segments DIR, or either as it was at a git revision: FILE@REV (or NAME@REV), read with
git show, e.g. segments/buyers.yaml@HEAD~1.

--members entered (or left, kept) lists every member of that group instead, as members
does: --out FILE with --format csv, json or parquet.

--json prints {"old","new","entered":N,"left":N,"kept":N,"old_members","new_members",
"universe","unit","as_of","old_waterfall","new_waterfall","samples"}.`,
		Example: `  segscope diff segments/buyers.yaml@HEAD segments/buyers.yaml --db shop.duckdb
  segscope diff buyers@main buyers --segments segments/ --db shop.duckdb --json
  segscope diff old.yaml new.yaml --db shop.duckdb --members left --out left.csv`,
		Args: cobra.ExactArgs(2),
	}
	f := addSegmentFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&group, "members", "", "list every member of one group: entered, left or kept")
	fl.StringVar(&out, "out", "", "write the --members list to `FILE`")
	fl.StringVar(&outFormat, "format", "csv", "the --members list as csv, json or parquet")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		switch group {
		case "", "entered", "left", "kept":
		default:
			return fmt.Errorf("--members %q: want entered, left or kept", group)
		}
		if group == "" && out != "" {
			return errors.New("--out writes the list of --members entered, left or kept")
		}
		if outFormat == "parquet" && out == "" {
			return errors.New("--format parquet needs --out FILE")
		}
		ctx := cmd.Context()
		asOf, err := parseAsOf(f.asOf)
		if err != nil {
			return err
		}
		// Each side may name the other's segment in a file of several.
		oldSeg, oldR, err := definitions.Side(ctx, args[0], f.segments, "")
		if err != nil {
			newSeg, _, err2 := definitions.Side(ctx, args[1], f.segments, "")
			if err2 != nil {
				return err
			}
			if oldSeg, oldR, err = definitions.Side(ctx, args[0], f.segments, newSeg.Name); err != nil {
				return err
			}
		}
		newSeg, newR, err := definitions.Side(ctx, args[1], f.segments, oldSeg.Name)
		if err != nil {
			return err
		}
		store, err := f.store.openRead(ctx)
		if err != nil {
			return err
		}
		defer store.Close()
		if err := store.Seal(ctx); err != nil {
			return err
		}
		eng := query.NewEngine(store)
		env := &segmentEnv{store: store, engine: eng, asOf: asOf}
		for _, side := range []struct {
			seg *segments.Segment
			r   query.Resolver
		}{{oldSeg, oldR}, {newSeg, newR}} {
			env.segs, env.resolver = []*segments.Segment{side.seg}, side.r
			if err := lintSegments(ctx, env, s.err); err != nil {
				return err
			}
		}
		d, err := eng.Diff(ctx, oldSeg, newSeg, oldR, newR, asOf)
		if err != nil {
			return err
		}
		unit := newSeg.Unit
		if group != "" {
			set := map[string]*query.MemberSet{"entered": d.Entered, "left": d.Left, "kept": d.Kept}[group]
			ms, err := eng.Members(ctx, set, unit, query.MembersOptions{AsOf: d.New.AsOf,
				Limit: int(min(max(set.Count(), 1), query.MaxMembersLimit))})
			if err != nil {
				return err
			}
			list := report.NewMembers(ms, unit, nil)
			if out == "" {
				return report.Write(s.out, list, outFormat == "json")
			}
			if err := list.WriteFile(ctx, out, outFormat); err != nil {
				return err
			}
			fmt.Fprintf(s.out, "wrote %s %s members to %s\n", format.Count(int64(len(ms))), group, safe.Text(out))
			return nil
		}
		rep := report.Diff{Old: args[0], New: args[1], Diff: d}
		for _, g := range []struct {
			set  *query.MemberSet
			dest *[]query.Member
		}{{d.Entered, &rep.Entered}, {d.Left, &rep.Left}, {d.Kept, &rep.Kept}} {
			if *g.dest, err = eng.Members(ctx, g.set, unit, query.MembersOptions{AsOf: d.New.AsOf, Limit: diffSample}); err != nil {
				return err
			}
		}
		return report.Write(s.out, rep, f.json)
	}
	return cmd
}
