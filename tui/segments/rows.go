package segments

import (
	"hash/maphash"

	"github.com/segscope/segscope/query"
	seglang "github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/theme"
)

// rowKey is everything a row's text depends on. Rows are redrawn after every count and
// estimate, but usually only one row has changed; drawing the others again (styles,
// padding, sparkline) was most of the work of a Segments screen filling up, twenty times
// over when twenty SSH visitors watch theirs.
type rowKey struct {
	seg      *seglang.Segment
	members  int64
	counted  bool
	err      string
	est      *query.Estimate
	sparked  bool
	sizes    uint64 // a hash of the sparkline's sizes
	marked   bool
	universe int64
	cols     columns
	unitW    int
	th       *theme.Theme
}

// rowCache keeps the drawn rows of the current keys. It is shared by the copies of a
// Model (Bubble Tea passes models by value), which is safe because a key names its text.
type rowCache struct {
	seed maphash.Seed
	rows map[rowKey]string
}

func newRowCache() *rowCache {
	return &rowCache{seed: maphash.MakeSeed(), rows: map[rowKey]string{}}
}

// key is e's row key as m would draw it with columns c.
func (m Model) rowKey(e entry, c columns, unitW int, marked bool) rowKey {
	k := rowKey{seg: e.seg, members: e.members, counted: e.counted, est: e.est, sparked: e.sparked,
		marked: marked, universe: m.universe[e.seg.Unit], cols: c, unitW: unitW, th: m.th}
	if e.err != nil {
		k.err = e.err.Error()
	}
	if e.sparked {
		var h maphash.Hash
		h.SetSeed(m.rows.seed)
		for _, s := range e.sizes {
			maphash.WriteComparable(&h, s)
		}
		k.sizes = h.Sum64()
	}
	return k
}

// cachedRow is e's row, drawn only when something it shows has changed.
func (m Model) cachedRow(e entry, c columns, unitW int, marked bool) string {
	if m.rows == nil {
		return m.row(e, c, unitW)
	}
	k := m.rowKey(e, c, unitW, marked)
	if s, ok := m.rows.rows[k]; ok {
		return s
	}
	// Old keys are never asked for again once their entry changes: forget them all now
	// and then rather than tracking which.
	if len(m.rows.rows) > 4*len(m.entries)+64 {
		clear(m.rows.rows)
	}
	s := m.row(e, c, unitW)
	m.rows.rows[k] = s
	return s
}
