package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"
)

func serveRun(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(ctx, append([]string{"serve"}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestServeRefusesBadSetups(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	keys := filepath.Join(t.TempDir(), "authorized_keys")
	os.WriteFile(keys, []byte("# none\n"), 0o600)
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "refusing to serve without authentication"},
		{[]string{"--open", "--authorized-keys", keys}, "not both"},
		{[]string{"--authorized-keys", keys}, "no keys in it"},
		{[]string{"--authorized-keys", filepath.Join(t.TempDir(), "missing")}, "no such file"},
		{[]string{"--open", "--memory-limit", "lots'; SET x=1"}, "--memory-limit"},
		{[]string{"--open", "--query-timeout", "0s"}, "--query-timeout"},
		{[]string{"--open", "--db", filepath.Join(t.TempDir(), "none.duckdb")}, "no store at"},
		{[]string{"--open", "--segments", filepath.Join(t.TempDir(), "none")}, "--segments"},
	} {
		code, _, errOut := serveRun(t, context.Background(), c.args...)
		if code == 0 || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("serve %v: exit %d, %q; want a one-line refusal with %q", c.args, code, errOut, c.want)
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The command end to end: the demo served with --open on a free port, a client with a PTY
// gets the explorer, the host key is kept in the data folder, and cancelling (as SIGINT
// does) shuts down gracefully.
func TestServeCommand(t *testing.T) {
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--open", "--listen", "127.0.0.1:0", "--query-timeout", "5s"},
			strings.NewReader(""), &bytes.Buffer{}, logs)
	}()
	addrRE := regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`)
	var addr string
	for deadline := time.Now().Add(15 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := addrRE.FindStringSubmatch(logs.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatalf("serve did not start:\n%s", logs.String())
	}
	keyPath := filepath.Join(data, "segscope", "ssh_host_ed25519")
	info, err := os.Stat(keyPath)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("host key %s: %v %v", keyPath, info, err)
	}
	client, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User: "visitor",
		Auth: []gossh.AuthMethod{gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
			return nil, nil
		})},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out := &lockedBuffer{}
	sess.Stdout = out
	if err := sess.RequestPty("xterm", 30, 100, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(ansi.Strip(out.String()), "Segments"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no explorer:\n%s", ansi.Strip(out.String()))
		}
	}
	cancel() // what SIGINT does
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d:\n%s", code, logs.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(ansi.Strip(out.String()), "shutting down") {
		t.Errorf("the session was not told:\n%s", ansi.Strip(out.String()))
	}
}
