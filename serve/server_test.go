package serve

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

const explorerUp = 10 * time.Second // generous: -race and a busy machine

func TestRefusesToStartWithoutAuthentication(t *testing.T) {
	_, err := New(Config{HostKey: newKey(t)})
	if !errors.Is(err, ErrNoAuth) {
		t.Fatalf("New without keys or --open: %v, want ErrNoAuth", err)
	}
	if strings.Contains(ErrNoAuth.Error(), "\n") {
		t.Error("the reason should be one line")
	}
}

func TestRefusesUnsealedStore(t *testing.T) {
	_, err := New(Config{HostKey: newKey(t), Open: true})
	if err == nil {
		t.Fatal("New without a store: no error")
	}
}

func TestAllowedKeyGetsTheExplorer(t *testing.T) {
	allowed, stranger := newKey(t), newKey(t)
	keys, err := ReadAuthorizedKeys(writeAuthorizedKeys(t, allowed))
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, func(c *Config) { c.Open, c.AuthorizedKeys = false, keys })

	client, err := ts.dial(allowed)
	if err != nil {
		t.Fatalf("allowed key refused: %v", err)
	}
	defer client.Close()
	term := ts.openTerminal(t, client)
	term.waitFor("Segments", explorerUp)
	term.waitFor("Data", explorerUp)

	// An unknown key is refused, and so is a client with no key at all.
	if c, err := ts.dial(stranger); err == nil {
		c.Close()
		t.Error("unknown key admitted")
	} else if !strings.Contains(err.Error(), "unable to authenticate") {
		t.Errorf("unknown key: %v, want an authentication failure", err)
	}
	if c, err := ts.dial(nil); err == nil {
		c.Close()
		t.Error("keyless client admitted without --open")
	}

	// ctrl+c ends this session only: the server keeps serving.
	term.send("\x03")
	term.waitEnd(5 * time.Second)
	again, err := ts.dial(allowed)
	if err != nil {
		t.Fatalf("after one session's ctrl+c the server refused: %v", err)
	}
	again.Close()

	logs := ts.logs.String()
	fp := gossh.FingerprintSHA256(allowed.PublicKey())
	for _, want := range []string{"connect", "key allowed", "key refused", "session start", "session end", fp,
		gossh.FingerprintSHA256(stranger.PublicKey())} {
		if !strings.Contains(logs, want) {
			t.Errorf("log has no %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(allowed.PublicKey())))[12:40]) {
		t.Error("the log holds key material, not just fingerprints")
	}
}

func TestOpenAdmitsAnyone(t *testing.T) {
	ts := startServer(t, nil)
	for _, key := range []gossh.Signer{newKey(t), nil} {
		client, err := ts.dial(key)
		if err != nil {
			t.Fatalf("--open refused a client (key %v): %v", key != nil, err)
		}
		term := ts.openTerminal(t, client)
		term.waitFor("Segments", explorerUp)
		term.send("q")
		term.waitEnd(5 * time.Second)
		client.Close()
	}
}

func TestNoPTYGetsAClearMessage(t *testing.T) {
	ts := startServer(t, nil)
	client, err := ts.dial(newKey(t))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sess.CombinedOutput("") // shell, no PTY
	var exit *gossh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Errorf("no PTY: %v, want exit status 1", err)
	}
	if !strings.Contains(string(out), "needs a terminal") {
		t.Errorf("no PTY: %q, want a clear message", out)
	}
	// A command is refused too: the server runs nothing but the explorer.
	sess, err = client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, _ = sess.CombinedOutput("cat /etc/passwd")
	if strings.Contains(string(out), "root:") || !strings.Contains(string(out), "explorer only") {
		t.Errorf("exec: %q", out)
	}
}

func TestMaxSessions(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.MaxSessions = 2 })
	client, err := ts.dial(newKey(t))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	var terms []*terminal
	for range 2 {
		term := ts.openTerminal(t, client)
		term.waitFor("Segments", explorerUp)
		terms = append(terms, term)
	}
	extra := ts.openTerminal(t, client)
	extra.waitFor("seats are taken", 5*time.Second)
	if err := extra.waitEnd(5 * time.Second); err == nil {
		t.Error("the extra session ended without an error status")
	}
	if n := ts.Sessions(); n != 2 {
		t.Errorf("%d sessions running, want 2", n)
	}
	// A seat that frees up can be taken.
	terms[0].send("q")
	terms[0].waitEnd(5 * time.Second)
	waitSessions(t, ts, 1)
	ts.openTerminal(t, client).waitFor("Segments", explorerUp)
}

func waitSessions(t *testing.T, ts *testServer, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if ts.Sessions() == n {
			return
		}
	}
	t.Fatalf("%d sessions, want %d", ts.Sessions(), n)
}

func TestIdleTimeoutClosesTheSession(t *testing.T) {
	const idle = 400 * time.Millisecond
	ts := startServer(t, func(c *Config) { c.IdleTimeout = idle })
	client, err := ts.dial(newKey(t))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	start := time.Now()
	term := ts.openTerminal(t, client)
	term.waitFor("Segments", explorerUp)
	term.waitEnd(5 * time.Second)
	if took := time.Since(start); took < idle {
		t.Errorf("closed after %v, before the idle timeout", took)
	}
	term.waitFor("without input", time.Second)
	if !strings.Contains(ts.logs.String(), "reason=idle") {
		t.Errorf("no idle reason in the log:\n%s", ts.logs.String())
	}
}

func TestResizeAndSegmentsScreen(t *testing.T) {
	ts := startServer(t, nil)
	client, err := ts.dial(newKey(t))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	term := ts.openTerminal(t, client)
	term.waitFor("Segments", explorerUp)
	term.send("2")
	// A resize repaints the whole screen at the new size.
	if err := term.sess.WindowChange(40, 140); err != nil {
		t.Fatal(err)
	}
	term.waitFor("cart_abandoners", explorerUp)
	term.waitFor("copy of the demo segments", explorerUp)
	if strings.Contains(term.text(), "segscope-session-") {
		t.Error("a visitor sees the server's path of the session workspace")
	}
	term.send("q")
	term.waitEnd(5 * time.Second)
}

func TestShutdownTellsSessions(t *testing.T) {
	ts := startServer(t, nil)
	client, err := ts.dial(newKey(t))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	term := ts.openTerminal(t, client)
	term.waitFor("Segments", explorerUp)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- ts.Shutdown(ctx) }()
	term.waitFor("shutting down", 5*time.Second)
	term.waitEnd(5 * time.Second)
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if _, err := ts.dial(newKey(t)); err == nil {
		t.Error("the server still accepts connections after shutdown")
	}
}

// Twenty people at once, each on the Segments screen of their own explorer.
func TestTwentyConcurrentSessions(t *testing.T) {
	const n = 20
	ts := startServer(t, func(c *Config) { c.MaxSessions = n })
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			client, err := ts.dial(newKey(t))
			if err != nil {
				t.Errorf("session %d: %v", i, err)
				return
			}
			defer client.Close()
			term := ts.openTerminal(t, client)
			term.waitFor("Segments", 20*time.Second)
			term.send("2")
			term.sess.WindowChange(32, 110+i) // repaint at a size of its own
			term.waitFor("cart_abandoners", 20*time.Second)
			if strings.Contains(term.text(), "took too long") {
				t.Errorf("session %d: a query timed out", i)
			}
			term.send("q")
			term.waitEnd(10 * time.Second)
		})
	}
	wg.Wait()
	if strings.Contains(ts.logs.String(), "query timed out") {
		t.Errorf("queries timed out:\n%s", ts.logs.String())
	}
}

func TestHostKeyIsCreatedOnceAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "host")
	first, err := HostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("host key mode %04o, want 0600", perm)
	}
	second, err := HostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if gossh.FingerprintSHA256(first.PublicKey()) != gossh.FingerprintSHA256(second.PublicKey()) {
		t.Error("the host key changed between starts")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := HostKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a world-readable host key: %v, want a refusal", err)
	}
}

func TestReadAuthorizedKeys(t *testing.T) {
	a, b := newKey(t), newKey(t)
	ks, err := ReadAuthorizedKeys(writeAuthorizedKeys(t, a))
	if err != nil {
		t.Fatal(err)
	}
	if !ks.Allows(a.PublicKey()) || ks.Allows(b.PublicKey()) || ks.Len() != 1 {
		t.Error("key set admits the wrong keys")
	}
	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, []byte("ssh-ed25519 not-base64!!\n"), 0o600)
	if _, err := ReadAuthorizedKeys(bad); err == nil || !strings.Contains(err.Error(), ":1:") {
		t.Errorf("a broken line: %v, want an error naming line 1", err)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, []byte("# nobody\n"), 0o600)
	if _, err := ReadAuthorizedKeys(empty); err == nil {
		t.Error("an empty file admits nobody and should be refused")
	}
	ca := filepath.Join(t.TempDir(), "ca")
	os.WriteFile(ca, append([]byte("cert-authority "), gossh.MarshalAuthorizedKey(a.PublicKey())...), 0o600)
	if _, err := ReadAuthorizedKeys(ca); err == nil {
		t.Error("a cert-authority line was taken as a user key")
	}
}
