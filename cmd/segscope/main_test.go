package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// SIGINT and SIGTERM stop any command within its grace: one that does not stop by itself
// is ended with status 130; one that stops in time is left to finish.
func TestSecurityInterruptStopsWithinTheGrace(t *testing.T) {
	tests := []struct {
		name     string
		finishes time.Duration // when the command returns after the signal; 0: never
		wantExit bool
	}{
		{"a command ignoring its context is ended", 0, true},
		{"a command that stops in time is left alone", 20 * time.Millisecond, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, signal := context.WithCancel(context.Background())
			finished := make(chan struct{})
			exited := make(chan int, 1)
			var stderr bytes.Buffer
			restored := false
			done := make(chan struct{})
			go func() {
				defer close(done)
				stopWithin(ctx, func() { restored = true }, 200*time.Millisecond, finished, &stderr, func(code int) { exited <- code })
			}()
			start := time.Now()
			signal()
			if tt.finishes > 0 {
				time.Sleep(tt.finishes)
				close(finished)
			}
			select {
			case code := <-exited:
				if !tt.wantExit {
					t.Fatalf("exited with %d though the command stopped in time", code)
				}
				if code != 130 || time.Since(start) > time.Second {
					t.Errorf("exit %d after %v, want 130 after the 200ms grace", code, time.Since(start))
				}
				if !strings.Contains(stderr.String(), "interrupted") {
					t.Errorf("no word of the interruption: %q", stderr.String())
				}
			case <-done:
				if tt.wantExit {
					t.Fatal("returned without ending the command")
				}
			case <-time.After(2 * time.Second):
				t.Fatal("neither ended the command nor returned")
			}
			if !restored {
				t.Error("the default signal handling was not restored: a second ctrl+c would not kill")
			}
		})
	}
}

func TestStopGraceByCommand(t *testing.T) {
	for args, want := range map[string]time.Duration{
		"count x --db y": defaultStopGrace,
		"serve --open":   15 * time.Second,
		"":               3 * time.Second, // the explorer restores the terminal first
	} {
		if got := stopGrace(strings.Fields(args)); got != want {
			t.Errorf("stopGrace(%q) = %v, want %v", args, got, want)
		}
	}
}

// --timeout stops a command that runs longer, and says so.
func TestTimeoutFlag(t *testing.T) {
	dir := t.TempDir()
	db := demoStoreFile(t, dir)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"count", "../../sample-data/segments", "--db", db, "--timeout", "1ms"}, nil, &out, &errOut)
	if code == 0 || !strings.Contains(errOut.String(), "--timeout 1ms passed") {
		t.Errorf("count --timeout 1ms: exit %d, stderr %q", code, errOut.String())
	}
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"count", "../../sample-data/segments", "--db", db, "--timeout", "1m"}, nil, &out, &errOut); code != 0 {
		t.Errorf("count --timeout 1m: exit %d: %s", code, errOut.String())
	}
}
