package list

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/segscope/segscope/tui/theme"
)

func press(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

func rows(n int, width int) []Row {
	out := make([]Row, n)
	for i := range out {
		id := fmt.Sprintf("u%04d", i)
		out[i] = Row{Key: id, Text: id + strings.Repeat(".", max(0, width-len(id)-1)) + "|"}
	}
	return out
}

func send(l Model, keys ...string) Model {
	for _, k := range keys {
		l, _, _ = l.Update(press(k))
	}
	return l
}

func plain(l Model) []string { return strings.Split(ansi.Strip(l.View()), "\n") }

func TestCursorIsVisibleWithoutColour(t *testing.T) {
	l := New(theme.New(true), Selectable())
	l.SetSize(30, 6)
	l.SetRows(rows(3, 10))
	l = send(l, "j")
	lines := plain(l)
	if !strings.HasPrefix(lines[1], "▸ u0001") {
		t.Errorf("cursor row %q, want it marked with ▸", lines[1])
	}
	if !strings.HasPrefix(lines[0], "  u0000") {
		t.Errorf("other row %q, want it unmarked", lines[0])
	}
}

func TestMovesLikeK9s(t *testing.T) {
	for _, tc := range []struct {
		keys []string
		want int
	}{
		{[]string{"G"}, 99},
		{[]string{"G", "g"}, 0},
		{[]string{"pgdown"}, 8}, // a page is the rows shown less one
		{[]string{"j", "j", "k"}, 1},
		{[]string{"k"}, 0},
		{[]string{"G", "j"}, 99},
	} {
		l := New(theme.New(true), Selectable())
		l.SetSize(30, 10) // 9 rows and the footer
		l.SetRows(rows(100, 10))
		l = send(l, tc.keys...)
		if got := l.Index(); got != tc.want {
			t.Errorf("%v: cursor on %d, want %d", tc.keys, got, tc.want)
		}
		if lines := plain(l); len(lines) != 10 {
			t.Errorf("%v: %d lines, want 10", tc.keys, len(lines))
		}
	}
}

func TestWheelAndClick(t *testing.T) {
	l := New(theme.New(true), Selectable())
	l.SetSize(30, 10)
	l.SetHeader("id")
	l.SetRows(rows(20, 10))
	l, _, _ = l.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	l, _, _ = l.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if l.Index() != 2 {
		t.Errorf("after two wheel turns the cursor is on %d, want 2", l.Index())
	}
	if i, ok := l.Click(l.RowsTop() + 4); !ok || i != 4 || l.Index() != 4 {
		t.Errorf("click on the fifth row: %d %v (cursor %d)", i, ok, l.Index())
	}
	if _, ok := l.Click(0); ok {
		t.Error("a click on the header selected a row")
	}
}

func TestFilterKeepsMatchesAndClears(t *testing.T) {
	l := New(theme.New(true), Selectable(), Filterable(false), Noun("members"))
	l.SetSize(40, 10)
	l.SetRows(rows(30, 10))
	l = send(l, "/", "1", "2")
	if !l.Filtering() {
		t.Fatal("/ did not start the filter")
	}
	if l.Len() != 1 || l.Rows()[l.Index()].Key != "u0012" {
		t.Fatalf("filter 12 keeps %d rows, cursor on %d", l.Len(), l.Index())
	}
	l = send(l, "enter")
	if l.Filtering() || l.FilterText() != "12" {
		t.Errorf("enter should keep the filter and stop typing: filtering %v, %q", l.Filtering(), l.FilterText())
	}
	if s := ansi.Strip(l.View()); !strings.Contains(s, "(/12 of 30)") {
		t.Errorf("footer does not say the list is filtered:\n%s", s)
	}
	l = send(l, "/", "ctrl+u")
	if l.Len() != 30 {
		t.Errorf("ctrl+u should clear the filter: %d rows", l.Len())
	}
	l = send(l, "9", "esc")
	if l.Filtering() || l.FilterText() != "" || l.Len() != 30 {
		t.Errorf("esc should clear the filter: %v %q %d", l.Filtering(), l.FilterText(), l.Len())
	}
	l = send(l, "/", "z", "z")
	if s := ansi.Strip(l.View()); !strings.Contains(s, "nothing matches") {
		t.Errorf("no 'nothing matches' line:\n%s", s)
	}
}

func TestSidewaysScrollShowsMarkers(t *testing.T) {
	l := New(theme.New(true), Selectable())
	l.SetSize(22, 6) // 20 columns of row
	l.SetHeader("id" + strings.Repeat(" ", 30) + "END")
	l.SetRows(append(rows(2, 40), Row{Key: "note", Text: "prose stays", Fixed: true}))
	lines := plain(l)
	if !strings.HasSuffix(lines[0], "›") || strings.Contains(lines[0], "‹") {
		t.Errorf("header before scrolling %q: want › at the right edge only", lines[0])
	}
	if !strings.Contains(lines[len(lines)-1], "cols 1–20 of 40") {
		t.Errorf("footer %q does not say which columns are shown", lines[len(lines)-1])
	}
	l = send(l, "l")
	lines = plain(l)
	if !strings.HasPrefix(strings.TrimLeft(lines[0], " "), "‹") {
		t.Errorf("header after l %q: want ‹ at the left edge", lines[0])
	}
	if !strings.Contains(lines[3], "prose stays") {
		t.Errorf("a fixed row moved sideways: %q", lines[3])
	}
	l = send(l, "l", "l", "l", "l", "l")
	lines = plain(l)
	if !strings.HasSuffix(strings.TrimRight(lines[1], " "), "|") {
		t.Errorf("scrolled to the end, the row %q should show its last column", lines[1])
	}
	l = send(l, "h", "h", "h", "h", "h", "h")
	if l.Left() != 0 {
		t.Errorf("h back: left %d, want 0", l.Left())
	}
	for i, line := range plain(l) {
		if w := ansi.StringWidth(line); w > 22 {
			t.Errorf("line %d is %d wide, more than 22: %q", i, w, line)
		}
	}
}

func TestSetRowsKeepsTheSelection(t *testing.T) {
	l := New(theme.New(true), Selectable())
	l.SetSize(30, 10)
	l.SetRows(rows(10, 10))
	l = send(l, "j", "j", "j")
	l.SetRows(rows(12, 12)) // the same keys, redrawn
	if l.Index() != 3 {
		t.Errorf("cursor moved to %d when the rows were refreshed", l.Index())
	}
}

func TestDocumentScrolls(t *testing.T) {
	l := New(theme.New(true))
	l.SetSize(30, 5)
	l.SetRows(rows(10, 10))
	l = send(l, "j", "j")
	lines := plain(l)
	if !strings.HasPrefix(lines[0], "u0002") {
		t.Errorf("document scrolled by two lines should start at u0002: %q", lines[0])
	}
	if !strings.Contains(lines[len(lines)-1], "lines 3–6 of 10") {
		t.Errorf("footer %q", lines[len(lines)-1])
	}
	if l.Index() != -1 {
		t.Errorf("a document has no cursor, got %d", l.Index())
	}
}

// TestSetRowsKeepsTheScroll: a document laid out again (a spinner turned, a result landed)
// stays where it was scrolled to.
func TestSetRowsKeepsTheScroll(t *testing.T) {
	l := New(theme.New(true))
	l.SetSize(30, 5)
	l.SetRows(rows(20, 10))
	l = send(l, "j", "j", "j", "l")
	l.SetRows(rows(20, 40))
	if l.Top() != 3 {
		t.Errorf("top %d after the rows were redrawn, want 3", l.Top())
	}
}
