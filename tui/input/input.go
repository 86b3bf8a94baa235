// Package input is the explorer's one-line field editor. Editing a field starts with its
// value selected, as in every form people know: typing replaces the value (`90d`, then `5`,
// gives `5`, not `90d5`), backspace clears it, and an arrow key keeps it and moves the
// cursor. The cursor does not blink: a blinking cursor would wake an idle explorer.
package input

import (
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/segscope/segscope/tui/theme"
)

// Model is a text input whose value starts selected.
type Model struct {
	Input    textinput.Model
	selected bool
	style    lipgloss.Style // how a selected value is drawn
}

// New builds an input; sel draws a selected value (it should read without colour too, so
// reverse video is a good choice).
func New(sel lipgloss.Style) Model {
	return Model{Input: theme.NewInput(), style: sel}
}

// SetStyle changes how a selected value is drawn (the theme changed).
func (m *Model) SetStyle(sel lipgloss.Style) { m.style = sel }

// Start edits value: it is shown selected, the cursor at its end.
func (m *Model) Start(value string) tea.Cmd {
	m.Input.SetValue(value)
	m.Input.CursorEnd()
	m.selected = value != ""
	return m.Input.Focus()
}

// Stop ends editing.
func (m *Model) Stop() {
	m.selected = false
	m.Input.Blur()
}

// Selected reports whether the value is still selected (nothing typed yet).
func (m Model) Selected() bool { return m.selected }

// Value is the text as edited.
func (m Model) Value() string { return m.Input.Value() }

// Update types a key into the input: over a selection, text replaces it and deletion
// clears it; a movement keeps the value.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || !m.selected {
		var cmd tea.Cmd
		m.Input, cmd = m.Input.Update(msg)
		return m, cmd
	}
	m.selected = false
	switch k.String() {
	case "backspace", "delete", "ctrl+h", "ctrl+d", "ctrl+u", "ctrl+k", "ctrl+w":
		m.Input.SetValue("")
		return m, nil
	case "left", "right", "home", "end", "ctrl+a", "ctrl+e", "ctrl+b", "ctrl+f":
		var cmd tea.Cmd
		m.Input, cmd = m.Input.Update(msg)
		return m, cmd
	}
	if k.Text != "" {
		m.Input.SetValue("")
	}
	var cmd tea.Cmd
	m.Input, cmd = m.Input.Update(msg)
	return m, cmd
}

// View draws the input: a selected value highlighted as a whole, else the text input with
// its cursor.
func (m Model) View() string {
	if m.selected {
		return m.Input.Prompt + m.style.Render(m.Input.Value())
	}
	return m.Input.View()
}
