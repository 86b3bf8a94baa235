package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/segscope/segscope/query"
)

// holdForWriting is the child of TestReadersSayWhoWrites: it opens the store for writing,
// as segscope load does, says so on standard output, and holds it until its standard input
// closes.
func holdForWriting(db string) {
	s, err := query.Open(context.Background(), db, query.Options{})
	if err != nil {
		os.Stdout.WriteString("error: " + err.Error() + "\n")
		return
	}
	defer s.Close()
	os.Stdout.WriteString("holding\n")
	io.Copy(io.Discard, os.Stdin)
}

// TestReadersSayWhoWrites: a command that reads a store while segscope load writes it
// (here a process whose command line is segscope load, holding the store open for
// writing) says that a load is running and that it can run once the load has finished,
// not "close it there or open read-only" (the issue: the explorer is already read-only).
func TestReadersSayWhoWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	db, ws := segFixture(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"segscope", "load", "more.csv", "--db", db}, "is being written by segscope load (pid "},
		{[]string{"some-tool", "--db", db}, "is open for writing in another process (pid "},
	} {
		child := &exec.Cmd{Path: exe, Args: tc.args, Env: append(os.Environ(), "SEGSCOPE_TEST_HOLD="+db)}
		stdin, _ := child.StdinPipe()
		stdout, _ := child.StdoutPipe()
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		if strings.TrimSpace(line) != "holding" {
			stdin.Close()
			child.Wait()
			t.Fatalf("the writer did not hold the store: %q", line)
		}
		code, _, errOut := segRun(t, "count", "buyers", "--segments", ws, "--db", db)
		stdin.Close()
		child.Wait()
		if code == 0 || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "open read-only") {
			t.Errorf("%v writing: exit %d: %s", tc.args[:2], code, errOut)
		}
	}
	// Once the writer is gone, the store reads again.
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, _, errOut := segRun(t, "count", "buyers", "--segments", ws, "--db", db)
		if code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store stays locked after its writer left: %s", errOut)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
