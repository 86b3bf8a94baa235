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
