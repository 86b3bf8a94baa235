// Package screentest helps tests that run one screen as a program watch what it draws.
package screentest

import (
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// Frames keeps the latest frame a screen drew, without its colours, for a test to wait on.
// The program draws from its own goroutine, hence the lock.
type Frames struct {
	mu   sync.Mutex
	last string
}

// Set keeps frame as the latest.
func (f *Frames) Set(frame string) {
	f.mu.Lock()
	f.last = ansi.Strip(frame)
	f.mu.Unlock()
}

// Until waits up to 20 s for the latest frame to satisfy ok and returns it; it fails the
// test with the last frame seen when none does.
func (f *Frames) Until(t *testing.T, what string, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		f.mu.Lock()
		s := f.last
		f.mu.Unlock()
		if ok(s) {
			return s
		}
		time.Sleep(5 * time.Millisecond)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t.Fatalf("timed out waiting for %s; the screen:\n%s", what, f.last)
	return ""
}
