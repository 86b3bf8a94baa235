package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
	"github.com/segscope/segscope/segments"
)

func newMembersCmd(s *streams) *cobra.Command {
	var (
		outFormat, out, attrs string
		limit                 int
	)
	cmd := &cobra.Command{
		Use:   "members SEGMENT --db STORE.duckdb",
		Short: "List the members of a segment",
		Long: `members lists a segment's members in id order with their key facts up to as_of: the
user id (or account id for unit: account), last seen, events and revenue, and the user
attribute columns --attrs names. --format csv (default), json (one object per line) or
parquet (needs --out). --limit caps the rows (default 1000; 0 lists every member).`,
		Example: `  segscope members segments/cart_abandoners.yaml --db shop.duckdb --limit 20
  segscope members repeat_buyers --segments segments/ --db shop.duckdb --attrs plan,country --format parquet --out buyers.parquet`,
		Args: cobra.ExactArgs(1),
	}
	f := addSegmentFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&outFormat, "format", "csv", "csv, json or parquet")
	fl.StringVar(&out, "out", "", "write to `FILE` instead of standard output")
	fl.IntVar(&limit, "limit", query.DefaultMembersLimit, "list at most `N` members; 0 lists every member")
	fl.StringVar(&attrs, "attrs", "", "user attribute columns to add, comma-separated (`a,b`)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		lf := listFlags{format: outFormat, out: out, attrs: attrs}
		if err := lf.check(); err != nil {
			return err
		}
		if limit < 0 {
			return errors.New("--limit: want 0 (every member) or more")
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
		if len(env.segs) != 1 {
			return fmt.Errorf("%s holds %d segments; members lists one (name it with --segments DIR)", args[0], len(env.segs))
		}
		seg := env.segs[0]
		res, err := env.engine.Evaluate(ctx, seg, env.resolver, env.asOf)
		if err != nil {
			return err
		}
		opt := query.MembersOptions{Limit: limit, Attrs: lf.attrList(), AsOf: res.AsOf}
		if limit == 0 {
			opt.Limit = int(min(max(res.Count(), 1), query.MaxMembersLimit))
		}
		ms, err := env.engine.Members(ctx, res.Members, seg.Unit, opt)
		if err != nil {
			return err
		}
		return lf.write(ctx, s, ms, seg.Unit, res.Count(), seg.Name)
	}
	return cmd
}

// listFlags say how a list of members is written: --format, --out and --attrs, shared by
// members and overlap --members/--exclusive.
type listFlags struct {
	format, out, attrs string
}

func (lf listFlags) check() error {
	switch lf.format {
	case "csv", "json":
	case "parquet":
		if lf.out == "" {
			return errors.New("--format parquet needs --out FILE")
		}
	default:
		return fmt.Errorf("--format %q: want csv, json or parquet", lf.format)
	}
	return nil
}

func (lf listFlags) attrList() []string {
	var out []string
	for _, a := range strings.Split(lf.attrs, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// write prints the members, or writes them to --out and says how many of total, of what.
func (lf listFlags) write(ctx context.Context, s *streams, ms []query.Member, unit segments.Unit, total int64, what string) error {
	list := report.NewMembers(ms, unit, lf.attrList())
	switch {
	case lf.out == "" && lf.format != "json" && !isTerminal(s.out):
		// A file or a pipe gets the exact ids (`members … > out.csv`).
		return list.WriteCSV(s.out)
	case lf.out == "":
		// A terminal gets values from event data made safe.
		return report.Write(s.out, list, lf.format == "json")
	}
	if err := list.WriteFile(ctx, lf.out, lf.format); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "wrote %s of %s members of %s to %s\n", format.Count(int64(len(ms))),
		format.Count(total), safe.Text(what), safe.Text(lf.out))
	return nil
}
