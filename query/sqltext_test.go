package query

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestWriteLiteral(t *testing.T) {
	ts := time.Date(2026, 3, 31, 12, 34, 56, 123456789, time.FixedZone("x", 3600))
	cases := []struct {
		v    any
		want string
	}{
		{"plain", `'plain'`},
		{"it's", `'it''s'`},
		{"'); DROP TABLE events; --", `'''); DROP TABLE events; --'`},
		{`back\slash`, `'back\slash'`},
		{"a\x00b", `'a' || chr(0) || 'b'`},
		{"", `''`},
		{true, "TRUE"},
		{false, "FALSE"},
		{int64(-42), "-42"},
		{3.0, "3"},
		{-0.5, "-0.5"},
		{0.7, "0.7"},
		{1e300, "1e+300"},
		{0.1234567890123456, "1.234567890123456e-01"},
		{ts, "TIMESTAMP '2026-03-31 11:34:56.123456'"},
	}
	for _, tc := range cases {
		got, err := writeLiteral(tc.v)
		if err != nil || got != tc.want {
			t.Errorf("writeLiteral(%#v) = %q, %v; want %q", tc.v, got, err, tc.want)
		}
	}
	for _, bad := range []any{math.NaN(), math.Inf(1), struct{}{}} {
		if _, err := writeLiteral(bad); err == nil {
			t.Errorf("writeLiteral(%v) did not fail", bad)
		}
	}
}

// TestLiteralsReadBack runs each literal through DuckDB and compares it with the same value
// bound as a parameter: strings that look like SQL stay strings, numbers stay the same
// double, times the same instant.
func TestLiteralsReadBack(t *testing.T) {
	s := memStore(t)
	db := s.DB()
	ctx := context.Background()
	strs := []string{
		"'); DROP TABLE events; --", "read_csv('/etc/passwd')", "x' OR '1'='1", `\'`, "''", "$$ $x$",
		"/* c */ --", "line\nbreak\r\n", "tab\t", "NUL\x00inside\x00", "ünïcödé ✓ 🎉", "\u202e bidi", ";",
	}
	for _, str := range strs {
		lit, err := writeLiteral(str)
		if err != nil {
			t.Fatal(err)
		}
		var back string
		var same bool
		if err := db.QueryRowContext(ctx, "SELECT "+lit+", "+lit+" = CAST(? AS VARCHAR)", str).Scan(&back, &same); err != nil {
			t.Errorf("literal %s: %v", lit, err)
			continue
		}
		if back != str || !same {
			t.Errorf("literal %s read back as %q (equal to the parameter: %v)", lit, back, same)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	floats := []float64{0, 1, -1, 0.1, 0.7, 1.0 / 3, 2.5, 1e-300, 123456789.123456789, 9007199254740993, -1e22, 0.30000000000000004}
	for range 300 {
		floats = append(floats, rng.NormFloat64()*math.Pow(10, float64(rng.IntN(30)-15)))
	}
	for _, f := range floats {
		lit, err := typedLiteral(f, typeDouble)
		if err != nil {
			t.Fatal(err)
		}
		var same bool
		if err := db.QueryRowContext(ctx, "SELECT CAST("+lit+" AS DOUBLE) = CAST(? AS DOUBLE)", f).Scan(&same); err != nil {
			t.Fatalf("literal %s: %v", lit, err)
		}
		if !same {
			t.Errorf("literal %s is not the double %v", lit, f)
		}
	}
	for _, ts := range []time.Time{time.Date(2026, 11, 27, 23, 59, 59, 999999000, time.UTC), time.Unix(0, 0), time.Date(1999, 1, 2, 3, 4, 5, 6000, time.UTC)} {
		lit, _ := writeLiteral(ts)
		var same bool
		if err := db.QueryRowContext(ctx, "SELECT "+lit+" = CAST(? AS TIMESTAMP)", ts).Scan(&same); err != nil || !same {
			t.Errorf("literal %s: equal %v, %v", lit, same, err)
		}
	}
}

func TestJSONPointer(t *testing.T) {
	s := memStore(t)
	cases := map[string]string{"plain": "/plain", "x/y": "/x~1y", "t~": "/t~0", "a.b": "/a.b", "$k": "/$k"}
	for key, want := range cases {
		if got := jsonPointer(key); got != want {
			t.Errorf("jsonPointer(%q) = %q, want %q", key, got, want)
		}
		var v string
		doc := `{"` + strings.ReplaceAll(key, `"`, `\"`) + `": "found", "a": {"b": "nested"}}`
		if err := s.DB().QueryRow(`SELECT json_extract_string(CAST(? AS JSON), ?)`, doc, jsonPointer(key)).Scan(&v); err != nil || v != "found" {
			t.Errorf("key %q: got %q, %v", key, v, err)
		}
	}
}
