// Package memberlist draws a sample of a segment's members with their key facts, the same
// way on every screen that shows members.
package memberlist

import (
	"fmt"
	"strings"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/tui/safe"
)

// Table lists members (a sample of total) with last seen, events and revenue as plain text.
func Table(members []query.Member, total int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %s members\n\n", len(members), format.Count(total))
	fmt.Fprintf(&b, "%-24s %-17s %8s %12s\n", "id", "last seen", "events", "revenue")
	for _, mb := range members {
		last := "never"
		if !mb.LastSeen.IsZero() {
			last = mb.LastSeen.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(&b, "%-24s %-17s %8s %12.2f\n", safe.Text(mb.Key), last, format.Count(mb.Events), mb.Revenue)
	}
	return b.String()
}

// IDs are the members' ids one per line, for the clipboard.
func IDs(members []query.Member) string {
	ids := make([]string, len(members))
	for i, mb := range members {
		ids[i] = mb.Key
	}
	return strings.Join(ids, "\n")
}
