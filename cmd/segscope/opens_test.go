package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/segscope/segscope/query"
	sampledata "github.com/segscope/segscope/sample-data"
	"github.com/segscope/segscope/tui"
)

// TestEveryStoreOpens: every dataset `segscope gen` writes (all seven industries: their
// users files have columns empty for everyone, like company_size outside SaaS), and a users
// file with nothing but empty attributes and no events, load and open: `info` and `info
// --json` answer, `check` passes on the workspace gen writes beside the data, and the
// explorer's first screen shows the store rather than an error.
func TestEveryStoreOpens(t *testing.T) {
	type store struct {
		name, db, workspace string
		wantEvents          bool
	}
	var stores []func(t *testing.T) store
	for _, in := range append(sampledata.Industries(), sampledata.Mixed) {
		stores = append(stores, func(t *testing.T) store {
			dir := t.TempDir()
			data := filepath.Join(dir, "data")
			db := filepath.Join(dir, "s.duckdb")
			if code, _, errOut := loadRun(t, "gen", "--industry", string(in), "--users", "300", "--seed", "7", "--out", data); code != 0 {
				t.Fatalf("gen %s: exit %d: %s", in, code, errOut)
			}
			if code, _, errOut := loadRun(t, "load", filepath.Join(data, "events.csv"), "--users", filepath.Join(data, "users.csv"), "--db", db); code != 0 {
				t.Fatalf("load %s: exit %d: %s", in, code, errOut)
			}
			return store{string(in), db, filepath.Join(data, "segments"), true}
		})
	}
	stores = append(stores, func(t *testing.T) store {
		dir := t.TempDir()
		users := filepath.Join(dir, "users.csv")
		os.WriteFile(users, []byte("user_id,company_size,loyalty_tier\nu1,,\nu2,,\n"), 0o644)
		db := filepath.Join(dir, "people.duckdb")
		if code, _, errOut := loadRun(t, "load", "--users", users, "--db", db); code != 0 {
			t.Fatalf("load users only: exit %d: %s", code, errOut)
		}
		return store{"people without events", db, "", false}
	})
	names := append(sampledata.Industries(), sampledata.Mixed, "people without events")
	for i, make := range stores {
		t.Run(string(names[i]), func(t *testing.T) {
			t.Parallel()
			st := make(t)
			code, out, errOut := loadRun(t, "info", "--db", st.db)
			if code != 0 || !strings.Contains(out, "people") {
				t.Fatalf("info: exit %d: %s%s", code, out, errOut)
			}
			code, out, errOut = loadRun(t, "info", "--db", st.db, "--json")
			var info query.Info
			if code != 0 || json.Unmarshal([]byte(out), &info) != nil {
				t.Fatalf("info --json: exit %d: %s%s", code, out, errOut)
			}
			if st.workspace != "" {
				code, out, errOut = loadRun(t, "check", st.workspace, "--db", st.db)
				if code != 0 || !strings.Contains(out, " 0 failed, 0 errors, 0 definition errors") {
					t.Errorf("check: exit %d:\n%s%s", code, out, errOut)
				}
			}
			s, err := query.Open(context.Background(), st.db, query.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			want := "Event names"
			if !st.wantEvents {
				want = "no events"
			}
			if screen := explorerFirstScreen(t, s, want); strings.Contains(screen, "Could not read") {
				t.Errorf("explorer:\n%s", screen)
			}
		})
	}
}

// explorerFirstScreen opens the explorer on a store at 80x24 and returns its first screen
// once it shows want.
func explorerFirstScreen(t *testing.T, s *query.Store, want string) string {
	t.Helper()
	m := tui.New(context.Background(), tui.Env{Store: s, StoreName: "test", Dark: true})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	var seen []byte
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		seen = b
		return bytes.Contains(b, []byte(want)) || bytes.Contains(b, []byte("Could not read"))
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	return string(seen)
}
