// Package serve runs the explorer over SSH: every session gets its own explorer on one
// shared, sealed, read-only store. Anyone who can reach the port is a stranger until a key
// proves otherwise, so the server authenticates by public key (or, explicitly, lets anyone
// in), caps sessions, ends idle ones and puts a deadline on every query.
package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/log/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/recover"
	gossh "golang.org/x/crypto/ssh"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/tui"
)

// Config is what serve needs to know. Explorer holds the parts of every session's
// tui.Env that the server does not set itself (Store, StoreName, AsOf, Dark, Clock).
type Config struct {
	Listen  string       // host:port; "127.0.0.1:0" picks a free port
	HostKey gossh.Signer // see HostKey

	// Exactly one of: AuthorizedKeys (only these keys get in) or Open (anyone does).
	AuthorizedKeys *KeySet
	Open           bool

	Explorer tui.Env
	// Workspace is the folder every session reads segments from and saves them to; ""
	// turns saving off, unless Scratch is set.
	Workspace string
	// Scratch, when set and Workspace is "", seeds a private folder for each session (the
	// demo workspace), removed when the session ends: nothing a session saves outlives it
	// or is seen by another.
	Scratch func(dir string) error

	MaxSessions int           // 0: no limit
	IdleTimeout time.Duration // a session with no keystrokes for this long is closed; 0: never

	// MaxConnections caps open connections in total and MaxConnectionsPerAddress from one
	// source address (0: no limit); a connection over either is closed at once.
	MaxConnections           int
	MaxConnectionsPerAddress int
	// LoginTimeout is how long a connection may stay open without a running explorer:
	// from connecting, through authentication, to its session starting, and again after
	// the session ends. 0 means DefaultLoginTimeout.
	LoginTimeout time.Duration

	Log *log.Logger // nil: discard
}

// DefaultLoginTimeout is Config.LoginTimeout's default.
const DefaultLoginTimeout = 30 * time.Second

// Server is one SSH server. Build it with New, then Run it (or Start and Shutdown).
type Server struct {
	cfg   Config
	log   *log.Logger
	ssh   *ssh.Server
	addr  net.Addr
	guard *guard

	mu       sync.Mutex
	sessions map[uint64]*session
	closing  bool
	nextID   atomic.Uint64

	serveErr chan error
}

// ErrNoAuth is New's answer when neither authorized keys nor Open are given.
var ErrNoAuth = errors.New("refusing to serve without authentication: give --authorized-keys FILE, or --open to let anyone in")

// New checks the configuration and builds the server; it does not listen yet.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.AuthorizedKeys == nil && !cfg.Open:
		return nil, ErrNoAuth
	case cfg.AuthorizedKeys != nil && cfg.Open:
		return nil, errors.New("give either --authorized-keys or --open, not both")
	case cfg.HostKey == nil:
		return nil, errors.New("serve: no host key")
	case cfg.Explorer.Store == nil:
		return nil, errors.New("serve: no store")
	case !cfg.Explorer.Store.Sealed():
		// Sessions compose queries: the store must be sealed before any of them starts.
		return nil, errors.New("serve: the store must be sealed before it is served")
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:2222"
	}
	if cfg.LoginTimeout <= 0 {
		cfg.LoginTimeout = DefaultLoginTimeout
	}
	if cfg.Explorer.Engine == nil {
		// One engine for every session: the store is read-only and the engine safe for
		// concurrent use, so what one session computed is there for the next.
		cfg.Explorer.Engine = query.NewEngine(cfg.Explorer.Store)
	}
	if cfg.Explorer.Info == nil {
		// Likewise one reading of the store for every session's Data screen.
		cfg.Explorer.Info = (&sharedInfo{store: cfg.Explorer.Store}).read
	}
	lg := cfg.Log
	if lg == nil {
		lg = log.New(io.Discard)
	}
	s := &Server{cfg: cfg, log: lg, sessions: map[uint64]*session{}, serveErr: make(chan error, 1),
		guard: newGuard(cfg.MaxConnections, cfg.MaxConnectionsPerAddress)}
	opts := []ssh.Option{
		wish.WithAddress(cfg.Listen),
		wish.WithVersion("segscope"),
		wish.WithPublicKeyAuth(s.checkKey),
		wish.WithMiddleware(recover.MiddlewareWithLogger(lg.StandardLog(log.StandardLogOptions{ForceLevel: log.ErrorLevel}),
			func(ssh.Handler) ssh.Handler { return s.handle })),
		s.harden,
	}
	if cfg.Open {
		// Anyone, even without a key: keyboard-interactive with no questions.
		opts = append(opts, wish.WithKeyboardInteractiveAuth(func(ssh.Context, gossh.KeyboardInteractiveChallenge) bool {
			return true // logged by authLog, once the handshake says it succeeded
		}))
	}
	if cfg.IdleTimeout > 0 {
		// A backstop for connections that hold no session; sessions are timed by keystrokes.
		opts = append(opts, wish.WithIdleTimeout(2*cfg.IdleTimeout))
	}
	srv, err := wish.NewServer(opts...)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	s.ssh = srv
	return s, nil
}

// harden sets what wish has no option for: the host key, a deadline and caps on
// connections, a cap on auth attempts, and nothing but interactive sessions (no port
// forwarding, which nil callbacks deny, no subsystems such as sftp, no global requests).
func (s *Server) harden(srv *ssh.Server) error {
	srv.AddHostKey(s.cfg.HostKey)
	srv.HandshakeTimeout = s.cfg.LoginTimeout
	srv.ServerConfigCallback = func(ctx ssh.Context) *gossh.ServerConfig {
		return &gossh.ServerConfig{
			MaxAuthTries:              6,
			AuthLogCallback:           s.authLog(ctx),
			VerifiedPublicKeyCallback: s.keyVerified(ctx),
		}
	}
	srv.ChannelHandlers = map[string]ssh.ChannelHandler{"session": s.sessionChannel}
	srv.RequestHandlers = map[string]ssh.RequestHandler{}
	srv.SubsystemHandlers = map[string]ssh.SubsystemHandler{}
	srv.SessionRequestCallback = func(_ ssh.Session, requestType string) bool {
		return requestType == "shell" || requestType == "exec"
	}
	srv.ConnCallback = s.accept
	srv.ConnectionFailedCallback = func(conn net.Conn, err error) {
		s.log.Info("connection failed", "remote", conn.RemoteAddr().String(), "err", err)
	}
	return nil
}

// accept admits a new connection within the caps, and starts its login timer.
func (s *Server) accept(ctx ssh.Context, conn net.Conn) net.Conn {
	remote := conn.RemoteAddr().String()
	release, refused := s.guard.acquire(hostOf(conn.RemoteAddr()))
	if refused != "" {
		s.log.Warn("connection refused", "remote", remote, "why", refused)
		return nil
	}
	s.log.Info("connect", "remote", remote)
	st := newConnState(conn, s.cfg.LoginTimeout, s.log)
	ctx.SetValue(connStateKey{}, st)
	return &countedConn{Conn: conn, release: func() { st.stop(); release() }}
}

// checkKey is the public-key auth callback. It only decides whether the key is one that
// may sign in; whether the client holds the private key is checked after it, so nothing
// here says a key was accepted (keyVerified does). The session learns who connected from
// sess.PublicKey(), never from state kept here.
func (s *Server) checkKey(ctx ssh.Context, key ssh.PublicKey) bool {
	ok := s.cfg.Open || s.cfg.AuthorizedKeys.Allows(key)
	if !ok {
		s.log.Info("auth", "result", "key refused", "method", "publickey", "key", fingerprint(key),
			"remote", ctx.RemoteAddr().String(), "user", logText(ctx.User()))
	}
	return ok
}

// keyVerified logs a public key once the client proved it holds it.
func (s *Server) keyVerified(ctx ssh.Context) func(gossh.ConnMetadata, gossh.PublicKey, *gossh.Permissions, string) (*gossh.Permissions, error) {
	return func(conn gossh.ConnMetadata, key gossh.PublicKey, perms *gossh.Permissions, _ string) (*gossh.Permissions, error) {
		result := "key allowed"
		if s.cfg.Open {
			result = "admitted (open)"
		}
		s.log.Info("auth", "result", result, "method", "publickey", "key", fingerprint(key),
			"remote", conn.RemoteAddr().String(), "user", logText(conn.User()))
		return perms, nil
	}
}

// authLog logs the end of every authentication attempt but public-key ones, which checkKey
// and keyVerified log with the key's fingerprint.
func (s *Server) authLog(ssh.Context) func(gossh.ConnMetadata, string, error) {
	return func(conn gossh.ConnMetadata, method string, err error) {
		switch {
		case method == "publickey" || method == "none":
		case err == nil:
			s.log.Info("auth", "result", "admitted (open)", "method", method,
				"remote", conn.RemoteAddr().String(), "user", logText(conn.User()))
		default:
			s.log.Info("auth", "result", "refused", "method", logText(method),
				"remote", conn.RemoteAddr().String(), "user", logText(conn.User()))
		}
	}
}

// Start listens on the configured address and serves in the background.
func (s *Server) Start() (net.Addr, error) {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	s.addr = ln.Addr()
	auth := "authorized keys"
	if s.cfg.Open {
		auth = "open to anyone"
	}
	s.log.Info("serving", "addr", s.addr.String(), "auth", auth, "host_key", gossh.FingerprintSHA256(s.cfg.HostKey.PublicKey()),
		"store", s.cfg.Explorer.StoreName, "max_sessions", s.cfg.MaxSessions, "idle_timeout", s.cfg.IdleTimeout,
		"max_connections", s.cfg.MaxConnections, "max_connections_per_address", s.cfg.MaxConnectionsPerAddress,
		"login_timeout", s.cfg.LoginTimeout)
	go func() { s.serveErr <- s.ssh.Serve(ln) }()
	return s.addr, nil
}

// Addr is the address Start listens on.
func (s *Server) Addr() net.Addr { return s.addr }

// Run serves until ctx is cancelled, then shuts down gracefully (at most grace long).
func (s *Server) Run(ctx context.Context, grace time.Duration) error {
	if _, err := s.Start(); err != nil {
		return err
	}
	select {
	case err := <-s.serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	return s.Shutdown(sctx)
}

// Shutdown stops accepting connections, tells every session the server is going away and
// closes it, and waits for connections to end until ctx is done; then it closes them.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	live := make([]*session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		live = append(live, sess)
	}
	s.mu.Unlock()
	s.log.Info("shutting down", "sessions", len(live))
	for _, sess := range live {
		sess.end(reasonShutdown)
	}
	// Stop accepting, then wait for the told sessions to finish their goodbyes.
	err := s.ssh.Shutdown(drained(ctx, s))
	if err != nil {
		// Connections left open once their sessions ended (or the grace ran out): close.
		s.ssh.Close()
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			err = nil
		}
	}
	s.log.Info("stopped")
	return err
}

// drained is ctx, also cancelled a moment after the last session ends.
func drained(ctx context.Context, s *Server) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		defer cancel()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for s.Sessions() > 0 {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
		// Give clients a moment to hang up themselves after their session's exit status.
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}()
	return ctx
}

// Sessions is how many sessions are running.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// admit registers a session, or says why it cannot start.
func (s *Server) admit(sess *session) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closing:
		return "segscope: the server is shutting down; please try again later."
	case s.cfg.MaxSessions > 0 && len(s.sessions) >= s.cfg.MaxSessions:
		return fmt.Sprintf("segscope: all %d seats are taken right now; please try again in a few minutes.", s.cfg.MaxSessions)
	}
	s.sessions[sess.id] = sess
	return ""
}

func (s *Server) leave(sess *session) {
	s.mu.Lock()
	delete(s.sessions, sess.id)
	s.mu.Unlock()
}

// errWriter writes a line to an SSH session the way a terminal shows it.
func writeLine(w io.Writer, msg string) {
	fmt.Fprint(w, msg+"\r\n")
}

// OnInterrupt is the query.Limits hook for a served store: it counts, per session, the
// queries stopped by the timeout or cancelled, and logs each timeout.
func OnInterrupt(ctx context.Context, ev query.Interrupt) {
	st, _ := ctx.Value(statsKey{}).(*sessionStats)
	if st == nil {
		return
	}
	if ev.TimedOut {
		st.timedOut.Add(1)
		st.log.Warn("query timed out", "after", ev.Elapsed.Round(time.Millisecond))
		return
	}
	st.cancelled.Add(1)
}
