package segments

import (
	"testing"
	"time"
)

var asOf = time.Date(2025, 12, 1, 12, 0, 0, 0, time.UTC)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// inWindow reports whether t is inside any interval of the resolved window.
func inWindow(w Window, t time.Time) bool {
	for _, iv := range w.Resolve(asOf) {
		if iv.Contains(t) {
			return true
		}
	}
	return false
}

func TestWindowEdges(t *testing.T) {
	inLast := Window{Kind: WindowInLast, Last: Days(7)}
	between := Window{Kind: WindowBetween, Ranges: []DateRange{{date("2025-11-24"), date("2025-11-30")}}}
	betweenTS := Window{Kind: WindowBetween, Ranges: []DateRange{{date("2025-11-24T06:00:00Z"), date("2025-11-30T18:00:00Z")}}}
	since := Window{Kind: WindowSince, Since: date("2025-11-20")}
	all := Window{}
	future := Window{Kind: WindowBetween, Ranges: []DateRange{{date("2025-12-01"), date("2025-12-31")}}}
	tests := []struct {
		name string
		w    Window
		t    string
		want bool
	}{
		{"in_last: exactly as_of", inLast, "2025-12-01T12:00:00Z", true},
		{"in_last: just after as_of", inLast, "2025-12-01T12:00:00.000000001Z", false},
		{"in_last: exactly as_of-7d is out", inLast, "2025-11-24T12:00:00Z", false},
		{"in_last: just after as_of-7d", inLast, "2025-11-24T12:00:00.000001Z", true},
		{"between: first instant", between, "2025-11-24T00:00:00Z", true},
		{"between: just before", between, "2025-11-23T23:59:59.999999Z", false},
		{"between: last day's end", between, "2025-11-30T23:59:59.999999Z", true},
		{"between: next midnight is out", between, "2025-12-01T00:00:00Z", false},
		{"between timestamps: end inclusive", betweenTS, "2025-11-30T18:00:00Z", true},
		{"between timestamps: after end", betweenTS, "2025-11-30T18:00:01Z", false},
		{"between timestamps: start inclusive", betweenTS, "2025-11-24T06:00:00Z", true},
		{"since: first instant", since, "2025-11-20T00:00:00Z", true},
		{"since: day before", since, "2025-11-19T23:59:59Z", false},
		{"since: as_of", since, "2025-12-01T12:00:00Z", true},
		{"since: after as_of", since, "2025-12-01T12:00:01Z", false},
		{"all: ancient", all, "1970-01-01T00:00:00Z", true},
		{"all: as_of", all, "2025-12-01T12:00:00Z", true},
		{"all: after as_of", all, "2025-12-02T00:00:00Z", false},
		{"clipped between: before as_of", future, "2025-12-01T11:00:00Z", true},
		{"clipped between: after as_of", future, "2025-12-01T13:00:00Z", false},
	}
	for _, tt := range tests {
		if got := inWindow(tt.w, at(tt.t)); got != tt.want {
			t.Errorf("%s: %s in %v = %v, want %v", tt.name, tt.t, tt.w.Resolve(asOf), got, tt.want)
		}
	}
}

func TestWindowResolveShapes(t *testing.T) {
	tests := []struct {
		name string
		w    Window
		want []Interval
	}{
		{"all", Window{}, []Interval{{End: asOf, EndIncl: true}}},
		{"in_last", Window{Kind: WindowInLast, Last: Days(7)}, []Interval{{Start: at("2025-11-24T12:00:00Z"), End: asOf, EndIncl: true}}},
		{"between", Window{Kind: WindowBetween, Ranges: []DateRange{{date("2025-11-24"), date("2025-11-30")}}},
			[]Interval{{Start: at("2025-11-24T00:00:00Z"), StartIncl: true, End: at("2025-12-01T00:00:00Z")}}},
		{"since", Window{Kind: WindowSince, Since: date("2025-11-20")},
			[]Interval{{Start: at("2025-11-20T00:00:00Z"), StartIncl: true, End: asOf, EndIncl: true}}},
		{"wholly after as_of", Window{Kind: WindowSince, Since: date("2025-12-02")}, nil},
		{"starts exactly at as_of", Window{Kind: WindowSince, Since: date("2025-12-01T12:00:00Z")},
			[]Interval{{Start: asOf, StartIncl: true, End: asOf, EndIncl: true}}},
		{"during: sorted, merged when touching, clipped", Window{Kind: WindowDuring, Ranges: []DateRange{
			{date("2025-11-25"), date("2025-12-31")},
			{date("2024-11-20"), date("2024-11-30")},
			{date("2025-11-20"), date("2025-11-24")},
		}}, []Interval{
			{Start: at("2024-11-20T00:00:00Z"), StartIncl: true, End: at("2024-12-01T00:00:00Z")},
			{Start: at("2025-11-20T00:00:00Z"), StartIncl: true, End: asOf, EndIncl: true},
		}},
		{"during: a gap stays a gap", Window{Kind: WindowDuring, Ranges: []DateRange{
			{date("2025-11-01"), date("2025-11-02")}, {date("2025-11-04"), date("2025-11-05")},
		}}, []Interval{
			{Start: at("2025-11-01T00:00:00Z"), StartIncl: true, End: at("2025-11-03T00:00:00Z")},
			{Start: at("2025-11-04T00:00:00Z"), StartIncl: true, End: at("2025-11-06T00:00:00Z")},
		}},
	}
	for _, tt := range tests {
		got := tt.w.Resolve(asOf)
		if len(got) != len(tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
			continue
		}
		for i := range got {
			if !got[i].Start.Equal(tt.want[i].Start) || !got[i].End.Equal(tt.want[i].End) ||
				got[i].StartIncl != tt.want[i].StartIncl || got[i].EndIncl != tt.want[i].EndIncl {
				t.Errorf("%s: interval %d = %v, want %v", tt.name, i, got[i], tt.want[i])
			}
		}
	}
}

func TestTrendPeriods(t *testing.T) {
	tr := &Trend{Period: Days(7)}
	cur, prev := tr.Periods(asOf)
	if cur.String() != "(2025-11-24T12:00:00Z, 2025-12-01T12:00:00Z]" || prev.String() != "(2025-11-17T12:00:00Z, 2025-11-24T12:00:00Z]" {
		t.Fatalf("periods %v %v", cur, prev)
	}
	// The boundary instant belongs to the earlier period only.
	b := at("2025-11-24T12:00:00Z")
	if cur.Contains(b) || !prev.Contains(b) {
		t.Fatal("boundary belongs to the previous period")
	}
}

func TestParseDate(t *testing.T) {
	d := date("2025-11-24T10:00:00+02:00")
	if d.DateOnly || !d.Time.Equal(at("2025-11-24T08:00:00Z")) || d.String() != "2025-11-24T08:00:00Z" {
		t.Fatalf("%+v %s", d, d)
	}
	if dd := date("2025-11-24"); !dd.DateOnly || dd.String() != "2025-11-24" {
		t.Fatalf("%+v", dd)
	}
	for _, bad := range []string{"2025-11-31", "24/11/2025", "2025-11-24 10:00", "yesterday"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
}
