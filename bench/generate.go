package bench

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/segscope/segscope/query"
	sampledata "github.com/segscope/segscope/sample-data"
)

// Generate writes a mixed dataset of users people into dir and loads it into a store
// there, as `segscope gen` and `segscope load` do: a store to benchmark when there is none.
func Generate(ctx context.Context, dir string, users int, seed uint64) (*query.Store, error) {
	sum, err := sampledata.WriteDataset(ctx, sampledata.Config{Industry: sampledata.Mixed, Users: users, Seed: seed}, dir, sampledata.CSV())
	if err != nil {
		return nil, fmt.Errorf("bench: generate: %w", err)
	}
	store, err := query.Open(ctx, filepath.Join(dir, "bench.duckdb"), query.Options{})
	if err != nil {
		return nil, err
	}
	if _, err := store.Load(ctx, query.LoadRequest{Paths: []string{sum.EventsFile}, Users: sum.UsersFile}); err != nil {
		store.Close()
		return nil, fmt.Errorf("bench: load: %w", err)
	}
	return store, nil
}
