package format

import (
	"testing"
	"time"
)

func TestCount(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{{0, "0"}, {7, "7"}, {999, "999"}, {1000, "1,000"}, {12345, "12,345"}, {1234567, "1,234,567"}, {-1234, "-1,234"}} {
		if got := Count(tt.n); got != tt.want {
			t.Errorf("Count(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestCompact(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{{950, "950"}, {1000, "1.0k"}, {9949, "9.9k"}, {9950, "10k"}, {12345, "12k"}, {999_499, "999k"}, {999_500, "1.0M"}, {4_100_000, "4.1M"}, {123_000_000, "123M"}, {2_000_000_000, "2.0B"}} {
		if got := Compact(tt.n); got != tt.want {
			t.Errorf("Compact(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestShare(t *testing.T) {
	for _, tt := range []struct {
		part, whole int64
		want        string
	}{{1, 4, "25.0%"}, {0, 10, "0%"}, {4, 10000, "0.04%"}, {3, 0, "–"}, {10, 10, "100.0%"}} {
		if got := Share(tt.part, tt.whole); got != tt.want {
			t.Errorf("Share(%d, %d) = %q, want %q", tt.part, tt.whole, got, tt.want)
		}
	}
}

func TestElapsed(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{{500 * time.Microsecond, "500µs"}, {38 * time.Millisecond, "38ms"}, {1200 * time.Millisecond, "1.2s"}} {
		if got := Elapsed(tt.d); got != tt.want {
			t.Errorf("Elapsed(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestAmounts(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{Amount(14400.5, 2), "14,400.5"},
		{Amount(2000, 2), "2,000"},
		{Amount(9.659, 1), "9.7"},
		{Amount(9.96, 1), "10"},
		{Amount(314.45, 1), "314.4"}, // 314.45 is 314.4499… in binary: rounded as it is
		{Amount(-3.25, 2), "-3.25"},
		{Amount(-0.001, 2), "0"},
		{Amount(1234567.891, 2), "1,234,567.89"},
		{SignedAmount(2000, 2), "+2,000"},
		{SignedAmount(-3.5, 2), "-3.5"},
		{SignedAmount(0, 2), "+0"},
		{Money(1234.5), "1,234.50"},
		{Money(-0.004), "0.00"},
		{Money(-12.345), "-12.35"},
		{Money(0), "0.00"},
		{Num(0.05), "0.05"},
		{Num(3), "3"},
		{Signed(2, 2), "+2.00"},
		{Signed(-1.125, 1), "-1.1"},
		{Pct(0.1, 2), "10.00%"},
		{Pct(0.8, 0), "80%"},
		{SignedPct(0.2, 1), "+20.0%"},
		{SignedPct(-0.05, 1), "-5.0%"},
		{Counted(1, "person", "people"), "1 person"},
		{Counted(3000, "person", "people"), "3,000 people"},
		{Counted(0, "person-day", "person-days"), "0 person-days"},
		{Millis(0.4219), "0.42"},
		{Millis(38.14), "38.1"},
		{Millis(152.6), "153"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestSparkline(t *testing.T) {
	for _, tt := range []struct {
		values []float64
		width  int
		want   string
	}{
		{nil, 10, ""},
		{[]float64{0, 0}, 10, ""},
		{[]float64{0, 1, 2, 4, 8}, 10, " ▁▂▄█"},
		// Six values in three cells: each cell is the mean of two.
		{[]float64{8, 8, 0, 0, 4, 4}, 3, "█ ▄"},
		// Seven values in three cells of three: the last cell averages what is left.
		{[]float64{3, 3, 3, 0, 0, 0, 3}, 3, "█ █"},
	} {
		if got := Sparkline(tt.values, tt.width); got != tt.want {
			t.Errorf("Sparkline(%v, %d) = %q, want %q", tt.values, tt.width, got, tt.want)
		}
	}
}

func TestHistogram(t *testing.T) {
	got := Histogram([]int{1, 0, 4, 8, 2}, 2)
	want := []string{"   █", "▂ ██▄"} // 16 eighths: 1 → 2, 4 → 8, 2 → 4
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Histogram = %q, want %q", got, want)
	}
	if got := Histogram([]int{0, 0}, 3); got != nil {
		t.Errorf("Histogram of zeros = %q, want nil", got)
	}
}

func TestTable(t *testing.T) {
	got := Table([][]string{{"step", "sent", ""}, {"1", "1,204", "“hi”"}, {"10", "3"}}, "lrl")
	want := "  step   sent\n" +
		"  1     1,204  “hi”\n" +
		"  10        3\n"
	if got != want {
		t.Errorf("Table =\n%s\nwant\n%s", got, want)
	}
}

func TestAge(t *testing.T) {
	cases := map[float64]string{0: "0s", 30: "30s", 90: "1m 30s", 3600: "1h", 3600*5 + 60*20: "5h 20m",
		86400*12 + 3600*3 + 59: "12d 3h", 86400 * 7: "7d", -7200: "-2h", 0.4: "0s"}
	for in, want := range cases {
		if got := Age(in); got != want {
			t.Errorf("Age(%v) = %q, want %q", in, got, want)
		}
	}
}
