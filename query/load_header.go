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

// maxHeaderLine bounds the header line read in Go.
const maxHeaderLine = 1 << 20

// maxRowBytes is the longest line the reader reads; longer lines are rejected rows.
const maxRowBytes = 16 << 20

// csvHeader is a CSV header read in Go, with the delimiter it shows.
type csvHeader struct {
	names []string
	delim byte
}

// readCSVHeader reads the first line of a (possibly gzip'd) CSV or TSV file and splits it
// with the delimiter that gives the most fields (comma, tab, semicolon, pipe).
func readCSVHeader(pl loadPlan) (csvHeader, error) {
	line, err := readHeaderLine(pl)
	if err != nil {
		return csvHeader{}, err
	}
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
	return splitHeader(line, delim)
}

// readHeaderLine reads the first line of a (possibly gzip'd) text file, without its line
// ending and byte order mark.
func readHeaderLine(pl loadPlan) ([]byte, error) {
	f, err := os.Open(pl.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if pl.sniff.gzip {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		r = zr
	}
	br := bufio.NewReaderSize(r, maxHeaderLine)
	line, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return nil, fmt.Errorf("line 1 is longer than %d KB without a line break: not a CSV or TSV file with a header line", maxHeaderLine>>10)
	}
	if cr := bytes.IndexByte(line, '\r'); cr >= 0 {
		line = line[:cr] // CRLF, or a file whose lines end in CR
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	return bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")), nil
}

// splitHeader splits a header line into column names as DuckDB would give them: an empty
// one is column<i>, a repeated one gets _<n>.
func splitHeader(line []byte, delim byte) (csvHeader, error) {
	cr := csv.NewReader(bytes.NewReader(line))
	cr.Comma = rune(delim)
	cr.LazyQuotes = true
	fields, err := cr.Read()
	if err != nil {
		return csvHeader{}, fmt.Errorf("line 1: cannot read the header: %v", err)
	}
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
