package report

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/safe"
	"github.com/segscope/segscope/segments"
)

// Members is a segment's member listing (segscope members): id, user or account id, last
// seen, events, revenue and the attributes asked for, as columns and cells shared by every
// format.
type Members struct {
	header []string
	types  []string // DuckDB types for Parquet
	rows   [][]string
	json   []map[string]any
}

// NewMembers lays out members of a segment of unit with the attribute columns attrs.
func NewMembers(ms []query.Member, unit segments.Unit, attrs []string) *Members {
	key := "user_id"
	if unit == segments.UnitAccount {
		key = "account_id"
	}
	t := &Members{
		header: append([]string{"id", key, "last_seen", "events", "revenue"}, attrs...),
		types:  []string{"BIGINT", "VARCHAR", "TIMESTAMP", "BIGINT", "DOUBLE"},
	}
	for range attrs {
		t.types = append(t.types, "VARCHAR")
	}
	for _, m := range ms {
		last := ""
		var lastJSON any
		if !m.LastSeen.IsZero() {
			last = m.LastSeen.Format(time.RFC3339Nano)
			lastJSON = last
		}
		// A sum of doubles carries binary noise (112.96999999999998); six decimals is finer
		// than any currency.
		revenue := math.Round(m.Revenue*1e6) / 1e6
		row := []string{strconv.FormatInt(m.ID, 10), m.Key, last, strconv.FormatInt(m.Events, 10),
			strconv.FormatFloat(revenue, 'f', -1, 64)}
		obj := map[string]any{"id": m.ID, key: m.Key, "last_seen": lastJSON, "events": m.Events, "revenue": revenue}
		for _, a := range attrs {
			row = append(row, attrText(m.Attrs[a]))
			obj[a] = attrJSON(m.Attrs[a])
		}
		t.rows = append(t.rows, row)
		t.json = append(t.json, obj)
	}
	return t
}

func attrText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.UTC().Format(time.DateOnly)
		}
		return x.UTC().Format(time.RFC3339Nano)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func attrJSON(v any) any {
	switch v.(type) {
	case nil, bool, string, float64, float32, int64, int32, int16, int8, int, uint64, uint32, uint16, uint8:
		return v
	}
	return attrText(v)
}

// Len is the number of members listed.
func (t *Members) Len() int { return len(t.rows) }

// WriteText writes CSV for a terminal: values from event data are made safe.
func (t *Members) WriteText(w io.Writer) error { return t.writeCSV(w, safe.Text) }

// WriteCSV writes the listing as CSV with every value exact, for a file or a pipe: CSV
// quoting is the escape, and the data is not rewritten for a terminal it is not going to.
func (t *Members) WriteCSV(w io.Writer) error { return t.writeCSV(w, nil) }

// WriteJSON writes one object per member per line.
func (t *Members) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	for _, obj := range t.json {
		if err := enc.Encode(obj); err != nil {
			return err
		}
	}
	return nil
}

// writeCSV writes the listing as CSV, each cell through clean when it is set.
func (t *Members) writeCSV(w io.Writer, clean func(string) string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.header); err != nil {
		return err
	}
	for _, r := range t.rows {
		if clean != nil {
			r = append([]string(nil), r...)
			for i := range r {
				r[i] = clean(r[i])
			}
		}
		if err := cw.Write(r); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteFile writes the listing to path as csv, json or parquet, the exact values.
func (t *Members) WriteFile(ctx context.Context, path, outFormat string) error {
	if outFormat == "parquet" {
		return t.writeParquet(ctx, path)
	}
	return t.writeFile(path, outFormat)
}

// writeFile writes CSV or JSON to path, through a temporary file renamed into place.
func (t *Members) writeFile(path, outFormat string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".members-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if outFormat == "json" {
		err = t.WriteJSON(tmp)
	} else {
		err = t.writeCSV(tmp, nil)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// writeParquet writes the CSV to a temporary file and converts it with DuckDB (on a
// throwaway in-memory database: the store itself is sealed against file access).
func (t *Members) writeParquet(ctx context.Context, path string) error {
	dir, err := os.MkdirTemp("", "segscope-members-")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.RemoveAll(dir)
	csvPath := filepath.Join(dir, "members.csv")
	if err := t.writeFile(csvPath, "csv"); err != nil {
		return err
	}
	cols := make([]query.CSVColumn, len(t.header))
	for i, h := range t.header {
		cols[i] = query.CSVColumn{Name: h, Type: t.types[i]}
	}
	if _, err := query.CSVToParquet(ctx, csvPath, path, cols); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
