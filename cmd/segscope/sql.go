package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
)

func newSQLCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sql SEGMENT --db STORE.duckdb",
		Short: "Print a segment compiled to one SQL statement",
		Long: `sql prints each segment compiled to one self-contained DuckDB statement that lists its
members (uid and user_id, or aid and account_id for unit: account). Values are written as
literals and as_of is fixed in the text (the latest event unless --as-of), so the statement
runs as it is in the DuckDB CLI on the store and gives the members count counts.`,
		Example: `  segscope sql segments/cart_abandoners.yaml --db shop.duckdb
  segscope sql cart_abandoners --segments segments/ --db shop.duckdb | duckdb shop.duckdb`,
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
		for i, seg := range env.segs {
			text, err := env.engine.SQLContext(ctx, seg, env.resolver, env.asOf)
			if err != nil {
				return err
			}
			if f.json {
				b, err := json.Marshal(map[string]string{"segment": seg.Name, "sql": text})
				if err != nil {
					return err
				}
				fmt.Fprintf(s.out, "%s\n", b)
				continue
			}
			if i > 0 {
				fmt.Fprintln(s.out)
			}
			fmt.Fprint(s.out, text)
		}
		return nil
	}
	return cmd
}
