package query

import (
	"context"
	"os"
	"strings"
	"testing"
)

func TestMemoryLimitSetting(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{in: "2GB", want: "2GB"},
		{in: "512MB", want: "512MB"},
		{in: "50%", want: "MiB"},
		{in: "0%", bad: true},
		{in: "150%", bad: true},
		{in: "lots", bad: true},
		{in: "2GB; SELECT 1", bad: true},
	} {
		got, err := memoryLimitSetting(tc.in)
		if tc.bad != (err != nil) || !tc.bad && !strings.HasSuffix(got, tc.want) {
			t.Errorf("%q: %q, %v", tc.in, got, err)
		}
	}
}

// TestStoreMemoryLimit: a store opens with a bounded memory limit and a private spill
// folder (removed on Close) unless told otherwise, by option or environment.
func TestStoreMemoryLimit(t *testing.T) {
	ctx := context.Background()
	setting := func(s *Store, name string) string {
		var v string
		if err := s.DB().QueryRowContext(ctx, "SELECT current_setting('"+name+"')::VARCHAR").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	s, err := Open(ctx, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := setting(s, "memory_limit"); strings.HasPrefix(s.MemoryLimit(), "0") || got == "" {
		t.Errorf("default memory limit %q (%s)", got, s.MemoryLimit())
	}
	dir := setting(s, "temp_directory")
	if dir == "" || dir != s.spill {
		t.Errorf("spill folder %q, made %q", dir, s.spill)
	}
	s.Close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("spill folder %s left behind: %v", dir, err)
	}

	t.Setenv(EnvMemoryLimit, "300MB")
	spill := t.TempDir()
	t.Setenv(EnvTempDir, spill)
	s, err = Open(ctx, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := setting(s, "memory_limit"); !strings.HasPrefix(got, "286") { // 300 MB = 286 MiB
		t.Errorf("memory limit from the environment: %q", got)
	}
	if got := setting(s, "temp_directory"); got != spill {
		t.Errorf("spill folder from the environment: %q", got)
	}
	if _, err := Open(ctx, "", Options{MemoryLimit: "lots"}); err == nil {
		t.Error("a bad memory limit opened a store")
	}
}
