package serve

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/log/v2"
	"charm.land/ssh"
	"github.com/charmbracelet/colorprofile"

	"github.com/segscope/segscope/safe"
	"github.com/segscope/segscope/tui"
)

// Why a session ended, when the server ended it.
const (
	reasonNone = iota
	reasonIdle
	reasonShutdown
)

// session is one person's explorer.
type session struct {
	id     uint64
	start  time.Time
	reason atomic.Int32
	quit   func() // quits the explorer; set before the session is admitted
	once   sync.Once
}

// end asks the session's explorer to stop, recording why (the first reason wins).
func (s *session) end(reason int32) {
	s.once.Do(func() {
		s.reason.Store(reason)
		s.quit()
	})
}

// sessionStats travel in the context of a session's queries (see OnInterrupt).
type sessionStats struct {
	log       *log.Logger
	timedOut  atomic.Int64
	cancelled atomic.Int64
}

type statsKey struct{}

// handle runs one SSH session: admission, the terminal check, then the explorer until the
// person quits, goes idle, disconnects, or the server shuts down.
func (s *Server) handle(sess ssh.Session) {
	id := s.nextID.Add(1)
	key := sess.PublicKey() // who connected: from the session, set only after auth succeeded
	method := "publickey"
	if key == nil {
		method = "keyboard-interactive"
	}
	lg := s.log.With("session", id, "remote", sess.RemoteAddr().String(), "user", logText(sess.User()))
	lg.Info("session start", "auth", method, "key", fingerprint(key))

	if len(sess.Command()) > 0 || sess.RawCommand() != "" {
		lg.Info("session refused", "why", "command given")
		writeLine(sess.Stderr(), "segscope: this server shows the explorer only; connect without a command, e.g. ssh -t -p PORT HOST")
		sess.Exit(1)
		return
	}
	pty, _, ok := sess.Pty()
	if !ok {
		lg.Info("session refused", "why", "no terminal")
		writeLine(sess.Stderr(), "segscope: the explorer needs a terminal; connect with ssh -t (and without -T or a command).")
		sess.Exit(1)
		return
	}

	ctx, cancel := context.WithCancel(sess.Context())
	defer cancel()
	stats := &sessionStats{log: lg}
	ctx = context.WithValue(ctx, statsKey{}, stats)

	in := &activityReader{r: sess}
	in.touch()
	envs := append(sess.Environ(), "TERM="+pty.Term)
	width, height := clampWindow(pty.Window)
	me := &session{id: id, start: time.Now()}
	var program *tea.Program
	me.quit = func() { program.Quit() }

	workspace, cleanup, err := s.workspace()
	if err != nil {
		lg.Error("session workspace", "err", err)
		writeLine(sess.Stderr(), "segscope: could not prepare a workspace for this session; please try again.")
		sess.Exit(1)
		return
	}
	defer cleanup()
	env := s.cfg.Explorer
	env.Workspace = workspace
	env.WorkspaceLabel = s.workspaceLabel()
	program = tea.NewProgram(tui.New(ctx, env),
		tea.WithContext(ctx),
		tea.WithInput(in),
		tea.WithOutput(sess),
		tea.WithEnvironment(envs),
		tea.WithColorProfile(colorprofile.Env(envs)),
		tea.WithWindowSize(width, height),
		// Signals belong to the server; a session's ctrl+c is a key for its explorer only.
		tea.WithoutSignalHandler(),
		tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
			if _, ok := msg.(tea.SuspendMsg); ok {
				return tea.ResumeMsg{} // ctrl+z cannot suspend a remote session
			}
			return msg
		}),
	)

	if why := s.admit(me); why != "" {
		lg.Info("session refused", "why", why)
		writeLine(sess.Stderr(), why)
		sess.Exit(1)
		return
	}
	defer s.leave(me)
	if st := connStateOf(sess.Context()); st != nil {
		st.explorerStarted()
		defer st.explorerEnded()
	}
	if ch := channelStateOf(sess); ch != nil {
		go followWindow(ctx, ch, program)
	}
	if s.cfg.IdleTimeout > 0 {
		go watchIdle(ctx, in, s.cfg.IdleTimeout, me)
	}

	_, err = program.Run()
	cancel() // stops this session's queries and watchers
	program.Kill()
	reason := "quit"
	switch me.reason.Load() {
	case reasonIdle:
		reason = "idle"
		writeLine(sess, "segscope: closed after "+s.cfg.IdleTimeout.String()+" without input. Bye!")
	case reasonShutdown:
		reason = "server shutdown"
		writeLine(sess, "segscope: the server is shutting down. Thanks for visiting!")
	}
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		lg.Warn("explorer stopped", "err", err)
	}
	if sess.Context().Err() != nil && reason == "quit" {
		reason = "disconnected"
	}
	lg.Info("session end", "reason", reason, "duration", time.Since(me.start).Round(time.Millisecond),
		"queries_timed_out", stats.timedOut.Load(), "queries_cancelled", stats.cancelled.Load())
	sess.Exit(0)
}

// followWindow passes the client's window-changes to the explorer, the newest size first
// (screenRequests records them in ch).
func followWindow(ctx context.Context, ch *channelState, program *tea.Program) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ch.changed:
			if w, ok := ch.latestWindow(); ok {
				width, height := clampWindow(w)
				program.Send(tea.WindowSizeMsg{Width: width, Height: height})
			}
		}
	}
}

// logText is a value a client chose (a user name), fit for one log line.
func logText(s string) string { return safe.Short(s) }

// workspace is the folder this session reads and saves segments in, and how to clean up.
func (s *Server) workspace() (string, func(), error) {
	if s.cfg.Workspace != "" || s.cfg.Scratch == nil {
		return s.cfg.Workspace, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "segscope-session-")
	if err != nil {
		return "", nil, err
	}
	if err := s.cfg.Scratch(dir); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// activityReader is the session's input, noting when the person last typed.
type activityReader struct {
	r    io.Reader
	last atomic.Int64 // unix nanoseconds
}

func (a *activityReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.touch()
	}
	return n, err
}

func (a *activityReader) touch() { a.last.Store(time.Now().UnixNano()) }

func (a *activityReader) idleFor() time.Duration {
	return time.Since(time.Unix(0, a.last.Load()))
}

// watchIdle ends the session once no input has come for timeout.
func watchIdle(ctx context.Context, in *activityReader, timeout time.Duration, sess *session) {
	tick := min(max(timeout/10, 10*time.Millisecond), 5*time.Second)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if in.idleFor() >= timeout {
				sess.end(reasonIdle)
				return
			}
		}
	}
}

// workspaceLabel names the session's workspace on screen, so that visitors never see paths
// on the server.
func (s *Server) workspaceLabel() string {
	switch {
	case s.cfg.Workspace != "":
		return "the server's segments folder"
	case s.cfg.Scratch != nil:
		return "your session's copy of the demo segments"
	}
	return ""
}
