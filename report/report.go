// Package report turns segscope's results into what people and scripts read: each result
// (a count with its waterfall, an overlap, a member list, a campaign replay, an A/B plan, a
// check, a benchmark) has one text rendering and one JSON shape here, and the CLI prints
// them through this package only. Numbers, money, percents, durations and text charts are
// written by report/format, which the explorer's screens use too, so a figure reads the
// same everywhere.
//
// A result's JSON field names are a contract (scripts read them): add fields freely, never
// rename or drop one. Text may be polished, but it stays one rendering per result: a
// command that shows the same result shows it through the same function.
//
// To add a report: a type holding the result (or the result's own type), with WriteText
// and WriteJSON, so that it is a Report; its JSON shape as unexported structs with json
// tags beside it; text written with format and every string that comes from a file or the
// store passed through safe.Text; a table-driven test beside it.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// A Report is one result ready to print.
type Report interface {
	// WriteText writes the result for people: aligned, formatted, untrusted text made safe.
	WriteText(w io.Writer) error
	// WriteJSON writes the result's JSON shape.
	WriteJSON(w io.Writer) error
}

// Write prints r as JSON when asJSON is set, else as text.
func Write(w io.Writer, r Report, asJSON bool) error {
	if asJSON {
		return r.WriteJSON(w)
	}
	return r.WriteText(w)
}

// indentedJSON writes v as one indented JSON document: the shape of the reports that print
// one object (simulate, abtest, bench).
func indentedJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// jsonLine writes v on one line: the shape of the reports that print a line per item
// (count, check) or one compact object (overlap).
func jsonLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// trimLines drops the spaces tables leave after their last cell.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// indent prefixes every non-empty line with pad.
func indent(lines []string, pad string) string {
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(pad)
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}
