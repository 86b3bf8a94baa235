package query

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxHeaderLine bounds the header line read when DuckDB's sniffer cannot read a file.
const maxHeaderLine = 1 << 20

// maxRowBytes is the longest line the pinned reader reads; longer lines are rejected rows.
const maxRowBytes = 16 << 20

// csvHeader is a CSV header read in Go, with the delimiter it shows.
type csvHeader struct {
	names []string
	delim byte
}

// readCSVHeader reads the first line of a (possibly gzip'd) CSV or TSV file and splits it
// with the delimiter that gives the most fields (comma, tab, semicolon, pipe).
func readCSVHeader(pl loadPlan) (csvHeader, error) {
	f, err := os.Open(pl.path)
	if err != nil {
		return csvHeader{}, err
	}
	defer f.Close()
	var r io.Reader = f
	if pl.sniff.gzip {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return csvHeader{}, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		r = zr
	}
	br := bufio.NewReaderSize(r, maxHeaderLine)
	line, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return csvHeader{}, fmt.Errorf("line 1 is longer than %d KB without a line break: not a CSV or TSV file with a header line", maxHeaderLine>>10)
	}
	line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
	line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
	delim := byte(',')
	if pl.sniff.format == FormatTSV {
		delim = '\t'
	}
	best := bytes.Count(line, []byte{delim})
	for _, d := range []byte{',', '\t', ';', '|'} {
		if n := bytes.Count(line, []byte{d}); n > best {
			delim, best = d, n
		}
	}
	cr := csv.NewReader(bytes.NewReader(line))
	cr.Comma = rune(delim)
	cr.LazyQuotes = true
	fields, err := cr.Read()
	if err != nil {
		return csvHeader{}, fmt.Errorf("line 1: cannot read the header: %v", err)
	}
	// Names as DuckDB would give them: an empty one is column<i>, a repeated one gets _<n>.
	seen := map[string]int{}
	for i, name := range fields {
		if strings.TrimSpace(name) == "" {
			name = fmt.Sprintf("column%d", i)
		}
		if n := seen[name]; n > 0 {
			seen[name] = n + 1
			name = fmt.Sprintf("%s_%d", name, n)
		} else {
			seen[name] = 1
		}
		fields[i] = name
	}
	return csvHeader{names: fields, delim: delim}, nil
}

// options are read_csv's options reading the file with this header and no sniffing.
func (h csvHeader) options() string {
	cols := make([]string, len(h.names))
	for i, n := range h.names {
		cols[i] = quoteLiteral(n) + ": 'VARCHAR'"
	}
	return fmt.Sprintf(`auto_detect = false, columns = {%s}, delim = %s, quote = '"', escape = '"', max_line_size = %d`,
		strings.Join(cols, ", "), quoteLiteral(string(h.delim)), maxRowBytes)
}
