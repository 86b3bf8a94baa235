package timeline

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/segscope/segscope/demo"
	"github.com/segscope/segscope/report/format"
	sampledata "github.com/segscope/segscope/sample-data"
	"github.com/segscope/segscope/sim"
	"github.com/segscope/segscope/tui/layout"
	"github.com/segscope/segscope/tui/theme"
)

func TestBucketDays(t *testing.T) {
	for _, tc := range []struct{ days, cols, want int }{
		{88, 200, 1}, {88, 88, 1}, {88, 74, 7}, {88, 12, 14}, {88, 4, 28},
		{365, 20, 28}, {730, 10, 91}, {3650, 5, 1456}, {1, 0, 1},
	} {
		if got := bucketDays(tc.days, tc.cols); got != tc.want {
			t.Errorf("bucketDays(%d, %d) = %d, want %d", tc.days, tc.cols, got, tc.want)
		}
	}
}

func TestBucketize(t *testing.T) {
	day := func(i int, sends ...int) sim.Day {
		return sim.Day{Day: time.Date(2026, 9, 1+i, 0, 0, 0, 0, time.UTC), Sends: sends,
			Deferred: make([]int, len(sends)), Suppressed: []int{i % 2, 0}, Collisions: i / 8, Journeys: 1}
	}
	var days []sim.Day
	for i := range 10 {
		days = append(days, day(i, i, 1))
	}
	bs := bucketize(days, 2, 7)
	if len(bs) != 2 {
		t.Fatalf("got %d buckets, want 2", len(bs))
	}
	if b := bs[0]; b.Days != 7 || b.Sends[0] != 0+1+2+3+4+5+6 || b.Sends[1] != 7 || b.Suppressed != 3 || b.Journeys != 7 || b.Collisions != 0 {
		t.Errorf("first bucket %+v", b)
	}
	if b := bs[1]; b.Days != 3 || b.Sends[0] != 7+8+9 || b.Total() != 27 || b.Collisions != 2 || !b.To.Equal(days[9].Day) {
		t.Errorf("last bucket %+v", b)
	}
}

func TestStackColumn(t *testing.T) {
	runes := func(cs []cell) string {
		var sb strings.Builder
		for _, c := range cs {
			sb.WriteRune(c.r)
		}
		return sb.String()
	}
	for _, tc := range []struct {
		name   string
		values []int
		top, h int
		want   string // bottom first
	}{
		{"two series fill", []int{4, 4}, 8, 2, "█▓"},
		// 2+2 of 8 over two cells fills exactly the bottom cell; its middle is series 1's.
		{"half height", []int{2, 2}, 8, 2, "▓ "},
		{"empty", []int{0, 0}, 8, 3, "   "},
		{"tiny is visible", []int{1, 0}, 1000, 2, "▁ "},
		{"partial top", []int{3}, 4, 2, "█▄"},
		{"third series", []int{1, 1, 1}, 3, 3, "█▓▒"},
	} {
		got := runes(stackColumn(tc.values, tc.top, tc.h))
		if got != tc.want {
			t.Errorf("%s: stackColumn(%v, %d, %d) = %q, want %q", tc.name, tc.values, tc.top, tc.h, got, tc.want)
		}
	}
}

func TestStackedBarsWidth(t *testing.T) {
	st := []lipgloss.Style{lipgloss.NewStyle()}
	for _, colW := range []int{1, 2, 3, 5} {
		rows := stackedBars([][]int{{1, 2}, {3, 0}, {0, 0}}, 3, colW, 4, st)
		for i, r := range rows {
			if w := ansi.StringWidth(r); w != 3*colW {
				t.Errorf("colW %d row %d: width %d, want %d", colW, i, w, 3*colW)
			}
		}
	}
}

// testRoot stands in for the app: it gives the screen the body of a w×h terminal (less
// the four lines of chrome) and quits on q.
type testRoot struct {
	m    Model
	w, h int
}

func (r testRoot) Init() tea.Cmd { return r.m.Init() }

func (r testRoot) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		r.w, r.h = msg.Width, msg.Height
		r.m.SetSize(msg.Width, msg.Height-4)
		return r, nil
	case tea.KeyPressMsg:
		if msg.String() == "q" && !r.m.Capturing() {
			return r, tea.Quit
		}
	}
	var cmd tea.Cmd
	r.m, cmd = r.m.Update(msg)
	return r, cmd
}

func (r testRoot) View() tea.View { return tea.NewView(r.screen()) }

func (r testRoot) screen() string {
	if r.h < 5 {
		return ""
	}
	hm := help.New()
	hm.SetWidth(r.w)
	body := layout.Fit(r.m.View(), r.w, r.h-4)
	return strings.Join([]string{"segscope · timeline", "", body, "pending: " + r.m.Pending(), hm.View(r.m.KeyMap())}, "\n")
}

func fixedClock() func() time.Time {
	t := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(25 * time.Millisecond)
		return t
	}
}

func start(t *testing.T, w, h int) *teatest.TestModel {
	t.Helper()
	ctx := context.Background()
	store, err := demo.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	dir := filepath.Join(t.TempDir(), "demo")
	if err := sampledata.WriteWorkspace(dir); err != nil {
		t.Fatal(err)
	}
	// The directory is a temporary one: the screen shows a stable name in the goldens.
	m := New(ctx, Deps{Store: store, Dir: "demo", Clock: fixedClock()}, theme.New(true))
	m.loadDir = dir
	return teatest.NewTestModel(t, testRoot{m: m},
		teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
}

func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(text)) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

func final(t *testing.T, tm *teatest.TestModel) testRoot {
	t.Helper()
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	return tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(testRoot)
}

func TestTimelineGolden(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"200x60", 200, 60}} {
		t.Run(size.name, func(t *testing.T) {
			tm := start(t, size.w, size.h)
			waitFor(t, tm, "cart_recovery")
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
			waitFor(t, tm, "conversions (")
			r := final(t, tm)
			screen := ansi.Strip(r.screen())
			lines := strings.Split(screen, "\n")
			if len(lines) != size.h {
				t.Errorf("screen has %d lines, want %d", len(lines), size.h)
			}
			for i, l := range lines {
				if ansi.StringWidth(l) > size.w {
					t.Errorf("line %d wider than %d: %q", i, size.w, l)
				}
			}
			golden.RequireEqual(t, screen)
		})
	}
}

func TestPersonTimeline(t *testing.T) {
	tm := start(t, 100, 30)
	waitFor(t, tm, "cart_recovery")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, "conversions (")
	tm.Send(tea.KeyPressMsg{Code: 'p', Text: "p"})
	waitFor(t, tm, "last seen") // the list of people has landed
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, "journey starts")
	r := final(t, tm)
	if r.m.tl == nil || len(r.m.tl.Journeys) == 0 {
		t.Fatalf("no timeline with journeys: %+v", r.m.tl)
	}
	screen := ansi.Strip(r.screen())
	for _, want := range []string{"Person u", "▶ journey starts", "■ exits"} {
		if !strings.Contains(screen, want) {
			t.Errorf("timeline lacks %q:\n%s", want, screen)
		}
	}
}

func TestUnknownPersonShowsError(t *testing.T) {
	tm := start(t, 100, 30)
	waitFor(t, tm, "cart_recovery")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, "conversions (")
	tm.Send(tea.KeyPressMsg{Code: 'p', Text: "p"})
	tm.Type("nobody-here")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, "no such person")
	r := final(t, tm)
	if r.m.personErr == nil {
		t.Fatal("want an error for an unknown user id")
	}
}

func TestNoWorkspace(t *testing.T) {
	m := New(context.Background(), Deps{}, theme.New(true))
	m.SetSize(80, 20)
	if v := ansi.Strip(m.View()); !strings.Contains(v, "No workspace folder") {
		t.Errorf("view without a workspace: %q", v)
	}
}

// TestPeopleListedAreCopiedWhole: the people a replay lists are a member list like the
// others: esc stops typing an id, c copies the ids of everyone the campaign reached (not
// only the examples listed), and a person's timeline scrolls
// sideways to the properties its events carry.
func TestPeopleListedAreCopiedWhole(t *testing.T) {
	tm := start(t, 80, 24)
	waitFor(t, tm, "cart_recovery")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, "conversions (")
	tm.Send(tea.KeyPressMsg{Code: 'p', Text: "p"})
	waitFor(t, tm, "last seen")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape}) // stop typing: the list's keys work
	waitFor(t, tm, "c copies the ids of all")
	tm.Send(tea.KeyPressMsg{Code: 'c', Text: "c"})
	waitFor(t, tm, "copied the ids of all")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, "journey starts")
	for range 4 {
		tm.Send(tea.KeyPressMsg{Code: 'l', Text: "l"})
	}
	r := final(t, tm)
	reached := r.m.replay.Campaigns[r.m.shown].Reached
	if !strings.Contains(r.m.pickStatus, fmt.Sprintf("copied the ids of all %s people reached", format.Count(int64(reached)))) ||
		reached <= len(r.m.people) {
		t.Errorf("after c: %q (%d people listed, %d reached)", r.m.pickStatus, len(r.m.people), reached)
	}
	if r.m.lines.Left() == 0 {
		t.Error("the person's timeline did not scroll sideways")
	}
	if screen := ansi.Strip(r.screen()); !strings.Contains(screen, "‹") {
		t.Errorf("no marker says the timeline is scrolled:\n%s", screen)
	}
}
