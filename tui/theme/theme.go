// Package theme holds every colour and style the explorer draws with. It is built once from
// the terminal's background and passed down; views never invent colours inline. Colour
// profiles (NO_COLOR, 16 colours, SSH clients) are handled by Bubble Tea's renderer, which
// downsamples what is drawn here.
package theme

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"
)

// Theme is the explorer's palette and the styles built from it.
type Theme struct {
	Dark bool

	// Palette.
	Fg, Muted, Faint, Accent, Accent2, Good, Warn, Bad, Border, SelectBg color.Color
	// Series colours for charts with several series (steps, channels, segments).
	Series []color.Color
	// Ramp from low to high for heatmaps.
	Ramp []color.Color

	// Styles.
	Title       lipgloss.Style // screen titles
	Heading     lipgloss.Style // section headings inside a screen
	Text        lipgloss.Style
	Subtle      lipgloss.Style // secondary text
	Number      lipgloss.Style // counts and figures
	Emphasis    lipgloss.Style
	Group       lipgloss.Style // group labels: "all of", a template group
	Error       lipgloss.Style
	Warning     lipgloss.Style
	Success     lipgloss.Style
	Selected    lipgloss.Style // the row or cell under the cursor
	Box         lipgloss.Style // a bordered panel
	FocusedBox  lipgloss.Style
	TabActive   lipgloss.Style
	TabInactive lipgloss.Style
	TabBar      lipgloss.Style
	StatusBar   lipgloss.Style
	StatusKey   lipgloss.Style // a status bar segment's label
	StatusValue lipgloss.Style
	Bar         lipgloss.Style // single-series bar charts
	Spark       lipgloss.Style
	Help        help.Styles
}

// New builds the theme for a dark or light background.
func New(dark bool) *Theme {
	ld := lipgloss.LightDark(dark)
	t := &Theme{
		Dark:     dark,
		Fg:       ld(lipgloss.Color("#1f2328"), lipgloss.Color("#e6edf3")),
		Muted:    ld(lipgloss.Color("#57606a"), lipgloss.Color("#9198a1")),
		Faint:    ld(lipgloss.Color("#8c959f"), lipgloss.Color("#5b636d")),
		Accent:   ld(lipgloss.Color("#8250df"), lipgloss.Color("#b392f0")),
		Accent2:  ld(lipgloss.Color("#0969da"), lipgloss.Color("#58a6ff")),
		Good:     ld(lipgloss.Color("#1a7f37"), lipgloss.Color("#3fb950")),
		Warn:     ld(lipgloss.Color("#9a6700"), lipgloss.Color("#d29922")),
		Bad:      ld(lipgloss.Color("#cf222e"), lipgloss.Color("#f85149")),
		Border:   ld(lipgloss.Color("#d0d7de"), lipgloss.Color("#3d444d")),
		SelectBg: ld(lipgloss.Color("#ddf4ff"), lipgloss.Color("#1f3a5f")),
	}
	t.Series = []color.Color{
		ld(lipgloss.Color("#0969da"), lipgloss.Color("#58a6ff")),
		ld(lipgloss.Color("#bf8700"), lipgloss.Color("#e3b341")),
		ld(lipgloss.Color("#8250df"), lipgloss.Color("#b392f0")),
		ld(lipgloss.Color("#1a7f37"), lipgloss.Color("#56d364")),
		ld(lipgloss.Color("#bc4c00"), lipgloss.Color("#ffa657")),
		ld(lipgloss.Color("#bf3989"), lipgloss.Color("#ff7b72")),
	}
	if dark {
		t.Ramp = []color.Color{lipgloss.Color("#161b22"), lipgloss.Color("#0e4429"), lipgloss.Color("#006d32"), lipgloss.Color("#26a641"), lipgloss.Color("#39d353")}
	} else {
		t.Ramp = []color.Color{lipgloss.Color("#ebedf0"), lipgloss.Color("#9be9a8"), lipgloss.Color("#40c463"), lipgloss.Color("#30a14e"), lipgloss.Color("#216e39")}
	}

	base := lipgloss.NewStyle().Foreground(t.Fg)
	t.Text = base
	t.Title = lipgloss.NewStyle().Foreground(t.Accent).Bold(true)
	t.Heading = lipgloss.NewStyle().Foreground(t.Fg).Bold(true)
	t.Subtle = lipgloss.NewStyle().Foreground(t.Muted)
	t.Number = lipgloss.NewStyle().Foreground(t.Accent2).Bold(true)
	t.Emphasis = lipgloss.NewStyle().Foreground(t.Fg).Bold(true)
	t.Group = lipgloss.NewStyle().Foreground(t.Accent2).Bold(true)
	t.Error = lipgloss.NewStyle().Foreground(t.Bad).Bold(true)
	t.Warning = lipgloss.NewStyle().Foreground(t.Warn)
	t.Success = lipgloss.NewStyle().Foreground(t.Good)
	t.Selected = lipgloss.NewStyle().Background(t.SelectBg).Foreground(t.Fg).Bold(true)
	t.Box = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(t.Border).Padding(0, 1)
	t.FocusedBox = t.Box.BorderForeground(t.Accent)
	t.TabActive = lipgloss.NewStyle().Foreground(t.Accent).Bold(true).Underline(true).Padding(0, 1)
	t.TabInactive = lipgloss.NewStyle().Foreground(t.Muted).Padding(0, 1)
	t.TabBar = lipgloss.NewStyle()
	t.StatusBar = lipgloss.NewStyle().Foreground(t.Muted)
	t.StatusKey = lipgloss.NewStyle().Foreground(t.Muted)
	t.StatusValue = lipgloss.NewStyle().Foreground(t.Fg)
	t.Bar = lipgloss.NewStyle().Foreground(t.Series[0])
	t.Spark = lipgloss.NewStyle().Foreground(t.Good)

	t.Help = help.DefaultStyles(dark)
	return t
}

// NewInput is a text input with a steady cursor: a blinking one would wake the explorer
// twice a second while someone only reads (an idle explorer must do no work).
func NewInput() textinput.Model {
	in := textinput.New()
	st := in.Styles()
	st.Cursor.Blink = false
	in.SetStyles(st)
	return in
}
