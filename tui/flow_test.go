package tui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/segscope/segscope/query"
	sampledata "github.com/segscope/segscope/sample-data"
)

// still is a clock that never moves: every duration on screen is 0, so screens that show
// query times are the same on every run.
func still() time.Time { return time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC) }

// probe wraps the explorer so a test can wait until the model itself (not its output
// stream) reaches a state, then look at exactly what it draws.
type probe struct {
	Model
	w *waiter
}

type waiter struct {
	mu   sync.Mutex
	cond func(Model) bool
	hit  chan struct{}
	// updates and views count the messages the explorer handled and the frames it drew
	// (pokes from the test excluded), for the idle test.
	updates, views atomic.Int64
}

type pokeMsg struct{}

func (p probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(pokeMsg); ok {
		p.w.check(p.Model)
		return p, nil
	}
	p.w.updates.Add(1)
	m, cmd := p.Model.Update(msg)
	p.Model = m.(Model)
	p.w.check(p.Model)
	return p, cmd
}

func (p probe) View() tea.View {
	p.w.views.Add(1)
	return p.Model.View()
}

func (w *waiter) check(m Model) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cond != nil && w.cond(m) {
		w.cond = nil
		close(w.hit)
	}
}

// flow drives one explorer session.
type flow struct {
	t  *testing.T
	tm *teatest.TestModel
	w  *waiter
}

func startFlow(t *testing.T, store *query.Store, workspace string, w, h int) *flow {
	t.Helper()
	m := New(context.Background(), Env{Store: store, StoreName: "demo", Workspace: workspace, WorkspaceLabel: "workspace", Dark: true, Clock: still})
	wt := &waiter{}
	tm := teatest.NewTestModel(t, probe{Model: m, w: wt},
		teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	return &flow{t: t, tm: tm, w: wt}
}

// until waits for the explorer's screen to satisfy ok.
func (f *flow) until(what string, ok func(screen string) bool) {
	f.t.Helper()
	f.untilModel(what, func(_ Model, screen string) bool { return ok(screen) })
}

// untilModel waits for the explorer's model and the screen it draws to satisfy ok.
func (f *flow) untilModel(what string, ok func(m Model, screen string) bool) {
	f.t.Helper()
	hit := make(chan struct{})
	var last string
	f.w.mu.Lock()
	f.w.cond = func(m Model) bool {
		if m.width == 0 {
			return false
		}
		last = ansi.Strip(m.render())
		return ok(m, last)
	}
	f.w.hit = hit
	f.w.mu.Unlock()
	f.tm.Send(pokeMsg{})
	select {
	case <-hit:
	case <-time.After(15 * time.Second):
		f.w.mu.Lock()
		defer f.w.mu.Unlock()
		f.t.Fatalf("timed out waiting for %s; the screen:\n%s", what, last)
	}
}

func (f *flow) showing(text string) {
	f.t.Helper()
	f.until(text, func(s string) bool { return strings.Contains(s, text) })
}

// idle reports whether no screen of m has background work.
func idle(m Model) bool {
	return m.info != nil && m.segments.Pending() == "" && m.overlap.Pending() == "" &&
		m.timeline.Pending() == "" && m.exper.Pending() == "" && m.segments.Workspace() != nil
}

// settled waits until no screen has background work.
func (f *flow) settled() {
	f.t.Helper()
	f.w.mu.Lock()
	hit := make(chan struct{})
	f.w.cond = idle
	f.w.hit = hit
	f.w.mu.Unlock()
	f.tm.Send(pokeMsg{})
	select {
	case <-hit:
	case <-time.After(20 * time.Second):
		f.t.Fatal("timed out waiting for background work")
	}
}

// quiet is the screen at a moment when no screen has background work. A screen peeked
// after settled may already show new work: a message still on its way when the work
// stopped can start more (a replay's result sets the Experiment screen simulating), and
// its spinner would then be in a golden.
func (f *flow) quiet() string {
	f.t.Helper()
	var screen string
	f.untilModel("no background work", func(m Model, s string) bool { screen = s; return idle(m) })
	return screen
}

func (f *flow) keys(keys ...string) {
	for _, k := range keys {
		f.tm.Send(keyPress(k))
	}
}

func (f *flow) typ(s string) { f.tm.Type(s) }

func keyPress(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// screen quits and returns the last screen.
func (f *flow) screen() string {
	f.t.Helper()
	f.tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	fm := f.tm.FinalModel(f.t, teatest.WithFinalTimeout(5*time.Second))
	return ansi.Strip(fm.(probe).Model.render())
}

func checkShape(t *testing.T, screen string, w, h int) {
	t.Helper()
	lines := strings.Split(screen, "\n")
	if len(lines) != h {
		t.Errorf("screen has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			t.Errorf("line %d wider than %d: %q", i, w, l)
		}
	}
}

// demoWorkspace writes the demo workspace into a folder of the test's own. Screens name
// it by the label startFlow gives ("workspace"), so golden files do not depend on the
// folder's random name, and test runs in other processes cannot delete it underneath.
func demoWorkspace(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "workspace")
	if err := sampledata.WriteWorkspace(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

var sizes = []struct {
	name string
	w, h int
}{{"80x24", 80, 24}, {"200x60", 200, 60}}

func TestSegmentsScreenGolden(t *testing.T) {
	store, ws := demoStore(t), demoWorkspace(t)
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			f := startFlow(t, store, ws, size.w, size.h)
			f.keys("2")
			f.settled()
			screen := f.screen()
			checkShape(t, screen, size.w, size.h)
			if !strings.Contains(screen, "cart_abandoners") || !strings.Contains(screen, "74") {
				t.Errorf("cart_abandoners and its count (74) not listed:\n%s", screen)
			}
			golden.RequireEqual(t, screen)
		})
	}
}

// TestBuildSegmentFlow is the issue's scenario on the keyboard: a new segment "added to cart
// in the last 7 days and did not buy within 2 hours, and not a frequent buyer", its live count
// and waterfall, the SQL, saving, and finding it in the list with the count the engine gives.
func TestBuildSegmentFlow(t *testing.T) {
	store := demoStore(t)
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			ws := demoWorkspace(t)
			f := startFlow(t, store, ws, size.w, size.h)
			f.keys("2")
			f.settled()
			f.keys("n", "a")
			f.typ("then not")
			f.keys("enter", "esc", "a")
			f.typ("member")
			f.keys("enter", "enter", "ctrl+u")
			f.typ("frequent_buyers")
			f.keys("enter", "esc", "n")
			f.showing("66")
			// Name it: up to the segment's header, edit the name.
			f.keys("k", "k", "k", "k", "enter", "enter", "ctrl+u")
			f.typ("fresh_cart_abandoners")
			f.keys("enter", "esc")
			f.until("the count after renaming", func(s string) bool {
				return strings.Contains(s, "fresh_cart_abandoners") && strings.Contains(s, "66")
			})
			golden.RequireEqual(t, f.quiet())

			f.keys("v")
			f.showing("SELECT")
			f.keys("esc", "s")
			f.showing("saved ")
			f.keys("esc")
			f.until("the list", func(s string) bool { return !strings.Contains(s, "Builder") })
			f.keys("/")
			f.typ("fresh")
			f.until("the saved segment in the list with its count", func(s string) bool {
				for _, l := range strings.Split(s, "\n") {
					if strings.Contains(l, "fresh_cart_abandoners") && strings.Contains(l, "66") {
						return true
					}
				}
				return false
			})
			screen := f.screen()
			checkShape(t, screen, size.w, size.h)

			src, err := os.ReadFile(filepath.Join(ws, "segments", "fresh_cart_abandoners.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			want := `name: fresh_cart_abandoners
where:
  all:
    - did: add_to_cart
      then_not: purchase
      within: 2h
      in_last: 7d
    - not:
        segment: frequent_buyers
`
			if string(src) != want {
				t.Errorf("saved file:\n%s\nwant:\n%s", src, want)
			}
		})
	}
}

// peek is the screen as it is now, without ending the session.
func (f *flow) peek() string {
	f.t.Helper()
	var screen string
	f.until("a screen", func(s string) bool { screen = s; return true })
	return screen
}

func TestOverlapScreenGolden(t *testing.T) {
	store, ws := demoStore(t), demoWorkspace(t)
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			f := startFlow(t, store, ws, size.w, size.h)
			f.keys("2")
			f.settled()
			// Mark the first three segments of the list, then compare them.
			f.keys("space", "j", "space", "j", "space", "3")
			f.until("the three marked segments compared", func(s string) bool {
				return strings.Contains(s, "Overlap · 3 segments") && strings.Contains(s, "exclusive intersections")
			})
			matrix := f.quiet()
			checkShape(t, matrix, size.w, size.h)
			golden.RequireEqual(t, matrix)

			// A cell lists the members of both segments.
			f.keys("l", "enter")
			f.showing("members")
			f.until("the member sample", func(s string) bool { return strings.Contains(s, "last seen") })
			screen := f.screen()
			if !strings.Contains(screen, "∩") {
				t.Errorf("member panel does not say which intersection:\n%s", screen)
			}
		})
	}
}

func TestAsOfChangesCounts(t *testing.T) {
	store, ws := demoStore(t), demoWorkspace(t)
	f := startFlow(t, store, ws, 120, 40)
	f.keys("2")
	f.settled()
	f.keys("1", "a", "ctrl+u")
	f.typ("2026-10-01")
	f.keys("enter")
	f.showing("as of 2026-10-01 23:59 UTC")
	f.keys("2")
	f.settled()
	screen := f.screen()
	// The demo's cart abandoners (74 as of the latest event) all abandoned in its last
	// week; as of 2026-10-01 there are none.
	found := false
	for _, l := range strings.Split(screen, "\n") {
		if f := strings.Fields(l); len(f) >= 4 && f[0] == "cart_abandoners" {
			found = true
			if f[2] != "0" {
				t.Errorf("cart_abandoners as of 2026-10-01: %q, want 0 members", l)
			}
		}
	}
	if !found {
		t.Errorf("cart_abandoners not listed:\n%s", screen)
	}
	if !strings.Contains(screen, "as of 2026-10-01 23:59 UTC") {
		t.Errorf("status bar does not show the new as_of:\n%s", screen)
	}
}

func TestMouseSwitchesTabsAndSelectsRows(t *testing.T) {
	store, ws := demoStore(t), demoWorkspace(t)
	f := startFlow(t, store, ws, 120, 40)
	f.showing("Event names")
	// "segscope  1 Data   2 Segments   3 Overlap": the Segments tab starts at column 18.
	f.tm.Send(tea.MouseClickMsg{X: 20, Y: 0, Button: tea.MouseLeft})
	f.settled()
	// Rows start under the tab bar, the blank line, the list's title and its column header:
	// the third row.
	f.tm.Send(tea.MouseClickMsg{X: 5, Y: 6, Button: tea.MouseLeft})
	f.tm.Send(tea.MouseClickMsg{X: 5, Y: 6, Button: tea.MouseLeft})
	f.showing("Builder cart_abandoners")
	screen := f.peek()
	if !strings.Contains(screen, "did add_to_cart") {
		t.Errorf("the clicked segment did not open in the builder:\n%s", screen)
	}
	f.screen()
}

func TestBuilderShowsErrorsInlineAndConfirmsQuit(t *testing.T) {
	store, ws := demoStore(t), demoWorkspace(t)
	f := startFlow(t, store, ws, 100, 30)
	f.keys("2")
	f.settled()
	f.keys("n", "a")
	f.typ("member")
	f.keys("enter", "enter", "ctrl+u")
	f.typ("no_such_segment")
	f.showing(`unknown segment "no_such_segment"`)
	screen := f.peek()
	if !strings.Contains(screen, "the definition is not valid") && !strings.Contains(screen, "not valid") {
		t.Errorf("the preview does not say the draft is invalid:\n%s", screen)
	}
	// q while typing is text; in the tree it asks about the unsaved segment before quitting.
	f.keys("esc", "esc", "q")
	f.showing("Unsaved changes to new_segment")
	f.keys("d")
	f.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}
