package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
	"github.com/creack/pty"

	sampledata "github.com/segscope/segscope/sample-data"
)

// The end-to-end tests run this test binary as segscope itself: with SEGSCOPE_AS_MAIN set,
// TestMain runs main instead of the tests, so the real command line, terminal handling and
// explorer are what the test drives, with no separate build.
func TestMain(m *testing.M) {
	if os.Getenv("SEGSCOPE_AS_MAIN") == "1" {
		main()
		return
	}
	if db := os.Getenv("SEGSCOPE_TEST_HOLD"); db != "" {
		holdForWriting(db)
		return
	}
	os.Exit(m.Run())
}

// terminal is segscope running in a pseudo-terminal whose output feeds a terminal emulator,
// so the test reads the screen a person would see.
type terminal struct {
	t    *testing.T
	pty  *os.File
	cmd  *exec.Cmd
	emu  *vt.SafeEmulator
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

func startTerminal(t *testing.T, cols, rows int, args ...string) *terminal {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "SEGSCOPE_AS_MAIN=1", "TERM=xterm-256color",
		"XDG_DATA_HOME="+t.TempDir(), "NO_COLOR=")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)})
	if err != nil {
		t.Fatal(err)
	}
	term := &terminal{t: t, pty: f, cmd: cmd, emu: vt.NewSafeEmulator(cols, rows), done: make(chan struct{})}
	// The emulator answers the program's queries (background colour, cursor position) as a
	// terminal would; those answers go back to the program, and must be read or the
	// emulator blocks.
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := term.emu.Read(buf)
			if n > 0 {
				f.Write(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	go func() {
		defer close(term.done)
		buf := make([]byte, 32<<10)
		for {
			n, err := f.Read(buf)
			term.mu.Lock()
			term.out.Write(buf[:n])
			term.mu.Unlock()
			term.emu.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		f.Close()
		term.emu.Close()
	})
	return term
}

// screen is what the terminal shows now, without colours.
func (term *terminal) screen() string {
	lines := strings.Split(ansi.Strip(term.emu.Render()), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// waitFor waits until the screen satisfies ok.
func (term *terminal) waitFor(what string, ok func(screen string) bool) {
	term.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if ok(term.screen()) {
			return
		}
		time.Sleep(30 * time.Millisecond)
	}
	term.t.Fatalf("timed out waiting for %s; the screen:\n%s", what, term.screen())
}

func (term *terminal) waitText(text string) {
	term.t.Helper()
	term.waitFor(text, func(s string) bool { return strings.Contains(s, text) })
}

// keys types at a person's pace: each key is read separately (escape, then a letter, would
// otherwise arrive as alt+letter).
func (term *terminal) keys(keys ...string) {
	term.t.Helper()
	for _, k := range keys {
		seq := map[string]string{"enter": "\r", "esc": "\x1b", "ctrl+u": "\x15", "space": " ", "ctrl+c": "\x03"}[k]
		if seq == "" {
			seq = k
		}
		if _, err := term.pty.Write([]byte(seq)); err != nil {
			term.t.Fatal(err)
		}
		pause := 60 * time.Millisecond
		if k == "esc" {
			// A lone escape must be read before the next key, or the two arrive as
			// alt+key; on a loaded machine (CI, the whole suite on two cores) 60ms is not
			// always enough.
			pause = 400 * time.Millisecond
		}
		time.Sleep(pause)
	}
}

func (term *terminal) typ(s string) {
	term.t.Helper()
	for _, r := range s {
		term.keys(string(r))
	}
}

// TestExplorerEndToEnd is the scenario on the real binary in a pseudo-terminal: open
// a store, build "added to cart in the last 7 days and did not buy within 2 hours, and not a
// frequent buyer" with the keyboard, open its SQL, save it, find it in the list with the count
// `segscope count` prints, and compare it with two other segments in Overlap.
func TestExplorerEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the real binary")
	}
	dir := t.TempDir()
	db := demoStoreFile(t, dir)
	var out, errOut bytes.Buffer
	ws := filepath.Join(dir, "ws")
	if err := sampledata.WriteWorkspace(ws); err != nil {
		t.Fatal(err)
	}

	term := startTerminal(t, 120, 40, "--db", db, "--segments", ws)
	term.waitText("Event names")

	term.keys("2")
	term.waitText("cart_abandoners")

	// A new segment from two templates and a negation.
	term.keys("n", "a")
	term.waitText("Add a condition")
	term.typ("then not")
	term.keys("enter", "esc", "a")
	term.typ("member")
	term.keys("enter", "enter", "ctrl+u")
	term.typ("frequent_buyers")
	term.keys("enter", "esc")
	term.keys("n")
	term.waitText("not (segment fr") // the waterfall's new step

	// Name it.
	term.keys("k", "k", "k", "k", "enter", "enter", "ctrl+u")
	term.typ("fresh_cart_abandoners")
	term.keys("enter", "esc")

	// The SQL is one key away.
	term.keys("v")
	term.waitText("SELECT")
	term.keys("esc")

	term.keys("s")
	term.waitText("saved ")
	saved := filepath.Join(ws, "segments", "fresh_cart_abandoners.yaml")
	src, err := os.ReadFile(saved)
	if err != nil {
		t.Fatalf("the segment was not saved: %v", err)
	}
	if !strings.Contains(string(src), "then_not: purchase") || !strings.Contains(string(src), "segment: frequent_buyers") {
		t.Errorf("saved definition:\n%s", src)
	}

	// What segscope count says of the saved file.
	out.Reset()
	if code := run(context.Background(), []string{"count", "--db", db, "--json", saved}, nil, &out, &errOut); code != 0 {
		t.Fatalf("count: exit %d: %s", code, errOut.String())
	}
	var counted struct {
		Members int64 `json:"members"`
	}
	if err := json.Unmarshal(out.Bytes(), &counted); err != nil {
		t.Fatalf("count --json: %v: %s", err, out.String())
	}
	if counted.Members == 0 {
		t.Fatalf("segscope count found no members; the scenario expects some")
	}

	// Back in the list, the saved segment shows the same count.
	term.keys("esc")
	time.Sleep(300 * time.Millisecond)
	term.keys("/")
	term.typ("fresh")
	want := formatCount(counted.Members)
	term.waitFor("fresh_cart_abandoners listed with "+want+" members", func(s string) bool {
		for _, l := range strings.Split(s, "\n") {
			if i := strings.Index(l, "fresh_cart_abandoners"); i >= 0 && strings.Contains(strings.Fields(l[i:])[1], want) {
				return true
			}
		}
		return false
	})

	// Compare with two other segments.
	term.keys("enter", "space") // keep the filter, mark the segment under the cursor
	term.keys("3", "s")
	term.waitText("Choose segments to compare")
	term.keys("space", "j", "space", "enter")
	term.waitText("Largest exclusive intersections")
	if !strings.Contains(term.screen(), "Overlap · 3 segments") {
		t.Errorf("Overlap does not compare three segments:\n%s", term.screen())
	}

	term.keys("q")
	select {
	case <-term.done:
	case <-time.After(10 * time.Second):
		t.Fatal("segscope did not exit on q")
	}
	if err := term.cmd.Wait(); err != nil {
		t.Errorf("segscope exited with %v", err)
	}
}

// formatCount writes n as the explorer does (thousands separated by commas).
func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// demoStoreFile generates the demo data (the same the explorer builds in memory) and loads
// it into a store on disk in dir, as a new user would with segscope gen and load.
func demoStoreFile(t *testing.T, dir string) string {
	t.Helper()
	data := filepath.Join(dir, "data")
	if _, err := sampledata.WriteDataset(context.Background(), sampledata.Demo(), data, sampledata.CSV()); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "demo.duckdb")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"load", filepath.Join(data, "events.csv"),
		"--users", filepath.Join(data, "users.csv"), "--db", db}, nil, &out, &errOut); code != 0 {
		t.Fatalf("load: exit %d: %s", code, errOut.String())
	}
	return db
}

// TestDemoWorkspaceChecksAndReplays runs what CI users of the demo run: segscope check on
// every demo segment (definitions valid, expect: bounds met by the engine on the demo
// store) and segscope simulate on every demo campaign.
func TestDemoWorkspaceChecksAndReplays(t *testing.T) {
	db := demoStoreFile(t, t.TempDir())
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"check", "../../sample-data/segments", "--db", db}, nil, &out, &errOut); code != 0 {
		t.Fatalf("check: exit %d:\n%s%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), " 0 failed, 0 errors, 0 definition errors") {
		t.Errorf("check summary:\n%s", out.String())
	}
	campaigns, err := filepath.Glob("../../sample-data/campaigns/*.yaml")
	if err != nil || len(campaigns) < 5 {
		t.Fatalf("demo campaigns: %v %v", campaigns, err)
	}
	out.Reset()
	args := append([]string{"simulate", "--db", db, "--segments", "../../sample-data/segments", "--json"}, campaigns...)
	if code := run(context.Background(), args, nil, &out, &errOut); code != 0 {
		t.Fatalf("simulate: exit %d: %s", code, errOut.String())
	}
	var all struct {
		Campaigns []struct {
			Campaign string `json:"campaign"`
			Journeys int    `json:"journeys"`
			Sends    []int  `json:"sends"`
		} `json:"campaigns"`
	}
	if err := json.Unmarshal(out.Bytes(), &all); err != nil {
		t.Fatalf("simulate --json: %v", err)
	}
	replayed := 0
	for _, r := range all.Campaigns {
		if r.Journeys == 0 || len(r.Sends) == 0 || r.Sends[0] == 0 {
			t.Errorf("%s: %d journeys, sends %v on the demo data; every demo campaign should reach people", r.Campaign, r.Journeys, r.Sends)
		}
		replayed++
	}
	if replayed != len(campaigns) {
		t.Errorf("simulate reported %d campaigns, want %d", replayed, len(campaigns))
	}
}
