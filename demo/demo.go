// Package demo opens the built-in demo: the generator's Demo dataset loaded into an in-memory
// store through the same loader real exports go through, offline and in about a second.
package demo

import (
	"context"
	"fmt"
	"os"

	"github.com/segscope/segscope/query"
	sampledata "github.com/segscope/segscope/sample-data"
)

// Open builds the demo store in memory: the Demo dataset written
// to a temporary folder, loaded, and the folder removed.
func Open(ctx context.Context) (*query.Store, error) {
	dir, err := os.MkdirTemp("", "segscope-demo-")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	defer os.RemoveAll(dir)
	sum, err := sampledata.WriteDataset(ctx, sampledata.Demo(), dir, sampledata.CSV())
	if err != nil {
		return nil, fmt.Errorf("demo: generate: %w", err)
	}
	store, err := query.Open(ctx, "", query.Options{})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if _, err := store.Load(ctx, query.LoadRequest{
		Paths: []string{sum.EventsFile},
		Users: sum.UsersFile,
	}); err != nil {
		store.Close()
		return nil, fmt.Errorf("demo: load: %w", err)
	}
	return store, nil
}
