package overlap

import seglang "github.com/segscope/segscope/segments"

// selectionSegments are the segments the selected cell or group is about, which e on one
// of its members explains: the row's and the column's segment (one on the diagonal), or
// an exclusive group's segments.
func (m Model) selectionSegments() []*seglang.Segment {
	if m.result == nil || m.ws == nil {
		return nil
	}
	var idx []int
	switch {
	case m.mode == modeUpSet && m.bar < len(m.groups):
		idx = m.groups[m.bar].Segments
	case m.mode == modeUpSet:
		return nil
	case m.row == m.col:
		idx = []int{m.row}
	default:
		idx = []int{m.row, m.col}
	}
	var out []*seglang.Segment
	for _, i := range idx {
		if i < len(m.names) {
			if s := m.ws.Segment(m.names[i]); s != nil {
				out = append(out, s)
			}
		}
	}
	return out
}
