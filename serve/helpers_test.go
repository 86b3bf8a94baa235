package serve

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/log/v2"
	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/segscope/segscope/demo"
	"github.com/segscope/segscope/query"
	sampledata "github.com/segscope/segscope/sample-data"
	"github.com/segscope/segscope/tui"
)

var (
	demoOnce  sync.Once
	demoStore *query.Store
	demoErr   error
)

// sealedDemo is the demo store, sealed as serve seals it, shared by the package's tests.
func sealedDemo(t *testing.T) *query.Store {
	t.Helper()
	demoOnce.Do(func() {
		ctx := context.Background()
		demoStore, demoErr = demo.Open(ctx)
		if demoErr != nil {
			return
		}
		demoErr = demoStore.SealWith(ctx, query.Limits{
			QueryTimeout: 10 * time.Second,
			MemoryLimit:  "512MB",
			OnInterrupt:  OnInterrupt,
		})
	})
	if demoErr != nil {
		t.Fatalf("demo store: %v", demoErr)
	}
	return demoStore
}

func newKey(t *testing.T) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// syncBuffer is a log sink tests can read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type testServer struct {
	*Server
	hostKey gossh.Signer
	addr    string
	logs    *syncBuffer
}

// startServer serves the sealed demo on a free loopback port; edit adjusts the config.
func startServer(t *testing.T, edit func(*Config)) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	ts := &testServer{hostKey: newKey(t), logs: logs}
	cfg := Config{
		Listen:   "127.0.0.1:0",
		HostKey:  ts.hostKey,
		Open:     true,
		Explorer: tui.Env{Store: sealedDemo(t), StoreName: "demo", Dark: true},
		Scratch:  sampledata.WriteWorkspace,
		Log:      log.NewWithOptions(logs, log.Options{Level: log.DebugLevel}),
	}
	if edit != nil {
		edit(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := srv.Start()
	if err != nil {
		t.Fatal(err)
	}
	ts.Server, ts.addr = srv, addr.String()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return ts
}

// dial connects with key (nil: no key, keyboard-interactive only) and checks the host key.
func (ts *testServer) dial(key gossh.Signer) (*gossh.Client, error) {
	auth := []gossh.AuthMethod{gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
		return nil, nil
	})}
	if key != nil {
		auth = []gossh.AuthMethod{gossh.PublicKeys(key)}
	}
	return gossh.Dial("tcp", ts.addr, &gossh.ClientConfig{
		User:            "visitor",
		Auth:            auth,
		HostKeyCallback: gossh.FixedHostKey(ts.hostKey.PublicKey()),
		Timeout:         5 * time.Second,
	})
}

// terminal is a client session with a PTY, its output collected.
type terminal struct {
	t      *testing.T
	sess   *gossh.Session
	stdin  io.WriteCloser
	out    *syncBuffer
	done   chan error
	closed bool
}

func (ts *testServer) openTerminal(t *testing.T, client *gossh.Client) *terminal {
	t.Helper()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	term := &terminal{t: t, sess: sess, out: &syncBuffer{}, done: make(chan error, 1)}
	sess.Stdout = term.out
	sess.Stderr = term.out
	if term.stdin, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 30, 100, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	go func() { term.done <- sess.Wait() }()
	t.Cleanup(func() { sess.Close() })
	return term
}

// text is everything the terminal showed so far, escape sequences removed.
func (term *terminal) text() string { return ansi.Strip(term.out.String()) }

// waitFor waits until the output holds want.
func (term *terminal) waitFor(want string, within time.Duration) {
	term.t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if strings.Contains(term.text(), want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	term.t.Fatalf("no %q within %v; the terminal showed:\n%s", want, within, tail(term.text(), 2000))
}

// waitEnd waits for the server to close the session.
func (term *terminal) waitEnd(within time.Duration) error {
	term.t.Helper()
	select {
	case err := <-term.done:
		return err
	case <-time.After(within):
		term.t.Fatalf("session still open after %v; it showed:\n%s", within, tail(term.text(), 2000))
		return nil
	}
}

func (term *terminal) send(keys string) {
	term.t.Helper()
	if _, err := io.WriteString(term.stdin, keys); err != nil {
		term.t.Fatal(err)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func writeAuthorizedKeys(t *testing.T, keys ...gossh.Signer) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("# test keys\n\n")
	for i, k := range keys {
		fmt.Fprintf(&b, "%s test%d@example\n", strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k.PublicKey()))), i)
	}
	path := filepath.Join(t.TempDir(), "authorized_keys")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
