package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/query"
)

// storeFlags is the --db flag of every command that works on a store. Register it with
// addStoreFlags, then open the store with openRead or openWrite: both fail with one clear
// line (no --db, no such store, locked by another process).
type storeFlags struct {
	db string
}

func addStoreFlags(cmd *cobra.Command) *storeFlags {
	f := &storeFlags{}
	cmd.Flags().StringVar(&f.db, "db", "", "the store, a DuckDB file (`STORE.duckdb`)")
	return f
}

func (f *storeFlags) required() error {
	if f.db == "" {
		return errors.New("--db STORE.duckdb is required")
	}
	return nil
}

// openRead opens an existing store read-only, so that several readers can share it.
func (f *storeFlags) openRead(ctx context.Context) (*query.Store, error) {
	if err := f.required(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(f.db); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no store at %s (make one with `segscope load FILE --db %s`)", f.db, f.db)
	}
	return query.Open(ctx, f.db, query.Options{ReadOnly: true})
}

// openWrite opens the store for writing, creating it when it does not exist. created says
// whether it did, so that a command that fails can remove the store it made.
func (f *storeFlags) openWrite(ctx context.Context) (s *query.Store, created bool, err error) {
	if err := f.required(); err != nil {
		return nil, false, err
	}
	_, statErr := os.Stat(f.db)
	created = errors.Is(statErr, fs.ErrNotExist)
	s, err = query.Open(ctx, f.db, query.Options{})
	if err != nil && created {
		removeStoreFiles(f.db)
	}
	return s, created, err
}

// removeStoreFiles deletes a store file this command created, with DuckDB's write-ahead log.
func removeStoreFiles(path string) {
	os.Remove(path)
	os.Remove(path + ".wal")
}
