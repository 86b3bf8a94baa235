package tui

import (
	"testing"
	"time"
)

// TestIdleExplorerDoesNoWork guards "idle is idle": once every screen has finished its
// background work, the explorer handles no message and draws no frame until a key is
// pressed (no spinner, no cursor blink, no clock), locally and in every SSH session.
func TestIdleExplorerDoesNoWork(t *testing.T) {
	store, ws := demoStore(t), demoWorkspace(t)
	f := startFlow(t, store, ws, 80, 24)
	// Visit every screen so that each has started (and finished) its work; open the
	// filter and the as_of input, whose cursors used to blink.
	for _, k := range []string{"1", "2", "3", "4", "5"} {
		f.keys(k)
		f.settled()
	}
	f.keys("2", "/")
	f.settled()
	// The test's own poke is drawn after it is handled, and a frame or a tick already
	// scheduled may land: only then does idleness start.
	time.Sleep(300 * time.Millisecond)
	updates, views := f.w.updates.Load(), f.w.views.Load()
	time.Sleep(1500 * time.Millisecond)
	if n := f.w.updates.Load() - updates; n != 0 {
		t.Errorf("idle for 1.5s, the explorer handled %d messages; want none", n)
	}
	if n := f.w.views.Load() - views; n != 0 {
		t.Errorf("idle for 1.5s, the explorer drew %d frames; want none", n)
	}
	f.screen()
}
