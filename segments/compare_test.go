package segments

import (
	"math"
	"testing"
)

func TestParseComparison(t *testing.T) {
	tests := []struct {
		in    string
		kinds []Kind
		want  Comparison
		str   string // canonical form
	}{
		{">= 3", []Kind{KindCount}, Comparison{Op: OpGe, Value: 3, Kind: KindCount}, ">= 3"},
		{">=3", []Kind{KindCount}, Comparison{Op: OpGe, Value: 3, Kind: KindCount}, ">= 3"},
		{"> 3", nil, Comparison{Op: OpGt, Value: 3}, "> 3"},
		{"<= 3", nil, Comparison{Op: OpLe, Value: 3}, "<= 3"},
		{"< -3.25", nil, Comparison{Op: OpLt, Value: -3.25}, "< -3.25"},
		{"= 0", []Kind{KindCount}, Comparison{Op: OpEq, Value: 0, Kind: KindCount}, "= 0"},
		{"== 2", nil, Comparison{Op: OpEq, Value: 2}, "= 2"},
		{"!= 3", nil, Comparison{Op: OpNe, Value: 3}, "!= 3"},
		{"3..10", []Kind{KindCount}, Comparison{Op: OpRange, Value: 3, Hi: 10, Kind: KindCount}, "3..10"},
		{" 3 .. 10 ", nil, Comparison{Op: OpRange, Value: 3, Hi: 10}, "3..10"},
		{"-1.5..2", nil, Comparison{Op: OpRange, Value: -1.5, Hi: 2}, "-1.5..2"},
		{"7", nil, Comparison{Op: OpEq, Value: 7}, "= 7"},
		{"> 90d", []Kind{KindDuration}, Comparison{Op: OpGt, Value: 90 * 86400, Kind: KindDuration, Unit: Day}, "> 90d"},
		{"<= 30m", []Kind{KindDuration}, Comparison{Op: OpLe, Value: 1800, Kind: KindDuration, Unit: Minute}, "<= 30m"},
		{"1w..30d", []Kind{KindDuration}, Comparison{Op: OpRange, Value: 7 * 86400, Hi: 30 * 86400, Kind: KindDuration, Unit: Week}, "1w..30d"},
		{"<= -50%", []Kind{KindPercent}, Comparison{Op: OpLe, Value: -0.5, Kind: KindPercent}, "<= -50%"},
		{"> 7%", []Kind{KindPercent}, Comparison{Op: OpGt, Value: 0.07, Kind: KindPercent}, "> 7%"},
		{"10%..20%", []Kind{KindPercent}, Comparison{Op: OpRange, Value: 0.1, Hi: 0.2, Kind: KindPercent}, "10%..20%"},
		{"+5", nil, Comparison{Op: OpEq, Value: 5}, "= 5"},
	}
	for _, tt := range tests {
		got, err := ParseComparison(tt.in, tt.kinds...)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%q: got %+v, want %+v", tt.in, got, tt.want)
		}
		if got.String() != tt.str {
			t.Errorf("%q: String() = %q, want %q", tt.in, got.String(), tt.str)
		}
		back, err := ParseComparison(got.String(), tt.kinds...)
		if err != nil || back != got {
			t.Errorf("%q: canonical form %q reads back as %+v (%v)", tt.in, got.String(), back, err)
		}
	}
}

func TestParseComparisonErrors(t *testing.T) {
	tests := []struct {
		in    string
		kinds []Kind
		want  string
	}{
		{">= x", []Kind{KindCount}, `bad comparison ">= x": want an operator (>=, >, <=, <, =, !=) and a number like ">= 3" or "3..10"`},
		{"", nil, `bad comparison "": want an operator (>=, >, <=, <, =, !=) and a number like "> 99.5" or "1..10"`},
		{">=", nil, `bad comparison ">=": want an operator (>=, >, <=, <, =, !=) and a number like "> 99.5" or "1..10"`},
		{"> 1e3", nil, `bad comparison "> 1e3": want an operator (>=, >, <=, <, =, !=) and a number like "> 99.5" or "1..10"`},
		{"> inf", nil, `bad comparison "> inf": want an operator (>=, >, <=, <, =, !=) and a number like "> 99.5" or "1..10"`},
		{"> NaN", nil, `bad comparison "> NaN": want an operator (>=, >, <=, <, =, !=) and a number like "> 99.5" or "1..10"`},
		{"> -1", []Kind{KindCount}, `bad comparison "> -1": a count is a whole number ≥ 0`},
		{"> 5%", []Kind{KindDuration}, `bad comparison "> 5%": want an operator (>=, >, <=, <, =, !=) and a duration like "> 90d" or "7d..30d"`},
		{"> 5d", []Kind{KindNumber}, `bad comparison "> 5d": want an operator (>=, >, <=, <, =, !=) and a number like "> 99.5" or "1..10"`},
		{"1d..5%", []Kind{KindDuration, KindPercent}, `bad comparison "1d..5%": both ends of a range must be the same kind of quantity`},
		{"= 3..4", nil, `bad comparison "= 3..4": a range takes no operator: write "3..10"`},
		{"4..3", nil, `bad comparison "4..3": a range's upper end is below its lower end`},
	}
	for _, tt := range tests {
		_, err := ParseComparison(tt.in, tt.kinds...)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q:\n got %v\nwant %s", tt.in, err, tt.want)
		}
	}
}

func TestComparisonMatches(t *testing.T) {
	tests := []struct {
		c    string
		x    float64
		want bool
	}{
		{">= 3", 3, true}, {">= 3", 2.99, false},
		{"> 3", 3, false}, {"> 3", 4, true},
		{"<= 3", 3, true}, {"<= 3", 3.01, false},
		{"< 3", 3, false}, {"< 3", -1, true},
		{"= 0", 0, true}, {"= 0", 1, false},
		{"!= 0", 0, false}, {"!= 0", 2, true},
		{"3..10", 3, true}, {"3..10", 10, true}, {"3..10", 10.5, false}, {"3..10", 2, false},
		{">= 3", math.NaN(), false},
	}
	for _, tt := range tests {
		if got := cmpOf(tt.c).Matches(tt.x); got != tt.want {
			t.Errorf("%q.Matches(%v) = %v", tt.c, tt.x, got)
		}
	}
	if (Comparison{}).Matches(0) {
		t.Error("an unset comparison matched")
	}
	if !cmpOf("= 0", KindCount).MatchesZero() || cmpOf(">= 1", KindCount).MatchesZero() {
		t.Error("MatchesZero")
	}
	// Durations compare seconds; percents compare ratios.
	if !cmpOf("> 90d", KindDuration).Matches(91*86400) || cmpOf("> 90d", KindDuration).Matches(90*86400) {
		t.Error("duration comparison")
	}
	if !cmpOf("<= -50%", KindPercent).Matches(-0.5) || cmpOf("<= -50%", KindPercent).Matches(-0.49) {
		t.Error("percent comparison")
	}
}

func TestDuration(t *testing.T) {
	for in, secs := range map[string]int64{"30m": 1800, "2h": 7200, "7d": 604800, "4w": 2419200, "0h": 0} {
		d, err := ParseDuration(in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if d.Seconds() != secs || d.String() != in {
			t.Errorf("%s: %d seconds, %q", in, d.Seconds(), d.String())
		}
	}
	for _, bad := range []string{"", "7", "d", "7x", "-7d", "1.5h", "7 d", "7D", "99999999999999999999d", "5300w"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
	if _, err := ParseDuration("5200w"); err != nil {
		t.Errorf("100 years should parse: %v", err)
	}
	if Days(2).Std().Hours() != 48 {
		t.Error("Std")
	}
}

func TestFormatPercentShortest(t *testing.T) {
	for r, want := range map[float64]string{0.07: "7%", -0.5: "-50%", 0.001: "0.1%", 1.0 / 3: "33.33333333333333%", 0: "0%"} {
		if got := formatPercent(r); got != want {
			t.Errorf("formatPercent(%v) = %q, want %q", r, got, want)
		}
	}
}
