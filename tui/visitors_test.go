package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/segscope/segscope/query"
)

// startFlowEnv is startFlow with the whole environment given.
func startFlowEnv(t *testing.T, env Env, w, h int) *flow {
	t.Helper()
	wt := &waiter{}
	tm := teatest.NewTestModel(t, probe{Model: New(context.Background(), env), w: wt},
		teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	return &flow{t: t, tm: tm, w: wt}
}

// TestVisitorsShareOneEngine: two explorers on one engine (as serve gives every session)
// share its cache — the second visitor's Segments screen, counts and sparklines, computes
// nothing the first did not — while each keeps its own as_of, marks and unsaved work.
func TestVisitorsShareOneEngine(t *testing.T) {
	store := demoStore(t)
	eng := query.NewEngine(store)
	env := func() Env {
		return Env{Store: store, StoreName: "demo", Workspace: demoWorkspace(t), WorkspaceLabel: "workspace",
			Dark: true, Clock: still, Engine: eng}
	}
	first := startFlowEnv(t, env(), 120, 40)
	first.keys("2")
	first.settled()
	computed, _ := eng.CacheStats()
	if computed == 0 {
		t.Fatal("the first visitor's counts are not in the engine's cache")
	}

	second := startFlowEnv(t, env(), 120, 40)
	second.keys("2")
	second.settled()
	if now, _ := eng.CacheStats(); now != computed {
		t.Errorf("the second visitor computed %d conditions again; the first had computed %d", now-computed, computed)
	}
	latest := second.peek()

	// The first visitor marks a segment, moves as_of back a day and edits a segment.
	first.keys("space")
	first.showing("◆")
	first.keys("1", "[")
	first.until("as_of a day earlier", func(s string) bool { return strings.Contains(s, "as of 2026-11-26") })
	first.keys("2", "j", "enter")
	first.showing("Builder")
	first.keys("j", "j", "d")
	first.showing("● unsaved")

	// The second visitor's explorer is as it was.
	second.until("the second visitor's own state", func(s string) bool {
		return strings.Contains(s, "as of 2026-11-27") && !strings.Contains(s, "◆") && !strings.Contains(s, "unsaved")
	})
	if screen := second.peek(); screen != latest {
		t.Errorf("the second visitor's screen changed with the first visitor's work:\nbefore:\n%s\nafter:\n%s", latest, screen)
	}
	second.state("no unsaved work, the latest as_of", func(m Model) bool {
		return !m.segments.Dirty() && m.asOf.Day() == 27 && len(m.segments.Marked()) == 0
	})
	first.state("the first visitor's unsaved work and mark", func(m Model) bool {
		return m.segments.Dirty() && m.asOf.Day() == 26 && len(m.segments.Marked()) == 1
	})
}

// state waits until the explorer's model satisfies ok.
func (f *flow) state(what string, ok func(Model) bool) {
	f.t.Helper()
	hit := make(chan struct{})
	f.w.mu.Lock()
	f.w.cond, f.w.hit = ok, hit
	f.w.mu.Unlock()
	f.tm.Send(pokeMsg{})
	select {
	case <-hit:
	case <-time.After(15 * time.Second):
		f.t.Fatalf("timed out waiting for %s", what)
	}
}
