// Package list is the explorer's one way of showing rows, so that every list reads and
// moves the same (k9s and lazygit teach this: one navigation grammar everywhere):
//
//   - the row under the cursor is marked with ▸, which stays visible without colour
//     (NO_COLOR, monochrome terminals), and highlighted where colour exists;
//   - `/` filters (typing narrows, enter keeps the filter, esc clears it), g/G go to the
//     top and bottom, pgup/pgdn (and ctrl+b/ctrl+f) page, the mouse wheel scrolls and a
//     click selects;
//   - rows wider than the screen scroll sideways with h/l (←/→), and a cut row shows ‹ or ›
//     at the edge where it goes on, so a table never hides columns silently.
//
// A list without a cursor is a scrolling document (a report, a person's timeline): its
// rows are lines, and rows marked Fixed (wrapped prose) stay put when the tables scroll
// sideways.
package list

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/tui/fuzzy"
	"github.com/segscope/segscope/tui/layout"
	"github.com/segscope/segscope/tui/theme"
)

// Row is one row of a list.
type Row struct {
	Key   string // what the filter matches: plain text
	Text  string // the row as drawn, styled; it may be wider than the list
	Fixed bool   // drawn as it is, never scrolled sideways (prose already wrapped to fit)
}

// KeyMap is the list's keys; screens add their own beside them.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom, Left, Right, Filter key.Binding
}

// DefaultKeyMap is the same on every screen.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "top")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "bottom")),
		Left:     key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "scroll left")),
		Right:    key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "scroll right")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
	}
}

// Bindings are the keys that apply to l now, for help: sideways scrolling only when a row
// is wider than the list, the filter only when it filters.
func (l Model) Bindings() []key.Binding {
	k := l.keys
	out := []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
	if l.contentWidth() > l.bodyWidth() {
		out = append(out, k.Left, k.Right)
	}
	if l.filterable {
		out = append(out, k.Filter)
	}
	return out
}

// sideStep is how far one h/l moves: a few columns of a table at a time.
const sideStep = 8

// Model is a list.
type Model struct {
	th     *theme.Theme
	keys   KeyMap
	rows   []Row
	header []string
	// widths are the rows' display widths and headerWidth the header's widest line,
	// measured once when they are set: a frame asks for the widest row several times,
	// and measuring every row's graphemes each time made a list of a few dozen rows the
	// costliest part of drawing (twenty SSH visitors' Segments screens).
	widths      []int
	headerWidth int
	vis         []int // indexes into rows that the filter keeps, in the order shown
	cursor      int   // index into vis
	top         int   // first row of vis shown
	left        int   // columns scrolled sideways
	width       int
	height      int
	selectable  bool
	filterable  bool
	fuzzy       bool
	filter      textinput.Model
	filtering   bool
	empty       string
	noMatch     string
	noun        string
}

// Option configures a list.
type Option func(*Model)

// Selectable gives the list a cursor (▸); without it the list is a document that scrolls.
func Selectable() Option { return func(l *Model) { l.selectable = true } }

// Filterable lets `/` filter the rows by their Key; fuzzily ranks the matches best first
// (names), otherwise rows that contain the text keep their order (ids).
func Filterable(fuzzily bool) Option {
	return func(l *Model) { l.filterable, l.fuzzy = true, fuzzily }
}

// Empty is what the list says when it has no rows.
func Empty(s string) Option { return func(l *Model) { l.empty = s } }

// Noun names the rows in the footer ("members", "segments"); the default is "rows".
func Noun(s string) Option { return func(l *Model) { l.noun = s } }

// New builds an empty list.
func New(th *theme.Theme, opts ...Option) Model {
	in := theme.NewInput()
	in.Prompt = "/ "
	in.Placeholder = "type to filter · enter keep · esc clear"
	l := Model{th: th, keys: DefaultKeyMap(), filter: in, noun: "rows", noMatch: "nothing matches the filter"}
	for _, o := range opts {
		o(&l)
	}
	return l
}

// SetTheme swaps the styles.
func (l *Model) SetTheme(th *theme.Theme) { l.th = th }

// SetSize sets the area the list draws in, footer included.
func (l *Model) SetSize(w, h int) {
	l.width, l.height = w, h
	l.filter.SetWidth(max(10, w-4))
	l.clamp()
}

// SetHeader sets lines drawn above the rows (a table's column names); they scroll sideways
// with the rows.
func (l *Model) SetHeader(lines ...string) {
	l.header = lines
	l.headerWidth = 0
	for _, h := range lines {
		l.headerWidth = max(l.headerWidth, ansi.StringWidth(h))
	}
	l.clamp()
}

// SetRows replaces the rows. The cursor stays on the row with the same Key when there is
// one, so rows refreshed in the background do not move the selection.
func (l *Model) SetRows(rows []Row) {
	var keep string
	hadSel := false
	if i := l.Index(); i >= 0 {
		keep, hadSel = l.rows[i].Key, true
	}
	l.rows = rows
	l.widths = make([]int, len(rows))
	for i, r := range rows {
		if !r.Fixed {
			l.widths[i] = ansi.StringWidth(r.Text)
		}
	}
	top := l.top
	l.refilter()
	l.top = top // rows redrawn (a document laid out again) keep their scroll
	if hadSel {
		for p, i := range l.vis {
			if rows[i].Key == keep {
				l.cursor = p
				break
			}
		}
	}
	l.clamp()
}

// Rows are the list's rows, all of them.
func (l Model) Rows() []Row { return l.rows }

// Visible are the indexes of the rows the filter keeps, in the order shown.
func (l Model) Visible() []int { return l.vis }

// Len is the number of rows the filter keeps.
func (l Model) Len() int { return len(l.vis) }

// Index is the row under the cursor (an index into the rows), -1 when there is none.
func (l Model) Index() int {
	if !l.selectable || l.cursor < 0 || l.cursor >= len(l.vis) {
		return -1
	}
	return l.vis[l.cursor]
}

// Select puts the cursor on row i (an index into the rows) when the filter shows it.
func (l *Model) Select(i int) {
	for p, r := range l.vis {
		if r == i {
			l.cursor = p
			l.clamp()
			return
		}
	}
}

// Filtering reports whether typed keys go to the filter.
func (l Model) Filtering() bool { return l.filtering }

// FilterText is the filter as typed.
func (l Model) FilterText() string { return strings.TrimSpace(l.filter.Value()) }

// ClearFilter drops the filter.
func (l *Model) ClearFilter() {
	l.filter.SetValue("")
	l.filtering = false
	l.filter.Blur()
	l.refilter()
}

// ScrollTo brings row p of the visible rows into view (documents: line p).
func (l *Model) ScrollTo(p int) {
	rows := l.rowsHeight()
	if p < l.top {
		l.top = p
	} else if p >= l.top+rows {
		l.top = p - rows + 1
	}
	l.clamp()
}

// Top is the first visible row shown.
func (l Model) Top() int { return l.top }

// Left is how far the rows are scrolled sideways.
func (l Model) Left() int { return l.left }

func (l *Model) refilter() {
	q := l.FilterText()
	l.vis = l.vis[:0]
	switch {
	case q == "":
		for i := range l.rows {
			l.vis = append(l.vis, i)
		}
	case l.fuzzy:
		keys := make([]string, len(l.rows))
		at := map[string][]int{}
		for i, r := range l.rows {
			keys[i] = r.Key
			at[r.Key] = append(at[r.Key], i)
		}
		seen := map[string]bool{}
		for _, m := range fuzzy.Find(q, keys) {
			if !seen[m.Text] {
				seen[m.Text] = true
				l.vis = append(l.vis, at[m.Text]...)
			}
		}
	default:
		lq := strings.ToLower(q)
		for i, r := range l.rows {
			if strings.Contains(strings.ToLower(r.Key), lq) {
				l.vis = append(l.vis, i)
			}
		}
	}
	l.cursor = 0
	l.top = 0
}

// Update handles the list's keys and the mouse wheel. handled says whether msg was the
// list's; a screen handles what the list did not (enter, space, its own keys).
func (l Model) Update(msg tea.Msg) (Model, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if l.filtering {
			return l.updateFilter(msg)
		}
		k := l.keys
		switch {
		case key.Matches(msg, k.Up):
			l.move(-1)
		case key.Matches(msg, k.Down):
			l.move(1)
		case key.Matches(msg, k.PageUp):
			l.move(-max(1, l.rowsHeight()-1))
		case key.Matches(msg, k.PageDown):
			l.move(max(1, l.rowsHeight()-1))
		case key.Matches(msg, k.Top):
			l.move(-len(l.rows) - l.top - 1)
		case key.Matches(msg, k.Bottom):
			l.move(len(l.rows) + 1)
		case key.Matches(msg, k.Left) && l.left > 0:
			l.left = max(0, l.left-sideStep)
		case key.Matches(msg, k.Right) && l.contentWidth() > l.bodyWidth():
			l.left += sideStep
			l.clamp()
		case key.Matches(msg, k.Filter) && l.filterable:
			l.filtering = true
			return l, l.filter.Focus(), true
		case msg.String() == "esc" && l.filterable && l.FilterText() != "":
			l.ClearFilter()
		default:
			return l, nil, false
		}
		return l, nil, true
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelDown:
			l.wheel(1)
		case tea.MouseWheelUp:
			l.wheel(-1)
		case tea.MouseWheelRight:
			l.left += sideStep
			l.clamp()
		case tea.MouseWheelLeft:
			l.left = max(0, l.left-sideStep)
		default:
			return l, nil, false
		}
		return l, nil, true
	}
	return l, nil, false
}

func (l Model) updateFilter(msg tea.KeyPressMsg) (Model, tea.Cmd, bool) {
	switch msg.String() {
	case "esc":
		l.ClearFilter()
		return l, nil, true
	case "enter":
		l.filtering = false
		l.filter.Blur()
		return l, nil, true
	case "up", "ctrl+p":
		l.move(-1)
		return l, nil, true
	case "down", "ctrl+n":
		l.move(1)
		return l, nil, true
	case "pgup":
		l.move(-max(1, l.rowsHeight()-1))
		return l, nil, true
	case "pgdown":
		l.move(max(1, l.rowsHeight()-1))
		return l, nil, true
	case "ctrl+u":
		l.filter.SetValue("")
		l.refilter()
		return l, nil, true
	}
	before := l.filter.Value()
	var cmd tea.Cmd
	l.filter, cmd = l.filter.Update(msg)
	if l.filter.Value() != before {
		l.refilter()
	}
	return l, cmd, true
}

// wheel moves the cursor by a row, or a document by three lines.
func (l *Model) wheel(d int) {
	if l.selectable {
		l.move(d)
		return
	}
	l.move(3 * d)
}

func (l *Model) move(d int) {
	if l.selectable {
		l.cursor += d
		l.clamp()
		l.ScrollTo(l.cursor)
		return
	}
	l.top += d
	l.clamp()
}

func (l *Model) clamp() {
	l.cursor = max(0, min(l.cursor, len(l.vis)-1))
	l.top = max(0, min(l.top, len(l.vis)-l.rowsHeight()))
	if l.selectable && len(l.vis) > 0 {
		if l.cursor < l.top {
			l.top = l.cursor
		} else if rows := l.rowsHeight(); l.cursor >= l.top+rows {
			l.top = l.cursor - rows + 1
		}
	}
	l.left = max(0, min(l.left, l.contentWidth()-l.bodyWidth()))
}

// prefixWidth is the cursor's column.
func (l Model) prefixWidth() int {
	if l.selectable {
		return 2
	}
	return 0
}

func (l Model) bodyWidth() int { return max(1, l.width-l.prefixWidth()) }

// contentWidth is the widest row or header line that scrolls sideways.
func (l Model) contentWidth() int {
	w := l.headerWidth
	for _, i := range l.vis {
		w = max(w, l.widths[i]) // 0 for fixed rows
	}
	return w
}

// filterShown reports whether the filter line is drawn.
func (l Model) filterShown() bool { return l.filtering || l.FilterText() != "" }

// chromeHeight is the lines above and below the rows: the filter, the header and the
// footer.
func (l Model) chromeHeight() int {
	n := len(l.header) + 1
	if l.filterShown() {
		n++
	}
	return n
}

// rowsHeight is the rows shown at once.
func (l Model) rowsHeight() int { return max(1, l.height-l.chromeHeight()) }

// RowsTop is the line of the view where the first shown row is drawn, for mouse clicks.
func (l Model) RowsTop() int { return l.chromeHeight() - 1 }

// Click selects the row drawn on line y of the view; ok is false off the rows. It returns
// the row's index into the rows.
func (l *Model) Click(y int) (int, bool) {
	p := l.top + y - l.RowsTop()
	if y < l.RowsTop() || y >= l.RowsTop()+l.rowsHeight() || p < 0 || p >= len(l.vis) {
		return -1, false
	}
	if l.selectable {
		l.cursor = p
	}
	return l.vis[p], true
}

// View draws the list in exactly its height (or less when it has fewer rows).
func (l Model) View() string {
	th := l.th
	var out []string
	if l.filterShown() {
		out = append(out, l.filter.View())
	}
	pad := strings.Repeat(" ", l.prefixWidth())
	for _, h := range l.header {
		out = append(out, pad+l.cut(h))
	}
	rows := l.rowsHeight()
	switch {
	case len(l.rows) == 0 && l.empty != "":
		out = append(out, th.Subtle.Render(layout.Wrap(l.empty, l.width)))
	case len(l.vis) == 0 && len(l.rows) > 0:
		out = append(out, th.Subtle.Render(l.noMatch+" (esc clears it)"))
	}
	for p := l.top; p < len(l.vis) && p < l.top+rows; p++ {
		r := l.rows[l.vis[p]]
		text := r.Text
		if !r.Fixed {
			text = l.cut(text)
		} else {
			text = ansi.Truncate(text, l.bodyWidth(), "…")
		}
		if l.selectable && p == l.cursor {
			line := "▸ " + ansi.Strip(text)
			out = append(out, th.Selected.Render(layout.PadRight(line, l.width)))
			continue
		}
		out = append(out, pad+text)
	}
	if f := l.footer(); f != "" {
		for len(out) < l.height-1 {
			out = append(out, "")
		}
		out = append(out, f)
	}
	return strings.Join(out, "\n")
}

// cut is the part of a row the sideways scroll shows, with ‹ and › where it goes on.
func (l Model) cut(s string) string {
	w := l.bodyWidth()
	sw := ansi.StringWidth(s)
	if sw <= w && l.left == 0 {
		return s
	}
	from, to := l.left, l.left+w
	pre, post := "", ""
	if l.left > 0 && sw > l.left {
		pre = l.th.Title.Render("‹")
		from++
	}
	if sw > to {
		post = l.th.Title.Render("›")
		to--
	}
	return pre + ansi.Cut(s, from, to) + post
}

// footer says where the view is when it does not show everything: rows, filter, columns.
func (l Model) footer() string {
	var parts []string
	n := len(l.vis)
	rows := l.rowsHeight()
	if n > rows || l.FilterText() != "" {
		first, last := min(n, l.top+1), min(n, l.top+rows)
		s := fmt.Sprintf("%s–%s of %s %s", format.Count(int64(first)), format.Count(int64(last)), format.Count(int64(n)), l.noun)
		if !l.selectable {
			s = fmt.Sprintf("lines %s–%s of %s", format.Count(int64(first)), format.Count(int64(last)), format.Count(int64(n)))
		}
		if l.FilterText() != "" {
			s += fmt.Sprintf(" (/%s of %s)", l.FilterText(), format.Count(int64(len(l.rows))))
		}
		parts = append(parts, s)
	}
	if cw, bw := l.contentWidth(), l.bodyWidth(); cw > bw {
		parts = append(parts, fmt.Sprintf("h/l cols %d–%d of %d", l.left+1, min(cw, l.left+bw), cw))
	}
	if len(parts) == 0 {
		return ""
	}
	return ansi.Truncate(l.th.Subtle.Render(strings.Join(parts, " · ")), l.width, "…")
}
