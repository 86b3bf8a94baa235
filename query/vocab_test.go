package query

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func vocabStore(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	events := "user_id,event,timestamp,revenue,properties\n" +
		"u1,page_view,2026-01-01T10:00:00Z,,\"{\"\"page\"\":\"\"pricing\"\"}\"\n" +
		"u1,page_view,2026-01-01T11:00:00Z,,\"{\"\"page\"\":\"\"pricing\"\"}\"\n" +
		"u2,page_view,2026-01-01T12:00:00Z,,\"{\"\"page\"\":\"\"docs\"\"}\"\n" +
		"u2,purchase,2026-01-02T12:00:00Z,9.5,\"{\"\"page\"\":\"\"checkout\"\",\"\"a.b\"\":\"\"dotted\"\"}\"\n"
	users := "user_id,plan\nu1,pro\nu2,free\nu3,pro\n"
	if err := os.WriteFile(filepath.Join(dir, "e.csv"), []byte(events), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "u.csv"), []byte(users), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Load(ctx, LoadRequest{Paths: []string{filepath.Join(dir, "e.csv")}, Users: filepath.Join(dir, "u.csv")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPropertyValues(t *testing.T) {
	s := vocabStore(t)
	ctx := context.Background()
	tests := []struct {
		prop   string
		events []string
		want   []string
	}{
		{"page", nil, []string{"pricing", "checkout", "docs"}},
		{"page", []string{"purchase"}, []string{"checkout"}},
		{"a.b", nil, []string{"dotted"}},
		{"revenue", nil, []string{"9.5"}},
		{"'); DROP TABLE events; --", nil, []string{}},
		{"nothing", nil, []string{}},
	}
	for _, tt := range tests {
		got, err := s.PropertyValues(ctx, tt.prop, tt.events, 10)
		if err != nil {
			t.Errorf("PropertyValues(%q): %v", tt.prop, err)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("PropertyValues(%q, %v) = %v, want %v", tt.prop, tt.events, got, tt.want)
		}
	}
	info, err := s.Info(ctx)
	if err != nil || info.Events != 4 {
		t.Errorf("store changed after hostile property name: %v %v", info, err)
	}
}

func TestAttributeValues(t *testing.T) {
	s := vocabStore(t)
	ctx := context.Background()
	names, err := s.AttributeNames(ctx)
	if err != nil || !slices.Equal(names, []string{"plan"}) {
		t.Fatalf("AttributeNames = %v, %v", names, err)
	}
	got, err := s.AttributeValues(ctx, "plan", 10)
	if err != nil || !slices.Equal(got, []string{"pro", "free"}) {
		t.Errorf("AttributeValues = %v, %v", got, err)
	}
	if _, err := s.AttributeValues(ctx, `plan"; DROP TABLE users; --`, 10); err == nil {
		t.Error("unknown attribute accepted")
	}
}
