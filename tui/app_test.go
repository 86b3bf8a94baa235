package tui

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/segscope/segscope/demo"
	"github.com/segscope/segscope/query"
)

// demoStore is shared by the tests of this package: building it takes most of a second.
func demoStore(t *testing.T) *query.Store {
	t.Helper()
	store, err := demo.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// fixedClock advances by 25ms per reading, so every query "takes" 25ms.
func fixedClock() func() time.Time {
	t := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(25 * time.Millisecond)
		return t
	}
}

func startApp(t *testing.T, store *query.Store, w, h int) *teatest.TestModel {
	t.Helper()
	m := New(context.Background(), Env{Store: store, StoreName: "demo", Dark: true, Clock: fixedClock()})
	return teatest.NewTestModel(t, m,
		teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
}

func waitForText(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte(text))
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func finalScreen(t *testing.T, tm *teatest.TestModel) string {
	t.Helper()
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
	return ansi.Strip(fm.(Model).View().Content)
}

func TestDataScreenGolden(t *testing.T) {
	store := demoStore(t)
	for _, size := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"200x60", 200, 60}} {
		t.Run(size.name, func(t *testing.T) {
			tm := startApp(t, store, size.w, size.h)
			waitForText(t, tm, "Event names")
			screen := finalScreen(t, tm)
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

func TestHelpTogglesFullHelp(t *testing.T) {
	tm := startApp(t, demoStore(t), 100, 30)
	waitForText(t, tm, "Event names")
	tm.Send(tea.KeyPressMsg{Code: '?', Text: "?"})
	screen := finalScreen(t, tm)
	if !strings.Contains(screen, "previous screen") {
		t.Errorf("full help not shown:\n%s", screen)
	}
}

func TestResizeRedrawsToNewSize(t *testing.T) {
	tm := startApp(t, demoStore(t), 120, 40)
	waitForText(t, tm, "Event names")
	tm.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	screen := finalScreen(t, tm)
	lines := strings.Split(screen, "\n")
	if len(lines) != 24 {
		t.Errorf("after resize: %d lines, want 24", len(lines))
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > 80 {
			t.Errorf("after resize line %d wider than 80: %q", i, l)
		}
	}
}
