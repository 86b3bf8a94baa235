package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/tui/safe"
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
		if f.json {
			return writeOverlapJSON(s.out, o)
		}
		writeOverlap(s.out, o)
		return nil
	}
	return cmd
}

type overlapJSON struct {
	Segments      []string    `json:"segments"`
	Members       []int64     `json:"members"`
	Intersections [][]int64   `json:"intersections"`
	Jaccard       [][]float64 `json:"jaccard"`
	Universe      int64       `json:"universe"`
	AsOf          string      `json:"as_of"`
}

func writeOverlapJSON(w io.Writer, o *query.Overlap) error {
	out := overlapJSON{Segments: o.Segments, Members: o.Members, Intersections: o.Intersections,
		Universe: o.Universe, AsOf: o.AsOf.Format(time.RFC3339Nano)}
	for i := range o.Segments {
		row := make([]float64, len(o.Segments))
		for j := range row {
			row[j] = o.Jaccard(i, j)
		}
		out.Jaccard = append(out.Jaccard, row)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func writeOverlap(w io.Writer, o *query.Overlap) {
	fmt.Fprintf(w, "%d segments of %s %ss, as of %s\n\n", len(o.Segments), format.Count(o.Universe), o.Unit,
		o.AsOf.Format(time.RFC3339))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := []string{"", "segment", "members"}
	for i := range o.Segments {
		header = append(header, "["+strconv.Itoa(i+1)+"]")
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for i, name := range o.Segments {
		row := []string{"[" + strconv.Itoa(i+1) + "]", safe.Text(name), format.Count(o.Members[i])}
		for j := range o.Segments {
			if i == j {
				row = append(row, "—")
				continue
			}
			row = append(row, fmt.Sprintf("%s (%s)", format.Count(o.Intersections[i][j]), format.Percent(o.Share(i, j))))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	fmt.Fprintln(w, "cells: members in both (share of the row's segment)")
	fmt.Fprintln(w, "\nJaccard (both ÷ either)")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header = []string{""}
	for i := range o.Segments {
		header = append(header, "["+strconv.Itoa(i+1)+"]")
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for i := range o.Segments {
		row := []string{"[" + strconv.Itoa(i+1) + "]"}
		for j := range o.Segments {
			row = append(row, strconv.FormatFloat(o.Jaccard(i, j), 'f', 3, 64))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
}
