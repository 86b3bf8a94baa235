package input

import (
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

func key(k string) tea.KeyPressMsg {
	switch k {
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	}
	return tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
}

func TestTypingReplacesTheSelectedValue(t *testing.T) {
	for _, tc := range []struct {
		keys []string
		want string
	}{
		{[]string{"5"}, "5"},             // 90d, then 5: replaced, not 90d5
		{[]string{"3", "0", "d"}, "30d"}, // the rest appends
		{[]string{"backspace"}, ""},      // deletion clears the selection
		{[]string{"left", "1"}, "901d"},  // moving keeps the value
		{[]string{"backspace", "7", "d"}, "7d"},
	} {
		m := New(lipgloss.NewStyle().Reverse(true))
		m.Start("90d")
		if !m.Selected() {
			t.Fatal("a started value is not selected")
		}
		for _, k := range tc.keys {
			m, _ = m.Update(key(k))
		}
		if m.Value() != tc.want {
			t.Errorf("%v: %q, want %q", tc.keys, m.Value(), tc.want)
		}
	}
	m := New(lipgloss.NewStyle())
	m.Start("")
	if m.Selected() {
		t.Error("an empty value is selected")
	}
}
