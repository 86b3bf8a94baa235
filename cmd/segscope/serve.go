package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"charm.land/log/v2"
	"github.com/spf13/cobra"

	"github.com/segscope/segscope/demo"
	"github.com/segscope/segscope/query"
	sampledata "github.com/segscope/segscope/sample-data"
	"github.com/segscope/segscope/serve"
	"github.com/segscope/segscope/tui"
)

type serveFlags struct {
	db             string
	listen         string
	hostKey        string
	authorizedKeys string
	open           bool
	segments       string
	asOf           string
	maxSessions    int
	maxConns       int
	maxConnsPer    int
	loginTimeout   time.Duration
	idleTimeout    time.Duration
	queryTimeout   time.Duration
	memoryLimit    string
	threads        int
}

func newServeCmd(s *streams) *cobra.Command {
	f := &serveFlags{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the explorer over SSH, one explorer per session on a shared read-only store",
		Long: `serve runs an SSH server: whoever connects with ssh gets their own explorer on the
store, opened read-only and sealed (no file or network access from any query). Give
--authorized-keys FILE to let in only those keys, or --open for a public demo; with
neither, serve refuses to start. Without --db it serves the built-in demo, and each
session works on its own scratch copy of the demo segments, deleted when it ends. With
--db, saving segments is off unless --segments DIR names the folder to save into.

  segscope serve --open                                  # public demo on 127.0.0.1:2222
  segscope serve --db shop.duckdb --authorized-keys ~/.ssh/authorized_keys --segments team/
  ssh -p 2222 localhost                                  # connect`,
		Args: cobra.NoArgs,
		// SIGINT and SIGTERM tell every session the server is going away (10s of grace).
		Annotations: map[string]string{annotationStopGrace: "15s"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), s, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.db, "db", "", "serve this store (`STORE.duckdb`), opened read-only; default: the built-in demo")
	fl.StringVar(&f.listen, "listen", "127.0.0.1:2222", "listen on this `HOST:PORT` (0.0.0.0:2222 to accept other machines)")
	fl.StringVar(&f.hostKey, "host-key", "", "the server's private host key (`PATH`), created (0600) when missing; default: $XDG_DATA_HOME/segscope/ssh_host_ed25519")
	fl.StringVar(&f.authorizedKeys, "authorized-keys", "", "admit only the public keys in this authorized_keys `FILE`")
	fl.BoolVar(&f.open, "open", false, "admit anyone who connects (a public demo)")
	fl.StringVar(&f.segments, "segments", "", "the shared segment folder (`DIR`) sessions read and save into; without it saving is off")
	fl.StringVar(&f.asOf, "as-of", "", "evaluate as of this `TIME` (RFC 3339 or YYYY-MM-DD; default: the latest event)")
	fl.IntVar(&f.maxSessions, "max-sessions", 20, "at most `N` sessions at once; more are told so and closed (0: no limit)")
	fl.IntVar(&f.maxConns, "max-connections", 64, "at most `N` connections at once; more are closed on arrival (0: no limit)")
	fl.IntVar(&f.maxConnsPer, "max-connections-per-address", 10, "at most `N` connections at once from one address (0: no limit)")
	fl.DurationVar(&f.loginTimeout, "login-timeout", serve.DefaultLoginTimeout, "close a connection that has no explorer running for this long: before it signs in and starts one, or after it ends")
	fl.DurationVar(&f.idleTimeout, "idle-timeout", 15*time.Minute, "close a session after this long without a keystroke (0: never)")
	fl.DurationVar(&f.queryTimeout, "query-timeout", 10*time.Second, "stop any evaluation (all of its queries together) running longer than this")
	fl.StringVar(&f.memoryLimit, "memory-limit", "1GB", "DuckDB's memory limit (`SIZE`, e.g. 512MB, 2GB, 25%)")
	fl.IntVar(&f.threads, "threads", 0, "DuckDB threads for --db stores (0: all cores)")
	return cmd
}

func runServe(ctx context.Context, s *streams, f *serveFlags) error {
	if f.authorizedKeys == "" && !f.open {
		return serve.ErrNoAuth
	}
	if f.authorizedKeys != "" && f.open {
		return errors.New("give either --authorized-keys FILE or --open, not both")
	}
	if f.queryTimeout <= 0 {
		return errors.New("--query-timeout must be positive: a served query always has a deadline")
	}
	if f.maxSessions < 0 || f.idleTimeout < 0 || f.maxConns < 0 || f.maxConnsPer < 0 {
		return errors.New("--max-sessions, --max-connections, --max-connections-per-address and --idle-timeout cannot be negative")
	}
	if f.loginTimeout <= 0 {
		return errors.New("--login-timeout must be positive: a connection without an explorer always has a deadline")
	}
	if f.memoryLimit != "" && !query.ValidMemoryLimit(f.memoryLimit) {
		return fmt.Errorf("--memory-limit %q: want a size such as 512MB, 2GB or 25%%", f.memoryLimit)
	}
	asOf, err := parseAsOf(f.asOf)
	if err != nil {
		return err
	}
	var keys *serve.KeySet
	if f.authorizedKeys != "" {
		if keys, err = serve.ReadAuthorizedKeys(f.authorizedKeys); err != nil {
			return err
		}
	}
	if f.segments != "" {
		info, err := os.Stat(f.segments)
		if err != nil {
			return fmt.Errorf("--segments: %w", err)
		}
		if !info.IsDir() {
			return fmt.Errorf("--segments %s: not a folder", f.segments)
		}
		if f.segments, err = filepath.Abs(f.segments); err != nil {
			return fmt.Errorf("--segments: %w", err)
		}
	}
	hostKeyPath := f.hostKey
	if hostKeyPath == "" {
		if hostKeyPath, err = defaultHostKeyPath(); err != nil {
			return err
		}
	}
	hostKey, err := serve.HostKey(hostKeyPath)
	if err != nil {
		return err
	}

	var store *query.Store
	name := "demo"
	if f.db != "" {
		if _, err := os.Stat(f.db); err != nil {
			return fmt.Errorf("no store at %s (make one with `segscope load FILE --db %s`)", f.db, f.db)
		}
		store, err = query.Open(ctx, f.db, query.Options{ReadOnly: true, Threads: f.threads})
		name = filepath.Base(f.db)
	} else {
		store, err = demo.Open(ctx)
	}
	if err != nil {
		return err
	}
	defer store.Close()
	// Sealed before any session: no file or network access, configuration locked, and a
	// deadline on every query.
	if err := store.SealWith(ctx, query.Limits{
		QueryTimeout: f.queryTimeout,
		MemoryLimit:  f.memoryLimit,
		OnInterrupt:  serve.OnInterrupt,
	}); err != nil {
		return err
	}

	logger := log.NewWithOptions(s.err, log.Options{ReportTimestamp: true, TimeFormat: time.RFC3339, Prefix: "segscope serve"})
	cfg := serve.Config{
		Listen:         f.listen,
		HostKey:        hostKey,
		AuthorizedKeys: keys,
		Open:           f.open,
		Explorer:       tui.Env{Store: store, StoreName: name, AsOf: asOf, Dark: true},
		Workspace:      f.segments,
		MaxSessions:    f.maxSessions,
		IdleTimeout:    f.idleTimeout,

		MaxConnections:           f.maxConns,
		MaxConnectionsPerAddress: f.maxConnsPer,
		LoginTimeout:             f.loginTimeout,
		Log:                      logger,
	}
	if f.db == "" && f.segments == "" {
		cfg.Scratch = sampledata.WriteWorkspace
	}
	srv, err := serve.New(cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return srv.Run(ctx, 10*time.Second)
}

// defaultHostKeyPath is $XDG_DATA_HOME/segscope/ssh_host_ed25519
// (~/.local/share/segscope/ssh_host_ed25519).
func defaultHostKeyPath() (string, error) {
	base, err := dataHome()
	if err != nil {
		return "", fmt.Errorf("host key: %w (give --host-key PATH)", err)
	}
	return filepath.Join(base, "segscope", "ssh_host_ed25519"), nil
}
