package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
)

// History is a segment's membership over time (segscope history): members at each point,
// and who entered and left since the point before. A command streaming the points as they
// come writes Header, then Point for each, then Footer, which is what WriteText does with
// all of them at once.
type History struct {
	History *query.History
}

type historyJSON struct {
	Segment  string             `json:"segment"`
	Unit     string             `json:"unit"`
	Universe int64              `json:"universe"`
	Points   []historyPointJSON `json:"points"`
}

type historyPointJSON struct {
	AsOf    string `json:"as_of"`
	Members int64  `json:"members"`
	Entered *int64 `json:"entered"` // null at the first point
	Left    *int64 `json:"left"`
}

// WriteJSON writes {"segment","unit","universe","points":[{"as_of","members","entered",
// "left"}]}, entered and left null at the first point.
func (r History) WriteJSON(w io.Writer) error {
	h := r.History
	out := historyJSON{Segment: h.Segment, Unit: h.Unit.String(), Universe: h.Universe, Points: []historyPointJSON{}}
	for _, p := range h.Points {
		out.Points = append(out.Points, historyPointJSON{AsOf: p.AsOf.Format(time.RFC3339Nano), Members: p.Members,
			Entered: p.Entered, Left: p.Left})
	}
	return indentedJSON(w, out)
}

// WriteText writes a line per point and the size as a sparkline.
func (r History) WriteText(w io.Writer) error {
	h := r.History
	HistoryHeader(w, h.Segment, h.Unit.String())
	for _, p := range h.Points {
		HistoryPoint(w, p)
	}
	HistoryFooter(w, h)
	return nil
}

// HistoryHeader starts the text of a history.
func HistoryHeader(w io.Writer, segment, unit string) {
	fmt.Fprintf(w, "%s: %ss at each point, entered and left since the one before\n", safe.Text(segment), unit)
	fmt.Fprintf(w, "%-20s  %10s  %9s  %9s\n", "as of", "members", "entered", "left")
}

// HistoryPoint writes one point's line.
func HistoryPoint(w io.Writer, p query.HistoryPoint) {
	entered, left := "", ""
	if p.Entered != nil {
		entered, left = "+"+format.Count(*p.Entered), "−"+format.Count(*p.Left)
	}
	line := fmt.Sprintf("%-20s  %10s  %9s  %9s", p.AsOf.Format(time.RFC3339), format.Count(p.Members), entered, left)
	fmt.Fprintln(w, strings.TrimRight(line, " "))
}

// HistoryFooter ends the text of a history: the size over the span as a sparkline, its
// range and the total movement.
func HistoryFooter(w io.Writer, h *query.History) {
	if len(h.Points) == 0 {
		return
	}
	sizes := make([]float64, len(h.Points))
	lo, hi := h.Points[0].Members, h.Points[0].Members
	var in, out int64
	for i, p := range h.Points {
		sizes[i] = float64(p.Members)
		lo, hi = min(lo, p.Members), max(hi, p.Members)
		if p.Entered != nil {
			in += *p.Entered
			out += *p.Left
		}
	}
	fmt.Fprintf(w, "\n%s  %s … %s members; %s entered and %s left over %s\n", format.Sparkline(sizes, 60),
		format.Count(lo), format.Count(hi), format.Count(in), format.Count(out), format.Counted(int64(len(h.Points)), "point", "points"))
}
