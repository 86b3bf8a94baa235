package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/segscope/segscope/bench"
)

// A mismatch between the engine and hand-written SQL shows in the table.
func TestBenchMismatch(t *testing.T) {
	rep := &bench.Report{Cold: []bench.Cold{{Kind: "did", Condition: "did purchase", Unit: "user", Members: 3, HandMembers: 4,
		SQLTextMembers: 3, EngineMS: 1, HandMS: 1, Ratio: 1}}, Overlap: bench.Overlap{Match: true}, Mismatches: 1}
	var buf bytes.Buffer
	if err := (Bench{Report: rep}).WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "MISMATCH (hand 4, sql text 3)") || !strings.Contains(buf.String(), "1 MEMBER COUNT MISMATCH") {
		t.Errorf("mismatch not reported:\n%s", buf.String())
	}
}
