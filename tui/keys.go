package tui

import (
	"charm.land/bubbles/v2/key"
)

// KeyMap holds the keys that work on every screen.
type KeyMap struct {
	Quit     key.Binding
	Help     key.Binding
	NextTab  key.Binding
	PrevTab  key.Binding
	Screens  []key.Binding // 1, 2, 3… jump to a screen
	screenKS helpKeys
}

// helpKeys is the bindings of the focused screen, carried so the help bubble can render global
// and screen keys together.
type helpKeys interface {
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
}

func defaultKeyMap() KeyMap {
	return KeyMap{
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		NextTab: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next screen")),
		PrevTab: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous screen")),
	}
}

// ShortHelp shows the focused screen's keys first, then the global ones.
func (k KeyMap) ShortHelp() []key.Binding {
	var b []key.Binding
	if k.screenKS != nil {
		b = append(b, k.screenKS.ShortHelp()...)
	}
	return append(b, k.NextTab, k.Help, k.Quit)
}

// FullHelp groups the screen's keys and the global keys in columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	var groups [][]key.Binding
	if k.screenKS != nil {
		groups = append(groups, k.screenKS.FullHelp()...)
	}
	global := append([]key.Binding{k.NextTab, k.PrevTab}, k.Screens...)
	return append(groups, global, []key.Binding{k.Help, k.Quit})
}
