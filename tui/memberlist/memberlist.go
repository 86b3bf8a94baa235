// Package memberlist is the panel every screen opens on a group of members (the builder's
// sample, a cell of the Overlap matrix, an exclusive group): the members with their key
// facts in a list that filters and scrolls like every other, and the two ways to take the
// whole group away — `c` copies every id to the clipboard (OSC 52, so it works over SSH
// too) and `x`/`X` write every member to CSV/Parquet in the workspace's exports/ folder.
// The panel shows at most SampleRows members; copying and exporting always take all. When
// the screen says which segments the group is about (Explains), `e` explains the member
// under the cursor: why they are in each of them.
package memberlist

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/safe"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/explain"
	"github.com/segscope/segscope/tui/layout"
	"github.com/segscope/segscope/tui/list"
	"github.com/segscope/segscope/tui/theme"
)

// SampleRows is the most members listed with their facts; the rest are copied and exported
// without being drawn.
const SampleRows = 1000

// Deps is what a member list works with.
type Deps struct {
	Engine *query.Engine
	// Dir is the workspace: exports go to its exports/ folder; "" turns exporting off.
	Dir string
	// ShowPath writes a written file's path the way the screen shows workspace files; nil
	// shows it as it is.
	ShowPath func(path string) string
	// Sample is the most members listed; 0 means SampleRows.
	Sample int
}

// KeyMap is the panel's own keys (the list's come with them).
type KeyMap struct {
	Copy, CSV, Parquet, Explain, Back key.Binding
}

// DefaultKeyMap is the panel's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Copy:    key.NewBinding(key.WithKeys("c", "y"), key.WithHelp("c", "copy all ids")),
		CSV:     key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "export csv")),
		Parquet: key.NewBinding(key.WithKeys("X"), key.WithHelp("X", "export parquet")),
		Explain: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "explain member")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}
}

// Model is one member panel.
type Model struct {
	ctx  context.Context
	id   string // which screen's panel: background answers carry it
	deps Deps
	th   *theme.Theme
	keys KeyMap
	list list.Model

	title string // what the group is: "big_spenders ∩ cart_abandoners"
	stem  string // the export's file name, without extension
	set   *query.MemberSet
	unit  segments.Unit
	asOf  time.Time
	total int64

	seq     int // bumps on every Open: answers about an earlier group are dropped
	loading bool
	err     error
	busy    string // what runs in the background now
	status  string
	failed  bool // the status says what went wrong
	done    bool
	members []query.Member // the sample listed

	// The segments the group is about, for e; nil turns explaining off.
	about      []*segments.Segment
	resolver   query.Resolver
	explain    explain.Model
	explaining bool

	width, height int
}

// New builds a closed panel; id tells this panel's answers from another screen's.
func New(ctx context.Context, id string, deps Deps, th *theme.Theme) Model {
	return Model{ctx: ctx, id: id, deps: deps, th: th, keys: DefaultKeyMap(),
		list:    list.New(th, list.Selectable(), list.Filterable(false), list.Noun("members")),
		explain: explain.New(ctx, id+"/explain", deps.Engine, th)}
}

// Explains says which segments the group opened next is about (r resolves their
// references), so that e explains a member against them; none turns e off.
func (m *Model) Explains(segs []*segments.Segment, r query.Resolver) {
	m.about, m.resolver = segs, r
}

// SetTheme swaps the styles.
func (m *Model) SetTheme(th *theme.Theme) {
	m.th = th
	m.list.SetTheme(th)
	m.explain.SetTheme(th)
	m.setRows(m.members)
}

// SetSize sets the area the panel draws in.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.list.SetSize(w, max(1, h-2))
	m.explain.SetSize(w, h)
}

// SetDir changes where exports go (the workspace changed).
func (m *Model) SetDir(dir string) { m.deps.Dir = dir }

// Open shows the members of set: title says what the group is, stem names its export file.
func (m *Model) Open(title, stem string, set *query.MemberSet, unit segments.Unit, asOf time.Time) tea.Cmd {
	m.seq++
	m.title, m.stem, m.set, m.unit, m.asOf = title, stem, set, unit, asOf
	m.total = set.Count()
	m.loading, m.err, m.busy, m.status, m.failed, m.done, m.members = true, nil, "", "", false, false, nil
	m.explaining = false
	m.list.ClearFilter()
	m.list.SetRows(nil)
	m.list.SetHeader()
	id, seq, eng, ctx, sample := m.id, m.seq, m.deps.Engine, m.ctx, m.deps.Sample
	if sample <= 0 {
		sample = SampleRows
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		ms, err := eng.Members(ctx, set, unit, query.MembersOptions{Limit: sample, AsOf: asOf})
		return loadedMsg{id: id, seq: seq, members: ms, err: err}
	}
}

// Done reports whether the person left the panel (esc with no filter to clear).
func (m Model) Done() bool { return m.done }

// Capturing reports whether keys are typed into the filter.
func (m Model) Capturing() bool {
	if m.explaining {
		return m.explain.Capturing()
	}
	return m.list.Filtering()
}

// Pending names the background work, or "".
func (m Model) Pending() string {
	switch {
	case m.explaining && m.explain.Pending() != "":
		return m.explain.Pending()
	case m.loading:
		return "listing members"
	case m.busy != "":
		return m.busy
	}
	return ""
}

// Total is the group's size.
func (m Model) Total() int64 { return m.total }

// Status is the last thing the panel did ("copied 403 ids…"), for tests and the screen.
func (m Model) Status() string { return m.status }

type (
	loadedMsg struct {
		id      string
		seq     int
		members []query.Member
		err     error
	}
	copiedMsg struct {
		id   string
		seq  int
		text string
		n    int
		err  error
	}
	exportedMsg struct {
		id   string
		seq  int
		path string
		n    int
		err  error
	}
)

// Update handles the panel's keys and background answers.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if m.explaining {
		if _, ok := msg.(tea.KeyPressMsg); ok || isExplainAnswer(msg) || isMouse(msg) {
			var cmd tea.Cmd
			m.explain, cmd = m.explain.Update(msg)
			if m.explain.Done() {
				m.explaining = false
			}
			return m, cmd
		}
	}
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.id != m.id || msg.seq != m.seq {
			return m, nil
		}
		m.loading = false
		m.err = msg.err
		m.members = msg.members
		m.setRows(msg.members)
		return m, nil
	case copiedMsg:
		if msg.id != m.id || msg.seq != m.seq {
			return m, nil
		}
		m.busy = ""
		if msg.err != nil {
			m.status, m.failed = "could not copy: "+msg.err.Error(), true
			return m, nil
		}
		m.status, m.failed = fmt.Sprintf("copied all %s ids to the clipboard (OSC 52)", format.Count(int64(msg.n))), false
		return m, tea.SetClipboard(msg.text)
	case exportedMsg:
		if msg.id != m.id || msg.seq != m.seq {
			return m, nil
		}
		m.busy = ""
		if msg.err != nil {
			m.status, m.failed = "not exported: "+msg.err.Error(), true
			return m, nil
		}
		shown := msg.path
		if m.deps.ShowPath != nil {
			shown = m.deps.ShowPath(msg.path)
		}
		m.status, m.failed = fmt.Sprintf("wrote all %s members to %s", format.Count(int64(msg.n)), shown), false
		return m, nil
	case tea.KeyPressMsg:
		if m.list.Filtering() {
			var cmd tea.Cmd
			m.list, cmd, _ = m.list.Update(msg)
			return m, cmd
		}
		k := m.keys
		switch {
		case key.Matches(msg, k.Back) && m.list.FilterText() == "":
			m.done = true
			return m, nil
		case key.Matches(msg, k.Copy):
			return m, m.copyAll()
		case key.Matches(msg, k.CSV):
			return m, m.export(CSV)
		case key.Matches(msg, k.Parquet):
			return m, m.export(Parquet)
		case key.Matches(msg, k.Explain) && len(m.about) > 0:
			return m, m.explainSelected()
		}
	}
	var cmd tea.Cmd
	m.list, cmd, _ = m.list.Update(msg)
	return m, cmd
}

// explainSelected opens the explanation of the member under the cursor.
func (m *Model) explainSelected() tea.Cmd {
	i := m.list.Index()
	if i < 0 || i >= len(m.members) {
		return nil
	}
	m.explaining = true
	m.explain.For(m.about, m.resolver, m.asOf)
	return m.explain.ShowID(uint32(m.members[i].ID))
}

// isExplainAnswer reports whether msg is background work of another kind than the
// panel's own (the explanation's answer goes to the explanation).
func isExplainAnswer(msg tea.Msg) bool {
	switch msg.(type) {
	case loadedMsg, copiedMsg, exportedMsg:
		return false
	case tea.KeyPressMsg, tea.WindowSizeMsg:
		return false
	}
	return !isMouse(msg)
}

func isMouse(msg tea.Msg) bool {
	_, ok := msg.(tea.MouseMsg)
	return ok
}

// Click selects the member drawn on line y of the panel.
func (m *Model) Click(y int) { m.list.Click(y - 1 - len(m.noteLines())) }

func (m *Model) copyAll() tea.Cmd {
	if m.set == nil || m.busy != "" {
		return nil
	}
	m.busy = fmt.Sprintf("copying %s ids", format.Count(m.total))
	m.status = ""
	id, seq, eng, set, unit, ctx := m.id, m.seq, m.deps.Engine, m.set, m.unit, m.ctx
	return func() tea.Msg {
		text, n, err := CopyText(ctx, eng, set, unit)
		return copiedMsg{id: id, seq: seq, text: text, n: n, err: err}
	}
}

func (m *Model) export(f Format) tea.Cmd {
	if m.set == nil || m.busy != "" {
		return nil
	}
	if m.deps.Dir == "" {
		m.status, m.failed = "exporting is off: no workspace folder (start with --segments DIR)", true
		return nil
	}
	m.busy = fmt.Sprintf("exporting %s members", format.Count(m.total))
	m.status = ""
	id, seq, eng, set, unit, asOf, ctx, dir, stem := m.id, m.seq, m.deps.Engine, m.set, m.unit, m.asOf, m.ctx, m.deps.Dir, m.stem
	return func() tea.Msg {
		path, n, err := Export(ctx, eng, set, unit, asOf, dir, stem, f)
		return exportedMsg{id: id, seq: seq, path: path, n: n, err: err}
	}
}

// CopyText is every member's id, one per line, for the clipboard: all of them, however
// many the screen lists. Ids come from event data, so they are made safe to paste.
func CopyText(ctx context.Context, eng *query.Engine, set *query.MemberSet, unit segments.Unit) (string, int, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	keys, err := eng.MemberKeys(ctx, set, unit)
	if err != nil {
		return "", 0, err
	}
	for i, k := range keys {
		keys[i] = safe.Text(k)
	}
	return strings.Join(keys, "\n"), len(keys), nil
}

var unsafeName = regexp.MustCompile(`[^a-z0-9_+.-]+`)

// Export writes every member of set with its key facts to the workspace's exports/ folder,
// in a new file named after stem (never over an earlier export); it returns the path and
// how many members it wrote.
func Export(ctx context.Context, eng *query.Engine, set *query.MemberSet, unit segments.Unit, asOf time.Time,
	workspace, stem string, f Format) (string, int, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	stem = strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(stem), "_"), "._")
	if stem == "" {
		stem = "members"
	}
	dir := filepath.Join(workspace, "exports")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", 0, fmt.Errorf("export: %w", err)
	}
	ms, err := eng.AllMembers(ctx, set, unit, query.MembersOptions{AsOf: asOf})
	if err != nil {
		return "", 0, err
	}
	path := freePath(filepath.Join(dir, stem+"."+string(f)))
	if err := report.NewMembers(ms, unit, nil).WriteFile(ctx, path, string(f)); err != nil {
		return "", 0, err
	}
	// The workspace is shared (a team's folder): an export is readable like its segments.
	if err := os.Chmod(path, 0o644); err != nil {
		return "", 0, fmt.Errorf("export: %w", err)
	}
	return path, len(ms), nil
}

// Format is a file format an export writes.
type Format string

// The formats x and X write: the columns of `segscope members`.
const (
	CSV     Format = "csv"
	Parquet Format = "parquet"
)

// freePath is path, or path with -2, -3… before its extension when a file is already
// there: an export never overwrites an earlier one.
func freePath(path string) string {
	ext := filepath.Ext(path)
	base := path[:len(path)-len(ext)]
	for i := 1; ; i++ {
		p := path
		if i > 1 {
			p = fmt.Sprintf("%s-%d%s", base, i, ext)
		}
		if _, err := os.Lstat(p); os.IsNotExist(err) {
			return p
		}
	}
}

// rows are the sample's rows: id, last seen, events, revenue.
func (m *Model) setRows(ms []query.Member) {
	idW := len("id")
	for _, mb := range ms {
		idW = max(idW, ansi.StringWidth(safe.Text(mb.Key)))
	}
	rows := make([]list.Row, len(ms))
	for i, mb := range ms {
		last := "never"
		if !mb.LastSeen.IsZero() {
			last = mb.LastSeen.UTC().Format("2006-01-02 15:04")
		}
		id := safe.Text(mb.Key)
		rows[i] = list.Row{Key: id, Text: m.th.Text.Render(layout.PadRight(id, idW)) + " " + m.th.Subtle.Render(layout.PadRight(last, 16)) +
			m.th.Number.Render(fmt.Sprintf(" %8s %12.2f", format.Count(mb.Events), mb.Revenue))}
	}
	m.list.SetHeader(m.th.Subtle.Render(layout.PadRight("id", idW) + " " + layout.PadRight("last seen", 16) + fmt.Sprintf(" %8s %12s", "events", "revenue")))
	m.list.SetRows(rows)
}

// KeyMap is the panel's help: its keys, then the list's.
func (m Model) KeyMap() Help {
	if m.explaining {
		h := m.explain.KeyMap()
		return Help{short: h.ShortHelp(), full: h.FullHelp()}
	}
	k := m.keys
	own := []key.Binding{k.Copy, k.CSV, k.Parquet, k.Back}
	if len(m.about) > 0 {
		own = []key.Binding{k.Explain, k.Copy, k.CSV, k.Parquet, k.Back}
	}
	return Help{short: append(own, m.list.Bindings()[:2]...), full: [][]key.Binding{own, m.list.Bindings()}}
}

// Help is the panel's keys for the help bubble.
type Help struct {
	short []key.Binding
	full  [][]key.Binding
}

// ShortHelp implements help.KeyMap.
func (h Help) ShortHelp() []key.Binding { return h.short }

// FullHelp implements help.KeyMap.
func (h Help) FullHelp() [][]key.Binding { return h.full }

// View draws the panel: what the group is and how big, what c and x do (or what they did),
// and the list.
func (m Model) View() string {
	if m.explaining {
		return m.explain.View()
	}
	th := m.th
	head := th.Heading.Render(safe.Text(m.title)) + th.Subtle.Render(" · ") + th.Number.Render(format.Count(m.total)) +
		th.Subtle.Render(" "+plural(m.total, "member", "members"))
	if n := int64(len(m.list.Rows())); !m.loading && n < m.total {
		head += th.Subtle.Render(fmt.Sprintf(" · the first %s listed", format.Count(n)))
	}
	note := m.noteLines()
	lines := append([]string{ansi.Truncate(head, m.width, "…")}, note...)
	return strings.Join(append(lines, m.body(m.height-len(lines))), "\n")
}

// noteLines say what c and x do, or what they did (a failure with its whole reason).
func (m Model) noteLines() []string {
	th := m.th
	var note string
	switch {
	case m.busy != "":
		note = th.Warning.Render(m.busy + "…")
	case m.status != "" && m.failed:
		note = th.Error.Render(m.status)
	case m.status != "":
		note = th.Success.Render(m.status)
	default:
		explains := ""
		if len(m.about) > 0 {
			explains = "e explains · "
		}
		note = th.Subtle.Render(fmt.Sprintf("%sc copies all %s ids · x/X export all to CSV/Parquet · / filters · esc back", explains, format.Count(m.total)))
	}
	return strings.Split(layout.Wrap(note, m.width), "\n")
}

func (m Model) body(h int) string {
	th := m.th
	switch {
	case m.loading:
		return th.Subtle.Render("reading members…")
	case m.err != nil:
		msg := m.err.Error()
		if errors.Is(m.err, context.DeadlineExceeded) {
			msg = "listing the members took too long"
		}
		return th.Error.Render("Could not list members: ") + th.Text.Render(safe.Text(msg))
	}
	l := m.list
	l.SetSize(m.width, max(1, h))
	return l.View()
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
