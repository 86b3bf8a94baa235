package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// TestFirstSession runs every command of README.md's "A first session", as written, on the
// real binary (this test binary run as segscope), in a fresh folder. Only the size of the
// generated data is cut (--users 300) so that CI stays quick; `~` is a temporary home with an
// authorized_keys file, and serve listens on a port of the system's choosing and is stopped
// once it serves. The explorer runs in a pseudo-terminal until its first screen shows.
func TestFirstSession(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the real binary")
	}
	cmds := firstSessionCommands(t)
	if len(cmds) < 10 {
		t.Fatalf("found %d commands in README.md's first session", len(cmds))
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, home := t.TempDir(), t.TempDir()
	os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	sshPub, _ := gossh.NewPublicKey(pub)
	os.WriteFile(filepath.Join(home, ".ssh", "authorized_keys"), gossh.MarshalAuthorizedKey(sshPub), 0o600)
	env := append(os.Environ(), "SEGSCOPE_AS_MAIN=1", "HOME="+home, "XDG_DATA_HOME="+t.TempDir(), "NO_COLOR=1")

	for _, args := range cmds {
		line := "segscope " + strings.Join(args, " ")
		for i, a := range args {
			if a == "20000" && i > 0 && args[i-1] == "--users" {
				args[i] = "300"
			}
			if strings.HasPrefix(a, "~/") {
				args[i] = filepath.Join(home, a[2:])
			}
		}
		switch {
		case len(args) > 0 && strings.HasPrefix(args[0], "--"): // the explorer
			abs := make([]string, len(args))
			for i, a := range args {
				abs[i] = a
				if strings.HasPrefix(a, "shop") {
					abs[i] = filepath.Join(dir, a)
				}
			}
			term := startTerminal(t, 100, 30, abs...)
			term.waitText("Event names")
			term.keys("q")
			select {
			case <-term.done:
			case <-time.After(10 * time.Second):
				t.Errorf("%s: the explorer did not quit", line)
			}
		case args[0] == "serve":
			cmd := exec.Command(exe, append(args, "--listen", "127.0.0.1:0", "--host-key", filepath.Join(home, "host_key"))...)
			cmd.Dir, cmd.Env = dir, env
			var out syncBuffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(20 * time.Second)
			for !strings.Contains(out.String(), "serving") && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			cmd.Process.Signal(syscall.SIGINT)
			cmd.Wait()
			if !strings.Contains(out.String(), "serving") {
				t.Errorf("%s: did not serve:\n%s", line, out.String())
			}
		default:
			if args[0] == "diff" {
				gitWorkspace(t, dir)
			}
			cmd := exec.Command(exe, args...)
			cmd.Dir, cmd.Env = dir, env
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				t.Errorf("%s: %v\n%s", line, err, out.String())
			}
		}
	}
}

// firstSessionCommands reads the segscope commands of README.md's "A first session", joining
// continued lines and dropping comments.
func firstSessionCommands(t *testing.T) [][]string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "## A first session")
	end := strings.Index(text[start:], "\n### ")
	if start < 0 || end < 0 {
		t.Fatal("README.md has no \"A first session\" section")
	}
	var cmds [][]string
	var cur string
	for _, line := range strings.Split(text[start:start+end], "\n") {
		if !strings.HasPrefix(line, "    ") {
			continue
		}
		line = strings.TrimSpace(line)
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		cur += " " + strings.TrimSuffix(strings.TrimSpace(line), "\\")
		if strings.HasSuffix(strings.TrimSpace(line), "\\") {
			continue
		}
		fields := strings.Fields(cur)
		cur = ""
		if len(fields) > 1 && fields[0] == "segscope" {
			cmds = append(cmds, fields[1:])
		}
	}
	return cmds
}

// gitWorkspace makes dir a git repository whose segments/x.yaml was committed and then
// edited, for the README's `diff FILE@HEAD FILE`.
func gitWorkspace(t *testing.T, dir string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(dir, "shop", "segments", "cart_abandoners.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "segments"), 0o755)
	x := filepath.Join(dir, "segments", "x.yaml")
	os.WriteFile(x, src, 0o644)
	for _, args := range [][]string{{"init", "-q"}, {"add", "segments/x.yaml"},
		{"-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "x"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("git %v: %v: %s", args, err, out)
		}
	}
	os.WriteFile(x, bytes.Replace(src, []byte("within: 2h"), []byte("within: 3h"), 1), 0o644)
}
