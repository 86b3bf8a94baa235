package serve

import (
	"fmt"
	"net"
	"sync"
	"time"

	"charm.land/log/v2"
	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// What one session channel may ask for before its explorer starts. A client sends a handful
// of `env` requests (LANG, LC_*, COLORTERM); these bound what a hostile one can make the
// server hold.
const (
	maxEnvVars    = 64
	maxEnvBytes   = 16 << 10
	maxTermLength = 256 // TERM names are short; this one travels into the explorer's env
	// A real pty-req is a TERM name, four numbers and a few dozen terminal modes.
	maxPtyRequest = 4 << 10
	// Session channels open at once on one connection, as sshd's MaxSessions (its default):
	// each may hold an environment and a terminal, so a connection cannot hold thousands.
	maxChannelsPerConn = 10
	// The explorer draws at most this many cells across and down; a pty-req or
	// window-change asking for more is drawn at this size (a frame is width × height cells).
	maxColumns = 500
	maxRows    = 200
)

// guard holds what the server knows of its connections: how many there are, in total and
// per source address, to refuse more than the caps.
type guard struct {
	maxTotal, maxPerAddr int
	mu                   sync.Mutex
	total                int
	perAddr              map[string]int
}

func newGuard(maxTotal, maxPerAddr int) *guard {
	return &guard{maxTotal: maxTotal, maxPerAddr: maxPerAddr, perAddr: map[string]int{}}
}

// acquire counts a new connection from addr, or says why it is refused.
func (g *guard) acquire(addr string) (release func(), refused string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.maxTotal > 0 && g.total >= g.maxTotal:
		return nil, "too many connections"
	case g.maxPerAddr > 0 && g.perAddr[addr] >= g.maxPerAddr:
		return nil, "too many connections from this address"
	}
	g.total++
	g.perAddr[addr]++
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			g.total--
			if g.perAddr[addr]--; g.perAddr[addr] <= 0 {
				delete(g.perAddr, addr)
			}
		})
	}, ""
}

// hostOf is the address part of a remote address: connections are counted per host, not
// per host and port.
func hostOf(a net.Addr) string {
	if tcp, ok := a.(*net.TCPAddr); ok {
		return tcp.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// countedConn releases its place in the guard when closed.
type countedConn struct {
	net.Conn
	release func()
}

func (c *countedConn) Close() error {
	c.release()
	return c.Conn.Close()
}

// connState is what the server tracks of one connection: whether an explorer runs on it,
// and the timer that closes it when none does for long. A connection is only worth its
// place while it carries an explorer; one that authenticates and then only sends
// keepalives (or never authenticates, or lingers after its session) is closed after the
// login timeout.
type connState struct {
	conn    net.Conn
	log     *log.Logger
	grace   time.Duration
	mu      sync.Mutex
	running int // explorers running on the connection
	open    int // session channels open
	timer   *time.Timer
}

type connStateKey struct{}

func newConnState(conn net.Conn, grace time.Duration, lg *log.Logger) *connState {
	st := &connState{conn: conn, log: lg, grace: grace}
	if grace > 0 {
		st.timer = time.AfterFunc(grace, st.expire)
	}
	return st
}

func connStateOf(ctx ssh.Context) *connState {
	st, _ := ctx.Value(connStateKey{}).(*connState)
	return st
}

func (st *connState) expire() {
	st.mu.Lock()
	idle := st.running == 0
	st.mu.Unlock()
	if idle {
		st.log.Info("connection closed", "remote", st.conn.RemoteAddr().String(),
			"why", "no session within "+st.grace.String())
		st.conn.Close()
	}
}

// explorerStarted and explorerEnded bracket an explorer on this connection.
func (st *connState) explorerStarted() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.running++
	if st.timer != nil {
		st.timer.Stop()
	}
}

func (st *connState) explorerEnded() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.running--; st.running == 0 && st.timer != nil {
		st.timer.Reset(st.grace)
	}
}

func (st *connState) stop() {
	if st.timer != nil {
		st.timer.Stop()
	}
}

// openChannel counts a new session channel, unless the connection has its fill of them.
func (st *connState) openChannel() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.open >= maxChannelsPerConn {
		return false
	}
	st.open++
	return true
}

func (st *connState) closeChannel() {
	st.mu.Lock()
	st.open--
	st.mu.Unlock()
}

// sessionChannel handles a "session" channel: at most maxChannelsPerConn at once on a
// connection, their requests screened by screenRequests before charm.land/ssh's own
// session handler sees them.
func (s *Server) sessionChannel(srv *ssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
	st := connStateOf(ctx)
	if st != nil {
		if !st.openChannel() {
			_ = nc.Reject(gossh.ResourceShortage, fmt.Sprintf("at most %d sessions per connection", maxChannelsPerConn))
			return
		}
		defer st.closeChannel()
	}
	ch := &channelState{changed: make(chan struct{}, 1)}
	lg := s.log.With("remote", conn.RemoteAddr().String())
	ssh.DefaultSessionHandler(srv, conn, &screenedChannel{NewChannel: nc, state: ch, log: lg}, &channelContext{Context: ctx, state: ch})
}

// channelState is what the screen keeps of one session channel: the environment it was
// given so far and the latest window size, which the explorer reads from here.
type channelState struct {
	envVars, envBytes int
	envRefused        bool

	mu      sync.Mutex
	window  ssh.Window
	resized bool
	changed chan struct{} // one slot: "the window changed"; the newest size wins
}

// setWindow records a window-change and wakes the explorer without ever blocking.
func (c *channelState) setWindow(w ssh.Window) {
	c.mu.Lock()
	c.window, c.resized = w, true
	c.mu.Unlock()
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

// latestWindow is the newest size a window-change gave, if any came.
func (c *channelState) latestWindow() (ssh.Window, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.window, c.resized
}

type channelStateKey struct{}

// channelContext is the connection's context with the session channel's state in it, so
// that the session handler finds its own channel's window sizes.
type channelContext struct {
	ssh.Context
	state *channelState
}

func (c *channelContext) Value(key any) any {
	if key == (channelStateKey{}) {
		return c.state
	}
	return c.Context.Value(key)
}

func channelStateOf(sess ssh.Session) *channelState {
	st, _ := sess.Context().Value(channelStateKey{}).(*channelState)
	return st
}

// screenedChannel hands charm.land/ssh the channel's requests through screenRequests.
type screenedChannel struct {
	gossh.NewChannel
	state *channelState
	log   *log.Logger
}

func (c *screenedChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := c.NewChannel.Accept()
	if err != nil {
		return ch, reqs, err
	}
	out := make(chan *gossh.Request)
	go c.screenRequests(reqs, out)
	return ch, out, nil
}

// screenRequests answers the requests the server handles itself and passes on the rest.
//
// charm.land/ssh (v0.4.3, and its main branch) queues each window-change in a one-slot
// channel that only a shell reads, and its first slot is taken by the pty-req's size: a
// client that asks for a terminal, resizes twice and never starts a shell leaves the
// request loop blocked for good, holding the session and everything it was sent. Here
// window-changes never reach it: their sizes go to channelState, which the explorer
// reads. `signal` and `break` are answered (no, they are not supported) rather than
// queued, `env` is capped, agent and X11 forwarding are refused, and so is an oversized
// pty-req.
func (c *screenedChannel) screenRequests(in <-chan *gossh.Request, out chan<- *gossh.Request) {
	defer close(out)
	for req := range in {
		switch req.Type {
		case "window-change":
			var win struct{ Columns, Rows, Width, Height uint32 }
			ok := gossh.Unmarshal(req.Payload, &win) == nil
			if ok {
				c.state.setWindow(ssh.Window{Width: int(win.Columns), Height: int(win.Rows),
					WidthPixels: int(win.Width), HeightPixels: int(win.Height)})
			}
			reply(req, ok)
			continue
		case "signal", "break", "auth-agent-req@openssh.com", "x11-req":
			reply(req, false)
			continue
		case "env":
			st := c.state
			if st.envVars+1 > maxEnvVars || st.envBytes+len(req.Payload) > maxEnvBytes {
				if !st.envRefused {
					st.envRefused = true
					c.log.Info("env refused", "why", "over the cap", "vars", st.envVars, "bytes", st.envBytes)
				}
				reply(req, false)
				continue
			}
			st.envVars++
			st.envBytes += len(req.Payload)
		case "pty-req":
			var pty struct {
				Term string
				Rest []byte `ssh:"rest"`
			}
			if len(req.Payload) > maxPtyRequest || gossh.Unmarshal(req.Payload, &pty) != nil || len(pty.Term) > maxTermLength {
				reply(req, false)
				continue
			}
		}
		out <- req
	}
}

func reply(req *gossh.Request, ok bool) {
	if req.WantReply {
		_ = req.Reply(ok, nil)
	}
}

// clampWindow bounds a terminal size to what the explorer draws.
func clampWindow(w ssh.Window) (width, height int) {
	return min(max(w.Width, 1), maxColumns), min(max(w.Height, 1), maxRows)
}
