package query

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestLockHolder(t *testing.T) {
	self := os.Getpid()
	err := fmt.Errorf("open store shop.duckdb: %w (pid %d); close it there or open read-only", ErrLocked, self)
	pid, cmd, ok := LockHolder(err)
	if !ok || pid != self {
		t.Fatalf("LockHolder = %d, %q, %v; want this process (%d)", pid, cmd, ok, self)
	}
	if _, statErr := os.Stat("/proc/self/cmdline"); statErr == nil && !strings.Contains(cmd, ".test") {
		t.Errorf("command %q: want this test binary's", cmd)
	}
	for _, other := range []error{
		errors.New("open store x: no such file"),
		fmt.Errorf("open store x: %w; close it there or open read-only", ErrLocked), // no pid
	} {
		if _, _, ok := LockHolder(other); ok {
			t.Errorf("LockHolder(%q) found a holder", other)
		}
	}
}
