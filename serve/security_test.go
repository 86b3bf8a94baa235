package serve

// The security suite: attacks on the SSH side of serve, run against a real server on
// loopback with x/crypto/ssh clients. `go test ./serve -run Security` runs them alone.

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

type ptyRequest struct {
	Term                         string
	Columns, Rows, Width, Height uint32
	Modes                        string
}

type windowChange struct{ Columns, Rows, Width, Height uint32 }

type envRequest struct{ Name, Value string }

// leakyVisit is the client of the charm.land/ssh winch leak: a terminal, its environment,
// two resizes, no shell, then it hangs up. stuck says the server stopped answering the
// session's requests.
func leakyVisit(ts *testServer, envs, envSize int) (stuck bool, err error) {
	client, err := ts.dial(nil)
	if err != nil {
		return false, err
	}
	defer client.Close()
	ch, reqs, err := client.OpenChannel("session", nil)
	if err != nil {
		return false, err
	}
	go gossh.DiscardRequests(reqs)
	value := strings.Repeat("x", envSize)
	for i := range envs {
		if _, err := ch.SendRequest("env", false, gossh.Marshal(envRequest{fmt.Sprintf("LC_X%d", i), value})); err != nil {
			return false, err
		}
	}
	if _, err := ch.SendRequest("pty-req", true, gossh.Marshal(ptyRequest{Term: "xterm", Columns: 80, Rows: 24})); err != nil {
		return false, err
	}
	for _, w := range []windowChange{{Columns: 100, Rows: 30}, {Columns: 120, Rows: 40}} {
		if _, err := ch.SendRequest("window-change", false, gossh.Marshal(w)); err != nil {
			return false, err
		}
	}
	// A request with a reply, answered only once the server read everything before it.
	answered := make(chan struct{})
	go func() { ch.SendRequest("keepalive@openssh.com", true, nil); close(answered) }()
	select {
	case <-answered:
		return false, nil
	case <-time.After(time.Second):
		return true, nil
	}
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// settleGoroutines waits until at most want goroutines run, and returns how many do.
func settleGoroutines(want int, within time.Duration) int {
	deadline := time.Now().Add(within)
	for {
		n := runtime.NumGoroutine()
		if n <= want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Finding 1: a terminal resized twice without a shell held its session (goroutine,
// environment and all) for good. 100 such visits must leave goroutines and heap where
// they were.
func TestSecurityResizeWithoutShellLeaksNothing(t *testing.T) {
	ts := startServer(t, nil)
	if _, err := leakyVisit(ts, 0, 0); err != nil { // warm up: first-use allocations
		t.Fatal(err)
	}
	baseG := settleGoroutines(0, 300*time.Millisecond)
	baseHeap := heapInUse()
	const visits = 100
	stuck := 0
	for i := range visits {
		blocked, err := leakyVisit(ts, 32, 256)
		if err != nil {
			t.Fatalf("visit %d: %v", i, err)
		}
		if blocked {
			stuck++
		}
	}
	if stuck > 0 {
		t.Errorf("%d of %d sessions stopped answering requests after two resizes", stuck, visits)
	}
	afterG := settleGoroutines(baseG+5, 5*time.Second)
	afterHeap := heapInUse()
	t.Logf("goroutines %d → %d, heap in use %.1f → %.1f MB after %d visits", baseG, afterG,
		float64(baseHeap)/1e6, float64(afterHeap)/1e6, visits)
	if afterG > baseG+5 {
		t.Errorf("%d goroutines left behind by %d visits that resized without a shell", afterG-baseG, visits)
	}
	if afterHeap > baseHeap+4<<20 {
		t.Errorf("heap grew by %.1f MB after %d visits", float64(afterHeap-baseHeap)/1e6, visits)
	}
}

// Finding 1: the environment a session may set is capped in count and bytes.
func TestSecurityEnvIsCapped(t *testing.T) {
	ts := startServer(t, nil)
	client, err := ts.dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ch, reqs, err := client.OpenChannel("session", nil)
	if err != nil {
		t.Fatal(err)
	}
	go gossh.DiscardRequests(reqs)
	accepted := 0
	for i := range 1000 {
		ok, err := ch.SendRequest("env", true, gossh.Marshal(envRequest{fmt.Sprintf("V%d", i), strings.Repeat("v", 1000)}))
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			accepted++
		}
	}
	if accepted*1000 > maxEnvBytes || accepted > maxEnvVars {
		t.Errorf("%d env requests of 1 kB accepted; the cap is %d variables, %d bytes", accepted, maxEnvVars, maxEnvBytes)
	}
	if accepted == 0 {
		t.Error("no env request accepted: small environments (LANG, COLORTERM) must pass")
	}
	// Many small variables: the count cap.
	ch2, reqs2, err := openSecondSession(t, ts)
	if err != nil {
		t.Fatal(err)
	}
	go gossh.DiscardRequests(reqs2)
	accepted = 0
	for i := range 1000 {
		if ok, _ := ch2.SendRequest("env", true, gossh.Marshal(envRequest{fmt.Sprintf("V%d", i), "1"})); ok {
			accepted++
		}
	}
	if accepted > maxEnvVars {
		t.Errorf("%d env variables accepted, want at most %d", accepted, maxEnvVars)
	}
}

func openSecondSession(t *testing.T, ts *testServer) (gossh.Channel, <-chan *gossh.Request, error) {
	t.Helper()
	client, err := ts.dial(nil)
	if err != nil {
		return nil, nil, err
	}
	t.Cleanup(func() { client.Close() })
	return client.OpenChannel("session", nil)
}

// Finding 7: a `signal` request that wants a reply gets one (no: signals are not
// supported), instead of leaving the client waiting.
func TestSecuritySignalIsAnswered(t *testing.T) {
	ts := startServer(t, nil)
	client, err := ts.dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ch, reqs, err := client.OpenChannel("session", nil)
	if err != nil {
		t.Fatal(err)
	}
	go gossh.DiscardRequests(reqs)
	for _, typ := range []string{"signal", "break", "auth-agent-req@openssh.com"} {
		answered := make(chan bool, 1)
		go func() {
			ok, _ := ch.SendRequest(typ, true, gossh.Marshal(struct{ Signal string }{"INT"}))
			answered <- ok
		}()
		select {
		case ok := <-answered:
			if ok {
				t.Errorf("%s: accepted, want refused", typ)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("%s wanting a reply: no answer in 3s", typ)
		}
	}
}

// Finding 2: an authenticated connection that opens no session, sending keepalives, is
// closed after the login timeout; and so is one that never authenticates.
func TestSecuritySessionlessConnectionIsClosed(t *testing.T) {
	const grace = 500 * time.Millisecond
	ts := startServer(t, func(c *Config) { c.LoginTimeout = grace; c.IdleTimeout = time.Hour })
	client, err := ts.dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	closed := make(chan struct{})
	go func() { client.Wait(); close(closed) }()
	start := time.Now()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-closed:
			if took := time.Since(start); took < grace/2 {
				t.Errorf("closed after %v, before the login timeout %v", took, grace)
			}
			goto unauthenticated
		case <-tick.C:
			client.SendRequest("keepalive@openssh.com", true, nil)
			if time.Since(start) > 5*time.Second {
				t.Fatalf("a connection without a session is still open after %v (login timeout %v)", time.Since(start), grace)
			}
		}
	}
unauthenticated:
	// A TCP connection that sends nothing at all.
	conn, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	for {
		if _, err := conn.Read(buf); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatal("a silent connection is still open after 5s")
			}
			break
		}
	}
	if !strings.Contains(ts.logs.String(), "no session within") {
		t.Errorf("the log does not say why the connection closed:\n%s", ts.logs.String())
	}
}

// Finding 2: connections are capped in total and per source address.
func TestSecurityConnectionCaps(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.MaxConnections = 4; c.MaxConnectionsPerAddress = 2 })
	var clients []*gossh.Client
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for i := range 2 {
		c, err := ts.dial(nil)
		if err != nil {
			t.Fatalf("connection %d of 2 from one address refused: %v", i+1, err)
		}
		clients = append(clients, c)
	}
	if c, err := ts.dial(nil); err == nil {
		c.Close()
		t.Error("a third connection from one address was admitted (cap 2)")
	}
	// Another loopback address is another source.
	other := func() (*gossh.Client, error) {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: 5 * time.Second}
		conn, err := d.Dial("tcp", ts.addr)
		if err != nil {
			return nil, err
		}
		cc, chans, reqs, err := gossh.NewClientConn(conn, ts.addr, &gossh.ClientConfig{
			User: "visitor", Auth: []gossh.AuthMethod{gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return nil, nil })},
			HostKeyCallback: gossh.FixedHostKey(ts.hostKey.PublicKey()), Timeout: 5 * time.Second,
		})
		if err != nil {
			conn.Close()
			return nil, err
		}
		return gossh.NewClient(cc, chans, reqs), nil
	}
	c, err := other()
	if err != nil {
		t.Skipf("cannot connect from 127.0.0.2 here: %v", err)
	}
	clients = append(clients, c)
	if c, err = other(); err != nil {
		t.Fatalf("second connection from 127.0.0.2 refused: %v", err)
	}
	clients = append(clients, c)
	// Four open: the total cap refuses a fifth from anywhere.
	if c, err := ts.dial(nil); err == nil {
		c.Close()
		t.Error("a fifth connection was admitted (total cap 4)")
	}
	// A closed connection frees its place.
	clients[0].Close()
	clients = clients[1:]
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := ts.dial(nil)
		if err == nil {
			clients = append(clients, c)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a freed place is not given again: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(ts.logs.String(), "too many connections") {
		t.Errorf("refusals are not logged:\n%s", ts.logs.String())
	}
}

// Session channels on one connection are capped, as sshd's MaxSessions: each may hold an
// environment and a terminal.
func TestSecuritySessionChannelsPerConnectionAreCapped(t *testing.T) {
	ts := startServer(t, nil)
	client, err := ts.dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	var open []gossh.Channel
	for i := range maxChannelsPerConn {
		ch, reqs, err := client.OpenChannel("session", nil)
		if err != nil {
			t.Fatalf("session channel %d of %d refused: %v", i+1, maxChannelsPerConn, err)
		}
		go gossh.DiscardRequests(reqs)
		open = append(open, ch)
	}
	if _, _, err := client.OpenChannel("session", nil); err == nil {
		t.Errorf("session channel %d on one connection was opened", maxChannelsPerConn+1)
	}
	open[0].Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ch, reqs, err := client.OpenChannel("session", nil)
		if err == nil {
			go gossh.DiscardRequests(reqs)
			ch.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a session channel closed, a new one is refused: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Finding 7: offering someone's public key is not being them. The log must not say a key
// was allowed until the client proved it holds the private key.
func TestSecurityAuthLogWaitsForTheSignature(t *testing.T) {
	victim, attacker := newKey(t), newKey(t)
	keys, err := ReadAuthorizedKeys(writeAuthorizedKeys(t, victim))
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, func(c *Config) { c.Open, c.AuthorizedKeys = false, keys })
	forged := &forgedSigner{pub: victim.PublicKey(), signer: attacker}
	if c, err := ts.dial(forged); err == nil {
		c.Close()
		t.Fatal("a forged signature was accepted")
	}
	if logs := ts.logs.String(); strings.Contains(logs, "key allowed") {
		t.Errorf("the log says the victim's key was allowed before its signature was checked:\n%s", logs)
	}
	// The real holder is logged as allowed, with the fingerprint.
	c, err := ts.dial(victim)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if logs := ts.logs.String(); !strings.Contains(logs, "key allowed") ||
		!strings.Contains(logs, gossh.FingerprintSHA256(victim.PublicKey())) {
		t.Errorf("the key holder's sign-in is not logged:\n%s", logs)
	}
}

// forgedSigner presents one key and signs with another.
type forgedSigner struct {
	pub    gossh.PublicKey
	signer gossh.Signer
}

func (f *forgedSigner) PublicKey() gossh.PublicKey { return f.pub }
func (f *forgedSigner) Sign(rand io.Reader, data []byte) (*gossh.Signature, error) {
	return f.signer.Sign(rand, data)
}

// A terminal of absurd size is drawn at the explorer's largest (a frame is width × height
// cells: 60000 × 60000 would be 3.6 billion).
func TestSecurityHugeWindowIsClamped(t *testing.T) {
	if w, h := clampWindow(ssh.Window{Width: 60000, Height: 60000}); w != maxColumns || h != maxRows {
		t.Errorf("clamp 60000x60000 = %dx%d", w, h)
	}
	if w, h := clampWindow(ssh.Window{Width: 0, Height: -3}); w != 1 || h != 1 {
		t.Errorf("clamp 0x-3 = %dx%d", w, h)
	}
	ts := startServer(t, nil)
	client, err := ts.dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	sess.Stdout = out
	stdin, _ := sess.StdinPipe()
	if err := sess.RequestPty("xterm", 1000, 3000, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	term := &terminal{t: t, sess: sess, stdin: stdin, out: out, done: make(chan error, 1)}
	go func() { term.done <- sess.Wait() }()
	term.waitFor("Segments", explorerUp)
	sess.WindowChange(1200, 4000)
	term.waitFor("Segments", explorerUp)
	for _, line := range strings.Split(term.text(), "\n") {
		if w := len([]rune(line)); w > maxColumns+1 {
			t.Fatalf("a line %d characters wide: the window was not clamped", w)
		}
	}
	term.send("q")
	term.waitEnd(5 * time.Second)
}

// Finding 6: errors on a visitor's screen name files by the workspace's label, never by
// the server's own folders.
func TestSecurityErrorsHideServerPaths(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "server-private-folder")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// An account segment built on a user segment: it loads, and fails when evaluated.
	files := map[string]string{
		"buyers.yaml":      "name: buyers\nwhere:\n  did: purchase\n",
		"acct_buyers.yaml": "name: acct_buyers\nunit: account\nwhere:\n  segment: buyers\n",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ts := startServer(t, func(c *Config) { c.Workspace = dir; c.Scratch = nil })
	client, err := ts.dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	term := ts.openTerminal(t, client)
	term.waitFor("Segments", explorerUp)
	term.send("2")
	term.waitFor("acct_buyers", explorerUp)
	term.waitFor("error", explorerUp)
	screen := term.text()
	for _, private := range []string{dir, filepath.Dir(dir), os.TempDir() + string(filepath.Separator)} {
		if strings.Contains(screen, private) {
			t.Errorf("the visitor's screen shows the server path %s:\n%s", private, tail(screen, 3000))
		}
	}
	term.send("q")
	term.waitEnd(5 * time.Second)
}
