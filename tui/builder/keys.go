package builder

import "charm.land/bubbles/v2/key"

// KeyMap holds the builder's keys. Which ones apply depends on the mode; the others are
// disabled so that help shows only what works now.
type KeyMap struct {
	// Tree.
	Up, Down key.Binding
	// Top, Bottom, PageUp, PageDown move through a long tree (g and G group, so the top
	// and the bottom are home and end here).
	Top, Bottom, PageUp, PageDown key.Binding
	Edit                          key.Binding
	Add                           key.Binding
	Delete                        key.Binding
	Negate                        key.Binding
	GroupAll                      key.Binding
	GroupAny                      key.Binding
	Toggle                        key.Binding
	MoveUp                        key.Binding
	MoveDown                      key.Binding
	Undo, Redo                    key.Binding
	Save                          key.Binding
	SQL                           key.Binding
	Members                       key.Binding
	Lookup                        key.Binding
	Back                          key.Binding
	// Form.
	AddField    key.Binding
	DeleteField key.Binding
	// Editing a value, pickers.
	Accept   key.Binding
	Cancel   key.Binding
	NextSugg key.Binding
	PrevSugg key.Binding
	// Overlays.
	Copy key.Binding
	// Confirm.
	ConfirmSave, ConfirmDiscard key.Binding
}

// DefaultKeyMap is the builder's bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:             key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:           key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Top:            key.NewBinding(key.WithKeys("home"), key.WithHelp("home", "top")),
		Bottom:         key.NewBinding(key.WithKeys("end"), key.WithHelp("end", "bottom")),
		PageUp:         key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown:       key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),
		Edit:           key.NewBinding(key.WithKeys("enter", "e"), key.WithHelp("enter", "edit")),
		Add:            key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add condition")),
		Delete:         key.NewBinding(key.WithKeys("d", "delete"), key.WithHelp("d", "delete")),
		Negate:         key.NewBinding(key.WithKeys("n", "!"), key.WithHelp("n", "negate")),
		GroupAll:       key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "group in all")),
		GroupAny:       key.NewBinding(key.WithKeys("G"), key.WithHelp("G", "group in any")),
		Toggle:         key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "all ⇄ any")),
		MoveUp:         key.NewBinding(key.WithKeys("K", "shift+up"), key.WithHelp("K", "move up")),
		MoveDown:       key.NewBinding(key.WithKeys("J", "shift+down"), key.WithHelp("J", "move down")),
		Undo:           key.NewBinding(key.WithKeys("u", "ctrl+z"), key.WithHelp("u", "undo")),
		Redo:           key.NewBinding(key.WithKeys("ctrl+r", "U"), key.WithHelp("ctrl+r", "redo")),
		Save:           key.NewBinding(key.WithKeys("ctrl+s", "s"), key.WithHelp("s", "save")),
		SQL:            key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "view SQL")),
		Members:        key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "sample members")),
		Lookup:         key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "look up a person")),
		Back:           key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		AddField:       key.NewBinding(key.WithKeys("a", "+"), key.WithHelp("a", "add field")),
		DeleteField:    key.NewBinding(key.WithKeys("d", "delete"), key.WithHelp("d", "delete field")),
		Accept:         key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "accept")),
		Cancel:         key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		NextSugg:       key.NewBinding(key.WithKeys("tab", "down", "ctrl+n"), key.WithHelp("tab/↓", "next suggestion")),
		PrevSugg:       key.NewBinding(key.WithKeys("shift+tab", "up", "ctrl+p"), key.WithHelp("↑", "previous suggestion")),
		Copy:           key.NewBinding(key.WithKeys("c", "y"), key.WithHelp("c", "copy to clipboard")),
		ConfirmSave:    key.NewBinding(key.WithKeys("s", "y"), key.WithHelp("s", "save")),
		ConfirmDiscard: key.NewBinding(key.WithKeys("d", "n"), key.WithHelp("d", "discard")),
	}
}

// modeKeys is the help for one mode.
type modeKeys struct {
	short []key.Binding
	full  [][]key.Binding
}

func (k modeKeys) ShortHelp() []key.Binding  { return k.short }
func (k modeKeys) FullHelp() [][]key.Binding { return k.full }

func (k KeyMap) forMode(m mode) modeKeys {
	switch m {
	case modeForm:
		return modeKeys{
			short: []key.Binding{k.Up, k.Down, k.Edit, k.AddField, k.DeleteField, k.Undo, k.Back},
			full:  [][]key.Binding{{k.Up, k.Down, k.Edit}, {k.AddField, k.DeleteField}, {k.Undo, k.Redo, k.Save, k.Back}},
		}
	case modeEdit, modePickKey:
		return modeKeys{
			short: []key.Binding{k.Accept, k.NextSugg, k.Cancel},
			full:  [][]key.Binding{{k.Accept, k.Cancel}, {k.NextSugg, k.PrevSugg}},
		}
	case modeTemplates:
		return modeKeys{
			short: []key.Binding{k.Accept, k.NextSugg, k.Cancel},
			full:  [][]key.Binding{{k.Accept, k.Cancel}, {k.NextSugg, k.PrevSugg}},
		}
	case modeSQL:
		return modeKeys{
			short: []key.Binding{k.Up, k.Down, k.Copy, k.Back},
			full:  [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown}, {k.Copy, k.Back}},
		}
	case modeConfirm:
		return modeKeys{
			short: []key.Binding{k.ConfirmSave, k.ConfirmDiscard, k.Cancel},
			full:  [][]key.Binding{{k.ConfirmSave, k.ConfirmDiscard, k.Cancel}},
		}
	}
	return modeKeys{
		short: []key.Binding{k.Edit, k.Add, k.Delete, k.Negate, k.Undo, k.Save, k.SQL, k.Members, k.Back},
		full: [][]key.Binding{
			{k.Up, k.Down, k.Top, k.Bottom, k.Edit, k.Add, k.Delete},
			{k.Negate, k.GroupAll, k.GroupAny, k.Toggle, k.MoveUp, k.MoveDown},
			{k.Undo, k.Redo, k.Save, k.SQL, k.Members, k.Lookup, k.Back},
		},
	}
}
