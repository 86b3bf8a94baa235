package query

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// sqlWriter accumulates one SQL statement built from a segment's typed tree. Every value
// that came from a segment definition goes through value: in the evaluated path it becomes a
// `?` parameter (bound, never parsed as SQL); in the self-contained statement it is written
// as a literal by writeLiteral. Everything else written is fixed text of the compiler:
// keywords, column names from a fixed map, operators from the segments.Op enum, and quoted
// identifiers (quoteIdent) for user attribute columns that exist in the store.
type sqlWriter struct {
	b      strings.Builder
	inline bool  // write literals instead of parameters
	args   []any // parameters, in order of their `?`
	err    error // the first value the literal writer refused
}

// sqlType is the type a value is written or bound as. It is always one of these constants,
// so it may appear in the SQL text.
type sqlType string

const (
	typeDouble    sqlType = "DOUBLE"
	typeBigint    sqlType = "BIGINT"
	typeVarchar   sqlType = "VARCHAR"
	typeTimestamp sqlType = "TIMESTAMP"
	typeBoolean   sqlType = "BOOLEAN"
)

// raw writes fixed compiler text.
func (w *sqlWriter) raw(parts ...string) {
	for _, p := range parts {
		w.b.WriteString(p)
	}
}

// rawf writes fixed compiler text with fmt; its arguments must never carry segment values.
func (w *sqlWriter) rawf(format string, a ...any) { fmt.Fprintf(&w.b, format, a...) }

// value writes v of type t: a cast `?` parameter, or a literal. Parameters are always cast:
// DuckDB infers a parameter's type from its context, so a count compared with 2.5 would be
// bound as an integer, and the text inside TRY_CAST(? AS DOUBLE) as a double.
func (w *sqlWriter) value(v any, t sqlType) {
	if w.inline {
		lit, err := typedLiteral(v, t)
		if err != nil {
			if w.err == nil {
				w.err = err
			}
			lit = "NULL"
		}
		w.b.WriteString(lit)
		return
	}
	w.args = append(w.args, v)
	w.b.WriteString("CAST(? AS " + string(t) + ")")
}

func (w *sqlWriter) String() string { return w.b.String() }

// typedLiteral writes v as a literal of type t.
func typedLiteral(v any, t sqlType) (string, error) {
	lit, err := writeLiteral(v)
	if err != nil {
		return "", err
	}
	switch t {
	case typeDouble:
		// A plain literal such as 0.7 is a DECIMAL in DuckDB; writeLiteral chose a form that
		// converts exactly, and comparisons with DOUBLE expressions convert it.
		if _, isFloat := v.(float64); isFloat {
			return lit, nil
		}
		return "CAST(" + lit + " AS DOUBLE)", nil
	case typeBigint:
		if _, isInt := v.(int64); isInt {
			return lit, nil
		}
		return "CAST(" + lit + " AS BIGINT)", nil
	}
	return lit, nil
}

// errNotLiteral reports a value the literal writer cannot write exactly.
var errNotLiteral = errors.New("value cannot be written as a SQL literal")

// writeLiteral is the one place values become SQL text, for the self-contained statement
// (segscope sql, export). Strings are single-quoted with quotes doubled — DuckDB's standard
// strings give backslashes no meaning — and NUL bytes, which cannot sit inside a literal,
// are joined in with chr(0). Numbers are written so that DuckDB reads back the same double:
// whole numbers up to 2^53 as integers, others in the shortest form that round-trips, with
// an exponent (a DOUBLE literal) when a decimal literal would have more than 15 digits
// (DuckDB converts longer DECIMAL literals to DOUBLE inexactly). NaN and infinities, which
// the language never produces, are refused. Times become TIMESTAMP literals in UTC with
// microseconds, the store's precision.
func writeLiteral(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return stringLiteral(x), nil
	case bool:
		if x {
			return "TRUE", nil
		}
		return "FALSE", nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case int32:
		return strconv.FormatInt(int64(x), 10), nil
	case float64:
		return floatLiteral(x)
	case time.Time:
		layout := "2006-01-02 15:04:05"
		if x.Nanosecond() != 0 {
			layout += ".000000"
		}
		return "TIMESTAMP '" + x.UTC().Format(layout) + "'", nil
	case nil:
		return "NULL", nil
	}
	return "", fmt.Errorf("%w: %T", errNotLiteral, v)
}

func stringLiteral(s string) string {
	parts := strings.Split(s, "\x00")
	for i, p := range parts {
		parts[i] = "'" + strings.ReplaceAll(p, "'", "''") + "'"
	}
	return strings.Join(parts, " || chr(0) || ")
}

// maxExactInt is the largest integer every larger one of which a double may not hold.
const maxExactInt = 1 << 53

func floatLiteral(f float64) (string, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", fmt.Errorf("%w: %v", errNotLiteral, f)
	}
	if f == math.Trunc(f) && math.Abs(f) <= maxExactInt {
		return strconv.FormatInt(int64(f), 10), nil
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	digits := 0
	for _, c := range s {
		if c == 'e' {
			break
		}
		if c >= '0' && c <= '9' {
			digits++
		}
	}
	if digits <= 15 && !strings.Contains(s, "e") {
		return s, nil
	}
	// An exponent makes DuckDB parse the literal as a DOUBLE, exactly.
	if !strings.Contains(s, "e") {
		s = strconv.FormatFloat(f, 'e', -1, 64)
	}
	return s, nil
}

// jsonPointer addresses a top-level key of the properties JSON whatever characters it holds
// (RFC 6901: ~ is written ~0 and / is written ~1). A bare key would be read as a JSON path
// when it starts with $ or /.
func jsonPointer(key string) string {
	return "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(key)
}
