package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/safe"
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
		switch outFormat {
		case "csv", "json":
		case "parquet":
			if out == "" {
				return errors.New("--format parquet needs --out FILE")
			}
		default:
			return fmt.Errorf("--format %q: want csv, json or parquet", outFormat)
		}
		if limit < 0 {
			return errors.New("--limit: want 0 (every member) or more")
		}
		var attrList []string
		for _, a := range strings.Split(attrs, ",") {
			if a = strings.TrimSpace(a); a != "" {
				attrList = append(attrList, a)
			}
		}
		ctx := cmd.Context()
		env, err := f.open(ctx, args)
		if err != nil {
			return err
		}
		defer env.close()
		if len(env.segs) != 1 {
			return fmt.Errorf("%s holds %d segments; members lists one (name it with --segments DIR)", args[0], len(env.segs))
		}
		seg := env.segs[0]
		res, err := env.engine.Evaluate(ctx, seg, env.resolver, env.asOf)
		if err != nil {
			return err
		}
		opt := query.MembersOptions{Limit: limit, Attrs: attrList, AsOf: res.AsOf}
		if limit == 0 {
			opt.Limit = int(min(max(res.Count(), 1), query.MaxMembersLimit))
		}
		ms, err := env.engine.Members(ctx, res.Members, seg.Unit, opt)
		if err != nil {
			return err
		}
		table := membersTable(ms, seg.Unit, attrList)
		switch {
		case outFormat == "parquet":
			err = writeMembersParquet(ctx, out, table)
		case out != "":
			err = writeMembersFile(out, outFormat, table)
		case outFormat == "json":
			err = writeMembersJSON(s.out, table)
		default:
			// Standard output may be a terminal: values from event data are made safe.
			err = writeMembersCSV(s.out, table, safe.Text)
		}
		if err != nil {
			return err
		}
		if out != "" {
			fmt.Fprintf(s.out, "wrote %s of %s members of %s to %s\n", format.Count(int64(len(ms))),
				format.Count(res.Count()), safe.Text(seg.Name), safe.Text(out))
		}
		return nil
	}
	return cmd
}

// memberTable is the listing as columns and text cells, shared by every format.
type memberTable struct {
	header []string
	types  []string // DuckDB types for Parquet
	rows   [][]string
	json   []map[string]any
}

func membersTable(ms []query.Member, unit segments.Unit, attrs []string) *memberTable {
	key := "user_id"
	if unit == segments.UnitAccount {
		key = "account_id"
	}
	t := &memberTable{
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

func writeMembersCSV(w io.Writer, t *memberTable, clean func(string) string) error {
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

func writeMembersJSON(w io.Writer, t *memberTable) error {
	enc := json.NewEncoder(w)
	for _, obj := range t.json {
		if err := enc.Encode(obj); err != nil {
			return err
		}
	}
	return nil
}

// writeMembersFile writes CSV or JSON to path, through a temporary file renamed into place.
func writeMembersFile(path, outFormat string, t *memberTable) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".members-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if outFormat == "json" {
		err = writeMembersJSON(tmp, t)
	} else {
		err = writeMembersCSV(tmp, t, nil)
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

// writeMembersParquet writes the CSV to a temporary file and converts it with DuckDB (on a
// throwaway in-memory database: the store itself is sealed against file access).
func writeMembersParquet(ctx context.Context, path string, t *memberTable) error {
	dir, err := os.MkdirTemp("", "segscope-members-")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.RemoveAll(dir)
	csvPath := filepath.Join(dir, "members.csv")
	if err := writeMembersFile(csvPath, "csv", t); err != nil {
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
