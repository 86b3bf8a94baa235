package safe

import (
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "add_to_cart", "add_to_cart"},
		{"unicode kept", "café ☕", "café ☕"},
		{"osc52 clipboard write", "x\x1b]52;c;ZXZpbA==\x07y", "xy"},
		{"csi colour", "\x1b[31mred\x1b[0m", "red"},
		{"cursor move", "a\x1b[2Jb", "ab"},
		{"escape with a final byte is dropped whole", "a\x1bb", "a"},
		{"bell and nul", "a\x07\x00b", "a··b"},
		{"newline flattened", "a\nb\tc", "a b c"},
		{"bidi override", "abc\u202edcba", "abc·dcba"},
		{"isolate", "\u2066x\u2069", "·x·"},
		{"zero width joiner kept visible", "a\u200bb", "a·b"},
		{"c1 control", "a\u009bb", "a·b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestShortAndQuote(t *testing.T) {
	long := strings.Repeat("a", 1<<20)
	tests := []struct{ name, in, short, quote string }{
		{"short value whole", "add_to_kart", "add_to_kart", `"add_to_kart"`},
		{"exactly the limit", strings.Repeat("b", MaxShown), strings.Repeat("b", MaxShown), `"` + strings.Repeat("b", MaxShown) + `"`},
		{"megabyte cut with its length", long, strings.Repeat("a", MaxShown) + "… (1048576 bytes)", `"` + strings.Repeat("a", MaxShown) + `…" (1048576 bytes)`},
		{"escapes removed", "x\x1b]52;c;aGk=\x07y", "xy", `"xy"`},
		{"characters, not bytes", strings.Repeat("é", MaxShown+1), strings.Repeat("é", MaxShown) + "… (130 bytes)", `"` + strings.Repeat("é", MaxShown) + `…" (130 bytes)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Short(tt.in); got != tt.short {
				t.Errorf("Short = %.100q, want %.100q", got, tt.short)
			}
			if got := Quote(tt.in); got != tt.quote {
				t.Errorf("Quote = %.100q, want %.100q", got, tt.quote)
			}
		})
	}
}

func TestWithoutDir(t *testing.T) {
	tests := []struct{ name, text, dir, label, want string }{
		{"file under the folder", "evaluate a: /srv/segs/a.yaml:4:3: unknown segment", "/srv/segs", "the server's segments folder",
			"evaluate a: a.yaml:4:3: unknown segment"},
		{"the folder itself", "read workspace /srv/segs: permission denied", "/srv/segs/", "the server's segments folder",
			"read workspace the server's segments folder: permission denied"},
		{"no label hides nothing", "/srv/segs/a.yaml:1:1: x", "/srv/segs", "", "/srv/segs/a.yaml:1:1: x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WithoutDir(tt.text, tt.dir, tt.label); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
