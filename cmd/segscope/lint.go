package main

import (
	"context"
	"fmt"
	"io"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/safe"
)

// lintSegments checks the segments a command uses against the store and prints what it
// finds on stderr, one "file:line:col: warning: …" per line. Warnings do not stop the
// command; a lint that cannot run says so and lets it go on.
func lintSegments(ctx context.Context, env *segmentEnv, stderr io.Writer) error {
	ws, err := env.engine.LintAll(ctx, env.segs, env.resolver, env.asOf)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		fmt.Fprintf(stderr, "segscope: %s\n", safe.Text(err.Error()))
		return nil
	}
	printWarnings(stderr, ws)
	return nil
}

// printWarnings writes lint warnings, one per line.
func printWarnings(w io.Writer, ws []query.LintWarning) {
	for _, x := range ws {
		fmt.Fprintln(w, safe.Text(x.String()))
	}
}
