package segments

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/segscope/segscope/estimate"
	"github.com/segscope/segscope/query"
	seglang "github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/builder"
	"github.com/segscope/segscope/tui/theme"
)

// TestCachedRowsMatchFreshOnes: whatever changes in an entry (its count, estimate, error,
// mark, sparkline, the theme, the screen's width), the list shows the
// row as drawn afresh, never an older drawing from the row cache.
func TestCachedRowsMatchFreshOnes(t *testing.T) {
	m := New(context.Background(), Deps{}, theme.New(true))
	m.SetSize(160, 30)
	for _, name := range []string{"alpha", "beta", "gamma"} {
		m.entries = append(m.entries, entry{seg: &seglang.Segment{Name: name, Title: name + " people"}})
	}
	steps := []struct {
		name   string
		change func(m *Model)
	}{
		{"nothing counted yet", func(m *Model) {}},
		{"an estimate arrives", func(m *Model) {
			m.entries[0].est = &query.Estimate{Count: estimate.FromSample(24, 200, 1000)}
		}},
		{"the exact count replaces it", func(m *Model) {
			m.entries[0].est, m.entries[0].counted, m.entries[0].members = nil, true, 118
			m.universe[seglang.UnitUser] = 1000
		}},
		{"a count fails", func(m *Model) { m.entries[1].counted, m.entries[1].err = true, errors.New("no such event") }},
		{"a segment is marked", func(m *Model) { m.marked = append(m.marked, "alpha") }},
		{"a sparkline arrives", func(m *Model) { m.entries[0].sparked, m.entries[0].sizes = true, []int64{1, 5, 3, 9} }},
		{"the sparkline changes", func(m *Model) { m.entries[0].sizes = []int64{9, 5, 3, 1} }},
		{"a wider count widens the column", func(m *Model) { m.entries[2].counted, m.entries[2].members = true, 123456789 }},
		{"the universe grows", func(m *Model) { m.universe[seglang.UnitUser] = 2000 }},
		{"the theme changes", func(m *Model) { m.SetTheme(theme.New(false)) }},
		{"the screen narrows", func(m *Model) { m.SetSize(90, 30) }},
		{"a segment is unmarked", func(m *Model) { m.marked = nil }},
	}
	for _, st := range steps {
		st.change(&m)
		m.refreshRows()
		c, unitW := m.columns(), 0
		rows := m.list.Rows()
		for i, e := range m.entries {
			if want := m.row(e, c, unitW); rows[i].Text != want {
				t.Errorf("%s: row %s is\n%q\nwant\n%q", st.name, e.seg.Name, rows[i].Text, want)
			}
		}
	}
	if len(m.rows.rows) == 0 {
		t.Error("no row was kept in the cache")
	}
}

// TestSparklinesWaitForTheBuilder: while the builder is open the sparkline pass starts no
// new history (its counts and estimates would queue behind one), says it is not drawing,
// and goes on when the builder closes.
func TestSparklinesWaitForTheBuilder(t *testing.T) {
	m := New(context.Background(), Deps{Engine: new(query.Engine)}, theme.New(true))
	for _, name := range []string{"alpha", "beta"} {
		m.entries = append(m.entries, entry{seg: &seglang.Segment{Name: name}, counted: true})
	}
	m.builder = &builder.Model{}
	m, cmd := m.Update(sparkMsg{gen: m.gen, name: "alpha", sizes: []int64{1, 2}})
	if cmd != nil || !m.sparksHeld {
		t.Fatalf("with the builder open the next sparkline started (held %v)", m.sparksHeld)
	}
	if p := m.Pending(); strings.Contains(p, "drawing") {
		t.Errorf("held sparklines are said to be drawing: %q", p)
	}
	m, cmd = m.Update(builder.ClosedMsg{})
	if cmd == nil || m.sparksHeld {
		t.Errorf("closing the builder did not start beta's sparkline (held %v)", m.sparksHeld)
	}
	if p := m.Pending(); !strings.Contains(p, "drawing") {
		t.Errorf("the sparklines going on are not said to be drawing: %q", p)
	}
}
