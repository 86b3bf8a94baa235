package query

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// How a file's rows reach SQL. Table-like sources (CSV read as VARCHAR, Parquet typed) give
// one SQL column per file column; JSON sources give one JSON value per record, `j`, next to
// its raw text, `line`.
type fileSourceKind int

const (
	tableFileSource fileSourceKind = iota
	jsonFileSource
)

// column is one column of a table-like source and the type DuckDB gives it. For CSV, typ
// is always VARCHAR (the file is read as text so that nothing fails mid-read) and sniffed is
// the type DuckDB's sniffer would choose, used to type extra columns in properties.
type fileColumn struct {
	name    string
	typ     string
	sniffed string
}

// source is one file opened for reading.
type fileSource struct {
	plan    loadPlan
	kind    fileSourceKind
	reader  string // a SQL FROM item yielding the file's rows in file order
	columns []fileColumn
	keys    []string // jsonSource: top-level keys and properties.* keys seen in a sample
	// rejects names the temporary tables where DuckDB's CSV reader stores rows it could not
	// split into the header's columns (CSV and NDJSON only).
	rejectsTable, rejectsScan string
	delim                     string
	// rowNumber, when the reader has one, is the 0-based row of a record in the file.
	rowNumber string
	// pinned says that the columns are the header as read in Go, all text: DuckDB's
	// sniffer could not read the file.
	pinned bool
	// wrapper, for a JSON file that is one object holding the records in a list, is that
	// list's key (load_json.go).
	wrapper string
}

func (src *fileSource) columnNames() []string {
	if src.kind == jsonFileSource {
		return src.keys
	}
	names := make([]string, len(src.columns))
	for i, c := range src.columns {
		names[i] = c.name
	}
	return names
}

func (src *fileSource) columnNamed(name string) fileColumn {
	for _, c := range src.columns {
		if c.name == name {
			return c
		}
	}
	return fileColumn{name: name, typ: "VARCHAR"}
}

// sqlString quotes a SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// ident quotes a SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// csvOptions are the read_csv options shared by the sniffing and the reading of a file.
func csvOptions(pl loadPlan) string {
	opts := []string{"header = true"}
	if pl.readGzip() {
		opts = append(opts, "compression = 'gzip'")
	} else {
		opts = append(opts, "compression = 'none'")
	}
	if pl.sniff.format == FormatTSV {
		opts = append(opts, `delim = '\t'`)
	}
	if pl.sniff.latin1 {
		opts = append(opts, "encoding = 'latin-1'")
	}
	if len(pl.nulls) > 0 {
		opts = append(opts, "nullstr = ["+strings.Join(quoteAll(pl.nulls), ", ")+"]")
	}
	return strings.Join(opts, ", ")
}

// jsonCompressionOption is compressionOption for read_json, which spells "none" differently.
func jsonCompressionOption(pl loadPlan) string {
	if pl.readGzip() {
		return "compression = 'gzip'"
	}
	return "compression = 'uncompressed'"
}

func compressionOption(pl loadPlan) string {
	if pl.readGzip() {
		return "compression = 'gzip'"
	}
	return "compression = 'none'"
}

// openSource prepares the SQL to read a file and learns its columns.
func (l *loader) openSource(ctx context.Context, pl loadPlan, typedCSV bool) (*fileSource, error) {
	src := &fileSource{plan: pl}
	path := quoteLiteral(pl.path)
	switch pl.sniff.format {
	case FormatCSV, FormatTSV:
		// The dialect was settled, and the file scanned, by its fingerprint (load_reconcile.go):
		// DuckDB reads it (or its regular copy) with that dialect, every column as text, and
		// its sniffer only types the columns.
		t := pl.text
		src.rejectsTable, src.rejectsScan = l.tempName("rejects"), l.tempName("scan")
		src.delim = string(t.dialect.delim)
		path := quoteLiteral(pl.readPath())
		opts := csvOptions(pl) + ", " + t.dialect.options()
		sniffed, err := l.describe(ctx, fmt.Sprintf("read_csv(%s, %s, ignore_errors = true)", path, opts))
		if err != nil || len(sniffed) != t.scan.columns {
			// DuckDB's sniffer gives up on some files (a line longer than it reads, a sample
			// it cannot type): the columns are then the header line's, all text.
			if len(t.header.names) != t.scan.columns {
				return nil, fmt.Errorf("load %s: line 1: cannot read the header (%d names for %d fields)", pl.path, len(t.header.names), t.scan.columns)
			}
			src.pinned = true
			sniffed = nil
			for _, name := range t.header.names {
				sniffed = append(sniffed, fileColumn{name: name, typ: "VARCHAR"})
			}
		}
		rejects := fmt.Sprintf("store_rejects = true, rejects_table = %s, rejects_scan = %s", quoteLiteral(src.rejectsTable), quoteLiteral(src.rejectsScan))
		if typedCSV && !src.pinned {
			// A users file: attribute columns keep the types DuckDB's sniffer gives them,
			// and a value that does not fit its column is a rejected row.
			src.columns = sniffed
			src.reader = fmt.Sprintf("read_csv(%s, %s, %s)", path, opts, rejects)
			return src, nil
		}
		cols := make([]string, len(sniffed))
		for i, c := range sniffed {
			src.columns = append(src.columns, fileColumn{name: c.name, typ: "VARCHAR", sniffed: c.typ})
			cols[i] = quoteLiteral(c.name) + ": 'VARCHAR'"
		}
		src.reader = fmt.Sprintf("read_csv(%s, %s, auto_detect = false, columns = {%s}, %s)", path, opts, strings.Join(cols, ", "), rejects)
	case FormatParquet:
		src.reader = fmt.Sprintf("read_parquet(%s)", path)
		cols, err := l.describe(ctx, src.reader)
		if err != nil {
			return nil, fmt.Errorf("load %s: read Parquet schema: %w", pl.path, err)
		}
		src.columns = cols
		// file_row_number is the reader's virtual column; a file with a real column of that
		// name shadows it, and then loads through a stage like the other formats.
		if !slices.Contains(src.columnNames(), "file_row_number") {
			src.rowNumber = "file_row_number"
		}
	case FormatNDJSON:
		// Each line is read as text, so a broken line is one rejected row with its exact
		// line number rather than an error for the whole file. Blank lines come through as
		// NULL and are skipped, keeping rowid + 1 = the line number.
		src.kind = jsonFileSource
		src.rejectsTable, src.rejectsScan = l.tempName("rejects"), l.tempName("scan")
		enc := ""
		if pl.sniff.latin1 {
			enc = ", encoding = 'latin-1'"
		}
		src.reader = fmt.Sprintf(`(SELECT line, TRY_CAST(line AS JSON) AS j FROM read_csv(%s,
			columns = {'line': 'VARCHAR'}, header = false, auto_detect = false, delim = chr(1),
			quote = '', escape = '', max_line_size = 268435456, %s%s,
			store_rejects = true, rejects_table = %s, rejects_scan = %s))`,
			quoteLiteral(pl.readPath()), compressionOption(pl), enc, quoteLiteral(src.rejectsTable), quoteLiteral(src.rejectsScan))
	case FormatJSON:
		src.kind = jsonFileSource
		src.reader = jsonRecordsReader(pl)
	default:
		return nil, fmt.Errorf("load %s: %w", pl.path, ErrUnknownFormat)
	}
	if src.kind == jsonFileSource {
		keys, err := l.sampleKeys(ctx, src)
		if err != nil {
			return nil, fmt.Errorf("load %s: read JSON: %w", pl.path, err)
		}
		src.keys = keys
		if src.wrapper, err = l.unwrapJSON(ctx, src); err != nil {
			return nil, fmt.Errorf("load %s: read JSON: %w", pl.path, err)
		} else if src.wrapper != "" {
			if src.keys, err = l.sampleKeys(ctx, src); err != nil {
				return nil, fmt.Errorf("load %s: read JSON: %w", pl.path, err)
			}
		}
	}
	return src, nil
}

// describe returns the columns a FROM item yields.
func (l *loader) describe(ctx context.Context, from string) ([]fileColumn, error) {
	rows, err := l.q.QueryContext(ctx, "DESCRIBE SELECT * FROM "+from)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []fileColumn
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, fileColumn{name: fmt.Sprint(vals[0]), typ: fmt.Sprint(vals[1])})
	}
	return out, rows.Err()
}

// keySample is how many JSON records detection looks at.
const keySample = 1000

// sampleKeys lists the top-level keys of the first records, and the keys one level down in
// objects as "properties.KEY", "context.KEY", in order of first appearance.
func (l *loader) sampleKeys(ctx context.Context, src *fileSource) ([]string, error) {
	q := nestedKeySample(src.reader)
	rows, err := l.q.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// text is an expression giving a field's value as VARCHAR, NULL when absent, empty or one
// of the missing-value words (CSV's reader turns those into NULL itself: nullstr).
func (src *fileSource) text(name string) string {
	if src.kind == jsonFileSource {
		return src.missingAsNull(jsonPath(name, true))
	}
	c := src.columnNamed(name)
	if c.typ == "VARCHAR" {
		if src.plan.sniff.format == FormatCSV || src.plan.sniff.format == FormatTSV {
			return fmt.Sprintf("NULLIF(%s, '')", quoteIdent(name))
		}
		return src.missingAsNull(quoteIdent(name))
	}
	return fmt.Sprintf("CAST(%s AS VARCHAR)", quoteIdent(name))
}

// DefaultNulls are the values that mean "missing" unless a load says otherwise: what R,
// pandas, MySQL and spreadsheets write for a missing value.
var DefaultNulls = []string{"", "NA", "N/A", "NULL", "null", "None", "nan", "NaN", `\N`}

// missingAsNull is a text expression with the missing-value words made NULL.
func (src *fileSource) missingAsNull(x string) string {
	nulls := src.plan.nulls
	if len(nulls) == 0 {
		nulls = []string{""}
	}
	return fmt.Sprintf("CASE WHEN %[1]s IN (%[2]s) THEN NULL ELSE %[1]s END", x, strings.Join(quoteAll(nulls), ", "))
}

func quoteAll(items []string) []string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = quoteLiteral(s)
	}
	return q
}

// jsonPath renders a (possibly dotted) key of the record j as a JSON path, `j->'$."a"."b"'`,
// so that keys such as Mixpanel's "$browser" are read as keys, not as paths.
func jsonPath(name string, asText bool) string {
	op := "->"
	if asText {
		op = "->>"
	}
	return fmt.Sprintf("(j%s%s)", op, quoteLiteral(jsonKeyPath(strings.Split(name, ".")...)))
}

// jsonKeyPath is the JSON path of nested keys: $."a"."b".
func jsonKeyPath(keys ...string) string {
	var b strings.Builder
	b.WriteString("$")
	for _, k := range keys {
		b.WriteString(`."` + strings.ReplaceAll(strings.ReplaceAll(k, `\`, `\\`), `"`, `\"`) + `"`)
	}
	return b.String()
}

// jsonNullPatch is a JSON merge patch deleting keys: {"a": null, "b": null}.
func jsonNullPatch(keys []string) string {
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		kj, _ := json.Marshal(k)
		parts[i] = string(kj) + ": null"
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// timeColumns are the expressions reading a timestamp field (see timeReading.columns).
func (src *fileSource) timeColumns(name string, tr timeReading) timeColumns {
	if src.kind == tableFileSource {
		c := src.columnNamed(name)
		if c.typ != "VARCHAR" {
			return tr.columns(fmt.Sprintf("CAST(%s AS VARCHAR)", quoteIdent(name)), quoteIdent(name), c.typ)
		}
	}
	return tr.columns(src.text(name), "", "")
}

// timestampLiteral is a TIMESTAMP literal of an instant, in UTC.
func timestampLiteral(t time.Time) string {
	return fmt.Sprintf("TIMESTAMP '%s'", t.UTC().Format("2006-01-02 15:04:05.999999"))
}

func isNumericType(t string) bool {
	switch {
	case strings.HasPrefix(t, "DECIMAL"):
		return true
	}
	switch t {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE":
		return true
	}
	return false
}

// utcOf is a TIMESTAMPTZ's UTC wall time. Going through the epoch avoids the ICU calendar
// that CAST(… AS TIMESTAMP) consults for every value (4× slower on 10M rows), and does not
// depend on the session's time zone.
func utcOf(tstz string) string {
	return fmt.Sprintf("make_timestamp(epoch_us(%s))", tstz)
}

// number is a field as DOUBLE (NULL when absent or not a finite number) and the condition
// that it was present but unreadable.
func (src *fileSource) number(name string) (val, bad string) {
	if src.kind == tableFileSource && isNumericType(strings.ToUpper(src.columnNamed(name).typ)) {
		v := fmt.Sprintf("CAST(%s AS DOUBLE)", quoteIdent(name))
		return v, fmt.Sprintf("(%s IS NOT NULL AND NOT isfinite(%s))", v, v)
	}
	t := src.text(name)
	v := fmt.Sprintf("TRY_CAST(%s AS DOUBLE)", t)
	if src.decimalComma() {
		v = fmt.Sprintf("TRY_CAST(%s AS DOUBLE)", decimalCommaText(t))
	}
	return fmt.Sprintf("CASE WHEN isfinite(%s) THEN %s END", v, v),
		fmt.Sprintf("(%s IS NOT NULL AND NOT coalesce(isfinite(%s), false))", t, v)
}

// decimalCommaPattern is a number written with a decimal comma, and dots (or none) between
// its thousands: 12,50 and 1.234,5.
const decimalCommaPattern = `^\s*[+-]?([0-9]{1,3}(\.[0-9]{3})+|[0-9]+),[0-9]+\s*$`

// decimalComma says whether the file's numbers may be written with a decimal comma: a
// text file whose fields are not separated by commas (semicolons, tabs, spaces), as
// spreadsheets in much of Europe write them.
func (src *fileSource) decimalComma() bool {
	return src.kind == tableFileSource && src.delim != "" && src.delim != ","
}

// decimalCommaText turns a text expression written with a decimal comma (decimalCommaPattern)
// into one with a decimal point and no thousands dots; other text is left as it is.
func decimalCommaText(t string) string {
	return fmt.Sprintf("CASE WHEN regexp_full_match(%[1]s, %[2]s) THEN replace(replace(trim(%[1]s), '.', ''), ',', '.') ELSE %[1]s END",
		t, quoteLiteral(decimalCommaPattern))
}

// jsonOf is a field as JSON (NULL when absent), and the condition that it was present but
// not valid JSON.
func (src *fileSource) jsonOf(name string) (val, bad string) {
	if src.kind == jsonFileSource {
		return jsonPath(name, false), "false"
	}
	c := src.columnNamed(name)
	t := strings.ToUpper(c.typ)
	switch {
	case t == "JSON":
		return quoteIdent(name), "false"
	case t == "VARCHAR":
		v := fmt.Sprintf("TRY_CAST(NULLIF(%s, '') AS JSON)", quoteIdent(name))
		return v, fmt.Sprintf("(NULLIF(%s, '') IS NOT NULL AND %s IS NULL)", quoteIdent(name), v)
	default: // STRUCT, MAP, LIST from Parquet
		return fmt.Sprintf("to_json(%s)", quoteIdent(name)), "false"
	}
}

// extraValue is a column that is not mapped to a field, as a value for json_object: CSV
// text becomes a number or boolean when DuckDB's sniffer typed the column so and the value
// fits, and stays text otherwise.
func (src *fileSource) extraValue(c fileColumn) string {
	if src.kind == tableFileSource && c.typ == "VARCHAR" {
		switch strings.ToUpper(c.sniffed) {
		case "BIGINT", "INTEGER", "DOUBLE", "BOOLEAN", "SMALLINT", "TINYINT", "HUGEINT", "FLOAT":
			if len(src.columns) > wideColumns {
				// The column is named once: DuckDB's common-subexpression pass is quadratic
				// in expressions that repeat a column, thousands of them in a wide file
				// (10,000 columns: minutes for 20 rows). The lambda costs a list per value,
				// which narrow files with millions of rows need not pay.
				return fmt.Sprintf("list_transform([%s], lambda v: coalesce(to_json(TRY_CAST(v AS %s)), to_json(v)))[1]", quoteIdent(c.name), c.sniffed)
			}
			return fmt.Sprintf("coalesce(to_json(TRY_CAST(%[1]s AS %[2]s)), to_json(%[1]s))", quoteIdent(c.name), c.sniffed)
		}
		if src.decimalComma() && len(src.columns) <= wideColumns {
			// A number with a decimal comma is a number (DuckDB's sniffer types the column
			// as text); any other value stays text.
			return fmt.Sprintf("CASE WHEN regexp_full_match(%[1]s, %[2]s) THEN to_json(TRY_CAST(%[3]s AS DOUBLE)) ELSE to_json(NULLIF(%[1]s, '')) END",
				quoteIdent(c.name), quoteLiteral(decimalCommaPattern), decimalCommaText(quoteIdent(c.name)))
		}
		return fmt.Sprintf("NULLIF(%s, '')", quoteIdent(c.name))
	}
	return quoteIdent(c.name)
}

// wideColumns is the column count above which a file's extra columns are typed in a form
// that names each column once (see extraValue).
const wideColumns = 64

// rawExpr keeps what a rejected row's text is rebuilt from: the line itself for JSON, a
// JSON object for Parquet, and the list of fields for CSV (joined by rawText once the
// sniffed delimiter is known).
func (src *fileSource) rawExpr() string {
	if src.kind == jsonFileSource {
		return "line"
	}
	var parts []string
	if src.plan.sniff.format == FormatParquet {
		for _, c := range src.columns {
			parts = append(parts, quoteLiteral(c.name), quoteIdent(c.name))
		}
		return fmt.Sprintf("CAST(json_object(%s) AS VARCHAR)", strings.Join(parts, ", "))
	}
	for _, c := range src.columns {
		if c.typ == "VARCHAR" {
			parts = append(parts, quoteIdent(c.name))
		} else {
			parts = append(parts, fmt.Sprintf("CAST(%s AS VARCHAR)", quoteIdent(c.name)))
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// rawText turns the stage's raw column into text: CSV fields are joined by the file's
// delimiter and quoted where they hold it, a quote or a line break.
func (src *fileSource) rawText(col string) string {
	if src.kind == jsonFileSource || src.plan.sniff.format == FormatParquet {
		return col
	}
	d := src.delim
	if d == "" {
		d = ","
	}
	return fmt.Sprintf(`array_to_string(list_transform(%s, lambda x: CASE WHEN x IS NULL THEN '' WHEN regexp_matches(x, %s) THEN '"' || replace(x, '"', '""') || '"' ELSE x END), %s)`,
		col, quoteLiteral(`["\n\r`+regexpEscape(d)+`]`), quoteLiteral(d))
}

func regexpEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\t':
			b.WriteString(`\t`)
		case strings.ContainsRune(`\^$.|?*+()[]{}-`, r):
			b.WriteRune('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
