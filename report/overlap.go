package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
)

// Overlap is how segments of one unit overlap (segscope overlap).
type Overlap struct {
	Overlap *query.Overlap
}

type overlapJSON struct {
	Segments      []string    `json:"segments"`
	Members       []int64     `json:"members"`
	Intersections [][]int64   `json:"intersections"`
	Jaccard       [][]float64 `json:"jaccard"`
	Universe      int64       `json:"universe"`
	AsOf          string      `json:"as_of"`
}

// WriteJSON writes one line: {"segments","members","intersections","jaccard","universe","as_of"}.
func (r Overlap) WriteJSON(w io.Writer) error {
	o := r.Overlap
	out := overlapJSON{Segments: o.Segments, Members: o.Members, Intersections: o.Intersections,
		Universe: o.Universe, AsOf: o.AsOf.Format(time.RFC3339Nano)}
	for i := range o.Segments {
		row := make([]float64, len(o.Segments))
		for j := range row {
			row[j] = o.Jaccard(i, j)
		}
		out.Jaccard = append(out.Jaccard, row)
	}
	return jsonLine(w, out)
}

// WriteText writes the matrix of intersections (members in both, share of the row's
// segment) and the matrix of Jaccard indexes.
func (r Overlap) WriteText(w io.Writer) error {
	o := r.Overlap
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
	return nil
}
