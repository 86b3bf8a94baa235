package fuzzy

import "testing"

func texts(ms []Match) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Text
	}
	return out
}

func TestFind(t *testing.T) {
	events := []string{"page_view", "add_to_cart", "purchase", "app_open", "paywall_hit", "email_open"}
	tests := []struct {
		pattern string
		first   string
		n       int
	}{
		{"", "page_view", 6},
		{"atc", "add_to_cart", 1},
		{"pur", "purchase", 1},
		{"open", "app_open", 2},
		{"PV", "page_view", 1}, // case ignored; v starts a part
		{"xyz", "", 0},
		{"purchase", "purchase", 1},
	}
	for _, tt := range tests {
		got := Find(tt.pattern, events)
		if len(got) != tt.n {
			t.Errorf("Find(%q) = %v, want %d matches", tt.pattern, texts(got), tt.n)
			continue
		}
		if tt.n > 0 && got[0].Text != tt.first {
			t.Errorf("Find(%q) first = %q, want %q (all: %v)", tt.pattern, got[0].Text, tt.first, texts(got))
		}
	}
}

func TestIndexesPointAtMatchedCharacters(t *testing.T) {
	m := Find("atc", []string{"add_to_cart"})[0]
	for i, idx := range m.Indexes {
		if c := "add_to_cart"[idx]; c != "atc"[i] {
			t.Errorf("index %d points at %q, want %q", idx, c, "atc"[i])
		}
	}
}

func TestEmptyPatternKeepsOrder(t *testing.T) {
	got := texts(Find("", []string{"b", "a", "c"}))
	if got[0] != "b" || got[1] != "a" || got[2] != "c" {
		t.Errorf("order changed: %v", got)
	}
}
