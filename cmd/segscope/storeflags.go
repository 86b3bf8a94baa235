package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/safe"
)

// storeFlags are the --db and --timeout flags of every command that works on a store.
// Register them with addStoreFlags, then open the store with openRead or openWrite: both
// fail with one clear line (no --db, no such store, locked by another process). The
// root command applies --timeout (see withTimeout).
type storeFlags struct {
	db          string
	timeout     time.Duration
	memoryLimit string
}

func addStoreFlags(cmd *cobra.Command) *storeFlags {
	f := &storeFlags{}
	cmd.Flags().StringVar(&f.db, "db", "", "the store, a DuckDB file (`STORE.duckdb`)")
	cmd.Flags().DurationVar(&f.timeout, "timeout", 0, "stop the command when it has run this long (e.g. 30s; 0: no limit)")
	cmd.Flags().StringVar(&f.memoryLimit, "memory-limit", "", "memory DuckDB may use before it spills to disk (`SIZE`, e.g. 4GB or 25%; default $"+query.EnvMemoryLimit+", else "+query.DefaultMemoryLimit+" of RAM)")
	return f
}

// withTimeout gives a command with a --timeout its deadline: every query and evaluation
// it runs stops when the time is up.
func withTimeout(cmd *cobra.Command, _ []string) error {
	fl := cmd.Flags().Lookup("timeout")
	if fl == nil {
		return nil
	}
	d, err := time.ParseDuration(fl.Value.String())
	if err != nil || d < 0 {
		return fmt.Errorf("--timeout %s: want a positive duration such as 30s", fl.Value.String())
	}
	if d == 0 {
		return nil
	}
	// The timer lives as long as the command, which ends the process.
	ctx, cancel := context.WithCancelCause(cmd.Context())
	time.AfterFunc(d, func() { cancel(fmt.Errorf("--timeout %v passed", d)) })
	cmd.SetContext(ctx)
	return nil
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
	store, err := query.Open(ctx, f.db, query.Options{ReadOnly: true, MemoryLimit: f.memoryLimit})
	if err != nil {
		return nil, readLockedError(f.db, err)
	}
	return store, nil
}

// readLockedError says what a reader can do when a writer holds the store: the advice the
// store gives ("close it there or open read-only") does not fit a command that already
// reads, and when the writer is `segscope load`, waiting for it is the answer.
func readLockedError(db string, err error) error {
	pid, command, ok := query.LockHolder(err)
	if !ok {
		if errors.Is(err, query.ErrLocked) {
			return fmt.Errorf("%s is open for writing in another process; segscope reads it once that process has closed it (%w)", db, query.ErrLocked)
		}
		return err
	}
	fields := strings.Fields(command)
	if len(fields) >= 2 && strings.Contains(filepath.Base(fields[0]), "segscope") && slices.Contains(fields[1:], "load") {
		return fmt.Errorf("%s is being written by segscope load (pid %d); segscope opens it as soon as the load has finished — run this again then (%w)", db, pid, query.ErrLocked)
	}
	holder := fmt.Sprintf("pid %d", pid)
	if command != "" {
		holder += ": " + safe.Short(command)
	}
	return fmt.Errorf("%s is open for writing in another process (%s); segscope reads it once that process has closed it (%w)", db, holder, query.ErrLocked)
}

// openWrite opens the store for writing, creating it when it does not exist. created says
// whether it did, so that a command that fails can remove the store it made.
func (f *storeFlags) openWrite(ctx context.Context) (s *query.Store, created bool, err error) {
	if err := f.required(); err != nil {
		return nil, false, err
	}
	_, statErr := os.Stat(f.db)
	created = errors.Is(statErr, fs.ErrNotExist)
	s, err = query.Open(ctx, f.db, query.Options{MemoryLimit: f.memoryLimit})
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
