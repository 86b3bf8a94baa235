package memberlist

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/segscope/segscope/demo"
	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/theme"
)

// run performs a command and gives its message to the panel, as the program would.
func run(t *testing.T, m Model, cmd tea.Cmd) (Model, tea.Cmd) {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command")
	}
	return m.Update(cmd())
}

func press(k string) tea.KeyPressMsg {
	if k == "esc" {
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	}
	return tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
}

// TestCopyAndExportTakeTheWholeGroup: a panel lists a sample of a group, and c copies, x
// and X export, every member of it (the bug: "50 of 403 members", and c copied the 50).
func TestCopyAndExportTakeTheWholeGroup(t *testing.T) {
	ctx := context.Background()
	store, err := demo.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	eng := query.NewEngine(store)
	seg := &segments.Segment{Name: "buyers", Where: &segments.Did{Events: []string{"purchase"}}}
	res, err := eng.Evaluate(ctx, seg, nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	total := res.Count()
	if total <= 50 {
		t.Fatalf("the demo has %d buyers; the test needs more than the sample", total)
	}
	dir := t.TempDir()
	m := New(ctx, "test", Deps{Engine: eng, Dir: dir, Sample: 50}, theme.New(true))
	m.SetSize(80, 24)
	m, _ = run(t, m, m.Open("buyers", "buyers", res.Members, segments.UnitUser, res.AsOf))
	view := ansi.Strip(m.View())
	if len(m.list.Rows()) != 50 || !strings.Contains(view, "the first 50 listed") || !strings.Contains(view, "c copies all") {
		t.Fatalf("%d rows listed; the panel:\n%s", len(m.list.Rows()), view)
	}

	m, cmd := m.Update(press("c"))
	msg := cmd()
	copied, ok := msg.(copiedMsg)
	if !ok {
		t.Fatalf("c gave %T", msg)
	}
	if n := len(strings.Split(copied.text, "\n")); int64(n) != total || copied.n != n {
		t.Errorf("copied %d ids (%d said), want all %d", n, copied.n, total)
	}
	m, cmd = m.Update(copied)
	if cmd == nil || !strings.Contains(m.Status(), "copied all") {
		t.Errorf("after copying: status %q, clipboard command %v", m.Status(), cmd != nil)
	}

	m, _ = run(t, m, func() tea.Cmd { _, c := m.Update(press("x")); return c }())
	if !strings.Contains(m.Status(), "wrote all") {
		t.Fatalf("after x: %q", m.Status())
	}
	src, err := os.ReadFile(filepath.Join(dir, "exports", "buyers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(src), "\n"); int64(n) != total+1 {
		t.Errorf("the CSV has %d lines, want a header and %d members", n, total)
	}
	// A second export is a new file, never over the first; Parquet too.
	m, _ = run(t, m, func() tea.Cmd { _, c := m.Update(press("x")); return c }())
	m, _ = run(t, m, func() tea.Cmd { _, c := m.Update(press("X")); return c }())
	for _, f := range []string{"buyers-2.csv", "buyers.parquet"} {
		if st, err := os.Stat(filepath.Join(dir, "exports", f)); err != nil || st.Mode().Perm() != 0o644 {
			t.Errorf("%s: %v", f, err)
		}
	}

	// Without a workspace, exporting says why it cannot.
	off := New(ctx, "off", Deps{Engine: eng}, theme.New(true))
	off.SetSize(80, 24)
	off, _ = run(t, off, off.Open("buyers", "buyers", res.Members, segments.UnitUser, res.AsOf))
	off, _ = off.Update(press("x"))
	if !strings.Contains(off.Status(), "exporting is off") {
		t.Errorf("export without a workspace: %q", off.Status())
	}
	// esc leaves the panel (after clearing a filter, when there is one).
	m, _ = m.Update(press("/"))
	m, _ = m.Update(press("u"))
	m, _ = m.Update(press("esc"))
	if m.Done() {
		t.Error("esc while filtering left the panel")
	}
	m, _ = m.Update(press("esc"))
	if !m.Done() {
		t.Error("esc did not leave the panel")
	}
}
