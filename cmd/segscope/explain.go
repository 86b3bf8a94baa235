package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report"
)

func newExplainCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "explain SEGMENT USER_ID --db STORE.duckdb",
		Short: "Explain why one person is or is not a member of a segment",
		Long: `explain evaluates a segment's conditions for one person (for unit: account, one account:
give its account id) and prints the condition tree with ✓ or ✗ on each node and the facts
behind each leaf, in the units of its comparison: the matching events and the times
needed, the aggregate, the latest event and its age, the trend's two counts, the mean and
current gap, the affinity share, the R/F/M scores with the raw values, the attribute, and
for a sequence the first event used and when the second followed.

--json prints {"segment","user_id","as_of","member","leaves":[{"path","condition",
"matched","evidence"}]}: the leaf conditions in document order; path says where each sits
(where.all[1].not is the condition under that not); matched is the leaf's own truth before
any not above it; a segment: reference's own leaves are under "children".`,
		Example: `  segscope explain segments/repeat_buyers.yaml u000123 --db shop.duckdb
  segscope explain repeat_buyers u000123 --segments segments/ --db shop.duckdb --json`,
		Args: cobra.ExactArgs(2),
	}
	f := addSegmentFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		env, err := f.open(ctx, args[:1])
		if err != nil {
			return err
		}
		defer env.close()
		if len(env.segs) != 1 {
			return fmt.Errorf("%s holds %d segments; explain takes one (name it with --segments DIR)", args[0], len(env.segs))
		}
		if err := lintSegments(ctx, env, s.err); err != nil {
			return err
		}
		x, err := env.engine.Explain(ctx, env.segs[0], env.resolver, env.asOf, args[1])
		if errors.Is(err, query.ErrNoPerson) {
			what := "person with user id"
			if env.segs[0].Unit.String() == "account" {
				what = "account with id"
			}
			return fmt.Errorf("no %s %q in %s", what, args[1], f.store.db)
		}
		if err != nil {
			return err
		}
		return report.Write(s.out, report.Explain{Explanation: x}, f.json)
	}
	return cmd
}
