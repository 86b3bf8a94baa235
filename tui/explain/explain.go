// Package explain is the explorer's answer to "why is this person a member, or not?": one
// person's explanation for one or more segments — report.Explain's tree, ✓ and ✗ in
// colour, each leaf with the facts behind it — scrolled like a document, and the "look up
// a person" prompt that asks for an id. Member panels open it on a row (e), screens open
// the prompt (p); it is the same text `segscope explain` prints.
package explain

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report"
	"github.com/segscope/segscope/safe"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/input"
	"github.com/segscope/segscope/tui/layout"
	"github.com/segscope/segscope/tui/list"
	"github.com/segscope/segscope/tui/theme"
)

// KeyMap is the explanation's own keys (scrolling is the list's).
type KeyMap struct {
	Accept, Lookup, Back key.Binding
}

// DefaultKeyMap is the explanation's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Accept: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "explain")),
		Lookup: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "look up another person")),
		Back:   key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc", "back")),
	}
}

// Model is one explanation view with its prompt.
type Model struct {
	ctx    context.Context
	id     string // which screen's view: background answers carry it
	engine *query.Engine
	th     *theme.Theme
	keys   KeyMap

	segs []*segments.Segment // what the person is explained against
	r    query.Resolver
	asOf time.Time

	prompt  bool
	input   input.Model
	doc     list.Model
	raw     []string // the explanation's lines before wrapping
	who     string   // the id explained
	seq     int      // bumps on every request: answers to an older one are dropped
	loading bool
	err     error
	done    bool

	width, height int
}

// New builds a closed view; id tells this view's answers from another screen's.
func New(ctx context.Context, id string, engine *query.Engine, th *theme.Theme) Model {
	m := Model{ctx: ctx, id: id, engine: engine, th: th, keys: DefaultKeyMap(),
		input: input.New(th.Selected.Reverse(true)), doc: list.New(th, list.Empty("…"))}
	m.input.Input.Prompt = ""
	m.input.Input.Placeholder = "user id"
	return m
}

// SetTheme swaps the styles.
func (m *Model) SetTheme(th *theme.Theme) {
	m.th = th
	m.input.SetStyle(th.Selected.Reverse(true))
	m.doc.SetTheme(th)
	m.setLines(m.raw)
}

// SetSize sets the area the view draws in.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.doc.SetSize(w, max(1, h-2))
	m.input.Input.SetWidth(max(10, w-30))
	m.setLines(m.raw)
}

// For sets what the next explanation is about: segs (one unit) evaluated at asOf, their
// references resolved by r.
func (m *Model) For(segs []*segments.Segment, r query.Resolver, asOf time.Time) {
	m.segs, m.r, m.asOf = segs, r, asOf
}

// Ask opens the "look up a person" prompt.
func (m *Model) Ask() tea.Cmd {
	m.done, m.prompt, m.err = false, true, nil
	return m.input.Start("")
}

// ShowID explains the member id (a uid, or an aid for unit: account).
func (m *Model) ShowID(id uint32) tea.Cmd {
	eng, r, asOf := m.engine, m.r, m.asOf // the command runs later, on its own goroutine
	return m.request(func(ctx context.Context, seg *segments.Segment) (*query.Explanation, error) {
		return eng.ExplainID(ctx, seg, r, asOf, id)
	}, fmt.Sprintf("#%d", id))
}

// ShowKey explains the person (or account) with that id.
func (m *Model) ShowKey(key string) tea.Cmd {
	eng, r, asOf := m.engine, m.r, m.asOf
	return m.request(func(ctx context.Context, seg *segments.Segment) (*query.Explanation, error) {
		return eng.Explain(ctx, seg, r, asOf, key)
	}, key)
}

type explainedMsg struct {
	id    string
	seq   int
	who   string
	lines []string
	err   error
}

func (m *Model) request(explain func(context.Context, *segments.Segment) (*query.Explanation, error), who string) tea.Cmd {
	m.seq++
	m.done, m.prompt, m.loading, m.err, m.who, m.raw = false, false, true, nil, who, nil
	m.input.Stop()
	m.setLines(nil)
	id, seq, segs, ctx := m.id, m.seq, m.segs, m.ctx
	if len(segs) == 0 || m.engine == nil {
		m.loading, m.err = false, errors.New("nothing to explain against")
		return nil
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		var lines []string
		for i, seg := range segs {
			x, err := explain(ctx, seg)
			if err != nil {
				return explainedMsg{id: id, seq: seq, who: who, err: err}
			}
			who = x.Key
			if i > 0 {
				lines = append(lines, "")
			}
			lines = append(lines, report.Explain{Explanation: x}.Lines()...)
		}
		return explainedMsg{id: id, seq: seq, who: who, lines: lines}
	}
}

// Done reports whether the person left the view.
func (m Model) Done() bool { return m.done }

// Capturing reports whether keys are an id being typed.
func (m Model) Capturing() bool { return m.prompt }

// Pending names the background work, or "".
func (m Model) Pending() string {
	if m.loading {
		return "explaining"
	}
	return ""
}

// Lines is the explanation as shown, unstyled (for tests).
func (m Model) Lines() []string { return m.raw }

// Update handles keys and the answer.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case explainedMsg:
		if msg.id != m.id || msg.seq != m.seq {
			return m, nil
		}
		m.loading, m.err, m.who = false, msg.err, msg.who
		m.setLines(msg.lines)
		return m, nil
	case tea.KeyPressMsg:
		k := m.keys
		if m.prompt {
			switch {
			case key.Matches(msg, k.Accept):
				if v := strings.TrimSpace(m.input.Value()); v != "" {
					return m, m.ShowKey(v)
				}
				return m, nil
			case msg.String() == "esc":
				m.prompt, m.done = false, true
				m.input.Stop()
				return m, nil
			}
			var cmd tea.Cmd
			m.input, cmd = m.input.Update(msg)
			return m, cmd
		}
		switch {
		case key.Matches(msg, k.Back):
			m.done = true
			return m, nil
		case key.Matches(msg, k.Lookup):
			return m, m.Ask()
		}
	}
	var cmd tea.Cmd
	m.doc, cmd, _ = m.doc.Update(msg)
	return m, cmd
}

// setLines wraps the explanation to the width, continuation lines indented under their
// leaf, and colours the marks.
func (m *Model) setLines(lines []string) {
	m.raw = lines
	var rows []list.Row
	for _, l := range lines {
		indent := len(l) - len(strings.TrimLeft(l, " "))
		wrapped := strings.Split(layout.Wrap(l, max(20, m.width-1)), "\n")
		for i, w := range wrapped {
			if i > 0 {
				w = strings.Repeat(" ", indent+2) + strings.TrimLeft(w, " ")
			}
			rows = append(rows, list.Row{Key: w, Text: m.style(w), Fixed: true})
		}
	}
	m.doc.SetRows(rows)
}

// style colours a line's mark: ✓ as success, ✗ as error.
func (m Model) style(line string) string {
	body := strings.TrimLeft(line, " ")
	pad := line[:len(line)-len(body)]
	switch {
	case strings.HasPrefix(body, "✓"):
		return pad + m.th.Success.Render("✓") + m.th.Text.Render(strings.TrimPrefix(body, "✓"))
	case strings.HasPrefix(body, "✗"):
		return pad + m.th.Error.Render("✗") + m.th.Text.Render(strings.TrimPrefix(body, "✗"))
	case strings.HasPrefix(body, "person "), strings.HasPrefix(body, "account "):
		return pad + m.th.Heading.Render(body)
	}
	return pad + m.th.Subtle.Render(body)
}

// KeyMap is the view's help.
func (m Model) KeyMap() Help {
	k := m.keys
	if m.prompt {
		cancel := key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))
		return Help{short: []key.Binding{k.Accept, cancel}, full: [][]key.Binding{{k.Accept, cancel}}}
	}
	own := []key.Binding{k.Lookup, k.Back}
	nav := m.doc.Bindings()
	return Help{short: append(own, nav[:2]...), full: [][]key.Binding{own, nav}}
}

// Help is the view's keys for the help bubble.
type Help struct {
	short []key.Binding
	full  [][]key.Binding
}

// ShortHelp implements help.KeyMap.
func (h Help) ShortHelp() []key.Binding { return h.short }

// FullHelp implements help.KeyMap.
func (h Help) FullHelp() [][]key.Binding { return h.full }

// View draws the prompt or the explanation.
func (m Model) View() string {
	th := m.th
	names := make([]string, len(m.segs))
	for i, s := range m.segs {
		names[i] = safe.Text(s.Name)
	}
	against := strings.Join(names, ", ")
	if m.prompt {
		noun := "user id"
		if len(m.segs) > 0 && m.segs[0].Unit == segments.UnitAccount {
			noun = "account id"
		}
		head := th.Heading.Render("Look up a person") + th.Subtle.Render("  in "+against)
		return ansi.Truncate(head, m.width, "…") + "\n" + th.Subtle.Render(noun+": ") + m.input.View() + "\n" +
			th.Subtle.Render("enter explains · esc cancels")
	}
	head := th.Heading.Render("Why ") + th.Emphasis.Render(safe.Text(m.who)) + th.Heading.Render(" is or is not in ") +
		th.Emphasis.Render(against)
	head = ansi.Truncate(head, m.width, "…")
	var body string
	switch {
	case m.loading:
		body = th.Subtle.Render("explaining…")
	case m.err != nil:
		msg := m.err.Error()
		if errors.Is(m.err, query.ErrNoPerson) {
			msg = fmt.Sprintf("no one with the id %s in this store", safe.Quote(m.who))
		}
		body = th.Error.Render("Could not explain: ") + th.Text.Render(safe.Text(msg)) + "\n" + th.Subtle.Render("p looks up another · esc back")
	default:
		doc := m.doc
		doc.SetSize(m.width, max(1, m.height-2))
		body = doc.View() + "\n" + th.Subtle.Render("✓ holds · ✗ does not · p another person · esc back")
	}
	return head + "\n" + body
}
