package safe

import "testing"

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
