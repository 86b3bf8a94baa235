package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/segscope/segscope/demo"
	"github.com/segscope/segscope/query"
	sampledata "github.com/segscope/segscope/sample-data"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui"
)

// exploreFlags are the root command's: what to open the explorer on.
type exploreFlags struct {
	db       string
	users    string
	asOf     string
	segments string
}

func addExploreFlags(cmd *cobra.Command) *exploreFlags {
	f := &exploreFlags{}
	cmd.Flags().StringVar(&f.db, "db", "", "open this store (`STORE.duckdb`) read-only")
	cmd.Flags().StringVar(&f.users, "users", "", "with FILE arguments: a users file with attributes (`USERS.csv`)")
	cmd.Flags().StringVar(&f.asOf, "as-of", "", "evaluate as of this `TIME` (RFC 3339 or YYYY-MM-DD; default: the latest event)")
	cmd.Flags().StringVar(&f.segments, "segments", "", "the workspace: a folder of segment files (`DIR`); the builder saves here")
	return f
}

// runExplorer opens the store the flags name (the demo when none) and runs the explorer
// until the person quits.
func runExplorer(ctx context.Context, s *streams, f *exploreFlags, files []string) error {
	asOf, err := parseAsOf(f.asOf)
	if err != nil {
		return err
	}
	if !isTerminal(s.in) || !isTerminal(s.out) {
		return errors.New("the explorer needs a terminal; for scripts use segscope count, overlap, members, sql or check")
	}
	workspace, err := workspaceFor(f, files)
	if err != nil {
		return err
	}
	store, name, err := openForExplorer(ctx, f, files)
	if err != nil {
		return err
	}
	defer store.Close()
	// Everything after this point is user-composed: no file access, configuration locked.
	if err := store.Seal(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	model := tui.New(ctx, tui.Env{Store: store, StoreName: name, AsOf: asOf, Workspace: workspace, Dark: true})
	p := tea.NewProgram(model, tea.WithContext(ctx), tea.WithInput(s.in), tea.WithOutput(s.out))
	if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return fmt.Errorf("explorer: %w", err)
	}
	return nil
}

func openForExplorer(ctx context.Context, f *exploreFlags, files []string) (*query.Store, string, error) {
	switch {
	case f.db != "" && len(files) > 0:
		return nil, "", errors.New("give either --db STORE or event files, not both")
	case f.db != "":
		sf := &storeFlags{db: f.db}
		store, err := sf.openRead(ctx)
		return store, f.db, err
	case len(files) > 0:
		store, err := query.Open(ctx, "", query.Options{})
		if err != nil {
			return nil, "", err
		}
		if _, err := store.Load(ctx, query.LoadRequest{Paths: files, Users: f.users}); err != nil {
			store.Close()
			return nil, "", err
		}
		name := files[0]
		if len(files) > 1 {
			name = fmt.Sprintf("%s +%d (in memory)", files[0], len(files)-1)
		}
		return store, name, nil
	default:
		store, err := demo.Open(ctx)
		return store, "demo", err
	}
}

// parseAsOf reads --as-of: RFC 3339, or a date meaning the end of that UTC day.
func parseAsOf(s string) (time.Time, error) {
	t, err := segments.ParseAsOf(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--as-of %w", err)
	}
	return t, nil
}

// workspaceFor is the folder of segment files the explorer reads and saves to: --segments
// when given; for the demo, a copy of the demo workspace in the user's data folder (made on
// first use, then theirs to change); otherwise none, and saving is off.
func workspaceFor(f *exploreFlags, files []string) (string, error) {
	if f.segments != "" {
		info, err := os.Stat(f.segments)
		if err != nil {
			return "", fmt.Errorf("--segments: %w", err)
		}
		if !info.IsDir() {
			return "", fmt.Errorf("--segments %s: not a folder", f.segments)
		}
		return f.segments, nil
	}
	if f.db != "" || len(files) > 0 {
		return "", nil
	}
	return demoWorkspace()
}

// demoWorkspace is $XDG_DATA_HOME/segscope/demo (~/.local/share/segscope/demo), seeded from
// the embedded demo workspace when it does not exist.
func demoWorkspace() (string, error) {
	base, err := dataHome()
	if err != nil {
		return "", fmt.Errorf("demo workspace: %w", err)
	}
	dir := filepath.Join(base, "segscope", "demo")
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	if err := sampledata.WriteWorkspace(dir); err != nil {
		return "", fmt.Errorf("demo workspace: %w", err)
	}
	return dir, nil
}

// dataHome is where segscope keeps its own files: $XDG_DATA_HOME, else ~/.local/share.
func dataHome() (string, error) {
	if base := os.Getenv("XDG_DATA_HOME"); base != "" {
		return base, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "share"), nil
}

// isTerminal reports whether a stream is a terminal (files and pipes are not).
func isTerminal(v any) bool {
	f, ok := v.(interface{ Fd() uintptr })
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}
