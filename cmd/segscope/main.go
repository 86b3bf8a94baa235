// Command segscope explores behavioral customer segments in a terminal: it loads event
// exports into an embedded DuckDB store, evaluates segment definitions, replays campaigns
// and serves the explorer over SSH.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/safe"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	finished := make(chan struct{})
	go stopWithin(ctx, stop, stopGrace(os.Args[1:]), finished, os.Stderr, os.Exit)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	close(finished)
	stop()
	os.Exit(code)
}

// exitError carries a specific exit code (for example 1 from a failing `check`) without
// printing anything more: the command already reported.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(&streams{in: stdin, out: stdout, err: stderr})
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	// Errors quote file names and values from the data: made safe for a terminal.
	fmt.Fprintln(stderr, "segscope:", safe.Lines(err.Error()))
	// A bare "context canceled" does not say what stopped the command: the cause does
	// (--timeout, or the signal).
	if cctx := cmd.Context(); cctx != nil && cctx.Err() != nil && errors.Is(err, context.Canceled) {
		if cause := context.Cause(cctx); cause != nil && !strings.Contains(err.Error(), cause.Error()) {
			fmt.Fprintln(stderr, "segscope: stopped:", cause)
		}
	}
	return 2
}

// annotationStopGrace, on a command, is how long it may take to stop after SIGINT or
// SIGTERM (a duration); commands without it get defaultStopGrace.
const annotationStopGrace = "segscope/stop-grace"

// defaultStopGrace is how long a command has to stop by itself once interrupted.
const defaultStopGrace = time.Second

// stopGrace is the grace of the command args name.
func stopGrace(args []string) time.Duration {
	cmd, _, err := newRootCmd(&streams{in: os.Stdin, out: io.Discard, err: io.Discard}).Find(args)
	if err != nil {
		return defaultStopGrace
	}
	return graceOf(cmd)
}

func graceOf(cmd *cobra.Command) time.Duration {
	if d, err := time.ParseDuration(cmd.Annotations[annotationStopGrace]); err == nil {
		return d
	}
	return defaultStopGrace
}

// stopWithin makes SIGINT and SIGTERM stop the command in time. The signal cancels the
// command's context (DuckDB queries are interrupted, evaluations stop between their
// steps); the default handling comes back, so a second ctrl+c ends the process at once;
// and a command still running after grace is ended with status 130.
func stopWithin(ctx context.Context, stop func(), grace time.Duration, finished <-chan struct{}, stderr io.Writer, exit func(int)) {
	select {
	case <-finished:
		return
	case <-ctx.Done():
	}
	stop()
	select {
	case <-finished:
	case <-time.After(grace):
		fmt.Fprintf(stderr, "segscope: interrupted; still running after %v, stopped\n", grace)
		exit(130)
	}
}
