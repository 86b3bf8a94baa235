package segments

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/segscope/segscope/demo"
	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	sampledata "github.com/segscope/segscope/sample-data"
	seglang "github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/internal/screentest"
	"github.com/segscope/segscope/tui/theme"
)

// harness runs the screen alone as a program and keeps its latest frame for the test.
type harness struct {
	Model
	frames *screentest.Frames
}

func (h harness) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		h.Model.SetSize(msg.Width, msg.Height)
	case tea.KeyPressMsg:
		if msg.String() == "ctrl+c" {
			return h, tea.Quit
		}
		h.Model, cmd = h.Model.Update(msg)
	default:
		h.Model, cmd = h.Model.Update(msg)
	}
	h.frames.Set(h.Model.View())
	return h, cmd
}

func (h harness) View() tea.View { return tea.NewView(h.Model.View()) }

// TestEstimatesWhileCounting: with every exact count held back, each row of the list shows
// an estimate, marked ≈ and explained in the title (the golden file, 80×24); released, the
// exact counts replace them all.
func TestEstimatesWhileCounting(t *testing.T) {
	ctx := context.Background()
	store, err := demo.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	dir := filepath.Join(t.TempDir(), "workspace")
	if err := sampledata.WriteWorkspace(dir); err != nil {
		t.Fatal(err)
	}
	eng := query.NewEngine(store)
	m := New(ctx, Deps{Engine: eng, Dir: dir, DirLabel: "workspace", EstimateAfter: time.Millisecond,
		Sample: query.EstimateOptions{SampleSize: 400}}, theme.New(true))
	release := make(chan struct{})
	m.exact = func(ctx context.Context, seg *seglang.Segment, r query.Resolver, asOf time.Time) (*query.Result, error) {
		select {
		case <-release:
			return eng.Evaluate(ctx, seg, r, asOf)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	fr := &screentest.Frames{}
	tm := teatest.NewTestModel(t, harness{Model: m, frames: fr}, teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	screen := fr.Until(t, "an estimate on every row", func(s string) bool {
		return strings.Contains(s, "cart_abandoners") && estimatedRows(s)
	})
	golden.RequireEqual(t, []byte(screen))
	if !strings.Contains(screen, "estimated from a sample") {
		t.Errorf("the estimates are not explained:\n%s", screen)
	}

	close(release)
	ws, err := seglang.LoadWorkspace(dir)
	if err != nil {
		t.Fatal(err)
	}
	exact, err := eng.Evaluate(ctx, ws.Segment("cart_abandoners"), ws, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := format.Count(exact.Count())
	fr.Until(t, "the exact counts", func(s string) bool {
		return !strings.Contains(s, "≈") && strings.Contains(s, "cart_abandoners") && strings.Contains(s, " "+want+" ")
	})
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// estimatedRows reports whether every segment row on screen (a line with a type column)
// shows a share: none is left waiting with a spinner.
func estimatedRows(s string) bool {
	for _, l := range strings.Split(s, "\n") {
		for _, typ := range seglang.Types() {
			if strings.Contains(l, " "+typ.String()+" ") && !strings.Contains(l, "%") {
				return false
			}
		}
	}
	return true
}
