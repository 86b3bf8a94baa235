package data

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/tui/theme"
)

func fixtureInfo() *query.Info {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var daily []query.DayCount
	for i := range 90 {
		daily = append(daily, query.DayCount{Day: start.AddDate(0, 0, i), Count: int64(100 + (i%7)*30 + i)})
	}
	return &query.Info{
		Store: "(memory)", Events: 25_340, Users: 1_200, Accounts: 140,
		First: start, Last: start.AddDate(0, 0, 89).Add(23 * time.Hour),
		EventCounts: []query.NameCount{
			{Name: "page_view", Count: 12000}, {Name: "add_to_cart", Count: 5000}, {Name: "purchase", Count: 2100},
			{Name: "email_open", Count: 3000}, {Name: "app_open", Count: 2000}, {Name: "evil\x1b]52;c;aGk=\x07name", Count: 1240},
		},
		Daily: daily,
		Properties: []query.PropertyInfo{
			{Key: "page", Type: "VARCHAR", Events: 12000, Examples: []string{"pricing", "home", "docs"}},
			{Key: "sku", Type: "VARCHAR", Events: 7100, Examples: []string{"SKU-1", "SKU-2"}},
		},
		Attributes: []query.AttributeInfo{{Name: "plan", Type: "VARCHAR", Users: 1200, Examples: []string{"free", "pro"}}},
		Rejected:   3,
	}
}

func render(w, h int) string {
	m := New(theme.New(true))
	m.SetSize(w, h)
	m.SetInfo(fixtureInfo())
	m.SetAsOf(time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC))
	return ansi.Strip(m.View())
}

func TestViewGolden(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"80x20", 80, 20}, {"200x56", 200, 56}} {
		t.Run(size.name, func(t *testing.T) {
			out := render(size.w, size.h)
			for i, line := range strings.Split(out, "\n") {
				if ansi.StringWidth(line) > size.w {
					t.Errorf("line %d is wider than %d: %q", i, size.w, line)
				}
			}
			if n := strings.Count(out, "\n") + 1; n > size.h {
				t.Errorf("%d lines, want at most %d", n, size.h)
			}
			if strings.Contains(out, "\x1b]52") {
				t.Error("an escape sequence from event data reached the screen")
			}
			golden.RequireEqual(t, out)
		})
	}
}

func TestScrollStaysInRange(t *testing.T) {
	m := New(theme.New(true))
	m.SetSize(80, 12)
	m.SetInfo(fixtureInfo())
	for range 40 {
		m, _ = m.Update(tea.KeyPressMsg{Code: 'j', Text: "j"})
	}
	// Scrolled to the end, the last section (the user attributes) is in view.
	if v := ansi.Strip(m.View()); !strings.Contains(v, "plan") || !strings.Contains(v, "User attributes") {
		t.Errorf("scrolled to the end, the attributes are not in view:\n%s", v)
	}
	if top, last := m.lists.Top(), m.lists.Len()-1; top > last {
		t.Errorf("scrolled past the end: top %d of %d lines", top, last+1)
	}
	for range 60 {
		m, _ = m.Update(tea.KeyPressMsg{Code: 'k', Text: "k"})
	}
	if m.lists.Top() != 0 {
		t.Errorf("top = %d after scrolling past the top", m.lists.Top())
	}
}

// TestBarsKeepOneScale: a scrolled page of event names is drawn on the scale of the whole
// list (a rare event is a short bar on every page).
func TestBarsKeepOneScale(t *testing.T) {
	m := New(theme.New(true))
	m.SetSize(80, 12)
	m.SetInfo(fixtureInfo())
	for range 5 {
		m, _ = m.Update(tea.KeyPressMsg{Code: 'j', Text: "j"})
	}
	for _, l := range strings.Split(ansi.Strip(m.View()), "\n") {
		if strings.HasPrefix(l, "app_open") && strings.Count(l, "█") > 12 {
			t.Errorf("app_open (2,000 of 12,000 at most) drawn as a long bar on its page: %q", l)
		}
	}
}

func TestPlaceholderBeforeInfo(t *testing.T) {
	m := New(theme.New(false))
	m.SetSize(80, 20)
	if !strings.Contains(ansi.Strip(m.View()), "Reading the store") {
		t.Error("no placeholder before the store is read")
	}
}
