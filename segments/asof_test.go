package segments

import (
	"testing"
	"time"
)

func TestParseAsOf(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"", time.Time{}, false},
		{"2026-11-01", time.Date(2026, 11, 1, 23, 59, 59, 0, time.UTC), false},
		{" 2026-11-01 ", time.Date(2026, 11, 1, 23, 59, 59, 0, time.UTC), false},
		{"2026-11-01T12:00:00Z", time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC), false},
		{"2026-11-01T12:00:00+02:00", time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC), false},
		{"yesterday", time.Time{}, true},
		{"2026-13-01", time.Time{}, true},
	} {
		got, err := ParseAsOf(tc.in)
		if (err != nil) != tc.wantErr || !got.Equal(tc.want) {
			t.Errorf("ParseAsOf(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}
