package query

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Whitespace-separated text: columns aligned with runs of spaces (or tabs), often with
// leading blanks, the layout of many published data sets (CDNOW, UCI tables) and of fixed-
// width exports. Neither DuckDB's reader nor an RFC 4180 dialect splits them, so such a file
// is read through blankFields, which rewrites each line as tab-separated fields (the line
// breaks, and so every line number, stay as they are), and DuckDB reads that regular copy.
// A file whose first line is data rather than names (every field a number or a date) gets
// the names column0, column1, … as DuckDB gives a file without a header; its first line is
// still line 1.

// blankHeadLines is how many lines of a file's head whitespace detection looks at.
const blankHeadLines = 50

// whitespaceHead tells whether a text head is whitespace-separated: its complete lines hold
// no comma, semicolon, tab, pipe or quote, and split on runs of blanks into the same number
// (two or more) of fields. headerless says that its first line is data too.
func whitespaceHead(head []byte, cut bool) (whitespace, headerless bool) {
	lines := bytes.Split(head, []byte("\n"))
	if cut && len(lines) > 1 {
		lines = lines[:len(lines)-1]
	}
	fields, seen := 0, 0
	var first [][]byte
	allData := true
	for _, line := range lines {
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if bytes.ContainsAny(line, ",;\t|\"") {
			return false, false
		}
		f := bytes.Fields(line)
		if seen == 0 {
			fields, first = len(f), f
		} else if len(f) != fields {
			return false, false
		} else {
			allData = allData && dataFields(f)
		}
		if seen++; seen == blankHeadLines {
			break
		}
	}
	if fields < 2 || seen < 2 {
		return false, false
	}
	return true, allData && dataFields(first)
}

// dataFields reports whether every field looks like data, not a name: a number, or a date
// written with digits.
func dataFields(f [][]byte) bool {
	for _, v := range f {
		s := strings.TrimLeft(string(v), "+-")
		if s == "" || strings.Trim(s, "0123456789.:/-") != "" {
			return false
		}
	}
	return true
}

// blankHeader is the header of a whitespace-separated file: its first line's fields, or
// column0… for a file without a header.
func blankHeader(line []byte, headerless bool) csvHeader {
	f := strings.Fields(string(line))
	if headerless {
		for i := range f {
			f[i] = fmt.Sprintf("column%d", i)
		}
	}
	h, err := splitHeader([]byte(strings.Join(f, "\t")), '\t')
	if err != nil {
		return csvHeader{names: f, delim: '\t'}
	}
	return h
}

// blankFields rewrites a whitespace-separated stream as tab-separated lines, each line's
// ending kept. For a headerless file it first writes the names line (numbered line 0 by the
// scan, so that the file's lines keep their numbers).
type blankFields struct {
	br         *bufio.Reader
	pending    []byte
	headerless bool
	started    bool
	err        error
}

func newBlankFields(r io.Reader, headerless bool) *blankFields {
	return &blankFields{br: bufio.NewReaderSize(r, 1<<20), headerless: headerless}
}

func (b *blankFields) Read(p []byte) (int, error) {
	for len(b.pending) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		line, err := b.br.ReadBytes('\n')
		b.err = err
		if len(line) == 0 {
			continue
		}
		body, ending := line, []byte(nil)
		if i := bytes.IndexAny(body, "\r\n"); i >= 0 {
			body, ending = body[:i], body[i:]
		}
		out := bytes.Join(bytes.Fields(body), []byte{'\t'})
		if !b.started && b.headerless {
			names := blankHeader(body, true).names
			b.pending = append([]byte(strings.Join(names, "\t")), ending...)
		}
		b.started = true
		b.pending = append(append(b.pending, out...), ending...)
	}
	n := copy(p, b.pending)
	b.pending = b.pending[n:]
	return n, nil
}

// withGuesses is the --map overrides with the guessed fields they do not name.
func withGuesses(overrides, guessed map[string]string) map[string]string {
	if len(guessed) == 0 {
		return overrides
	}
	out := map[string]string{}
	for f, c := range guessed {
		out[f] = c
	}
	for f, c := range overrides {
		out[f] = c
	}
	return out
}

// guessRoles names, for a headerless whitespace-separated file, the columns whose content
// says what they are, as --map would (field → column): the first column is the person
// unless it holds dates or decimals; the first column of dates (YYYYMMDD or YYYY-MM-DD) is
// the time; the last column of decimal numbers is revenue (four in five values of the head
// decide a column's kind). Nothing is guessed without a
// person and a time; the event is never guessed (--event names it).
func guessRoles(head []byte, cut bool) map[string]string {
	lines := bytes.Split(head, []byte("\n"))
	if cut && len(lines) > 1 {
		lines = lines[:len(lines)-1]
	}
	var rows [][]string
	for _, line := range lines {
		if f := strings.Fields(string(line)); len(f) > 0 {
			rows = append(rows, f)
		}
		if len(rows) == blankHeadLines {
			break
		}
	}
	if len(rows) == 0 {
		return nil
	}
	// A column is of a kind when four in five of its values are (a bad value is a rejected
	// row later, not a reason to guess nothing).
	every := func(j int, ok func(string) bool) bool {
		n := 0
		for _, r := range rows {
			if j < len(r) && ok(r[j]) {
				n++
			}
		}
		return n*5 >= len(rows)*4
	}
	isDate := func(v string) bool {
		for _, layout := range []string{"20060102", time.DateOnly} {
			if _, err := time.Parse(layout, v); err == nil && len(v) == len(layout) {
				return true
			}
		}
		return false
	}
	isDecimal := func(v string) bool {
		_, err := strconv.ParseFloat(v, 64)
		return err == nil && strings.Contains(v, ".")
	}
	guess := map[string]string{}
	n := len(rows[0])
	for j := 0; j < n; j++ {
		name := fmt.Sprintf("column%d", j)
		switch {
		case every(j, isDate):
			if guess["timestamp"] == "" {
				guess["timestamp"] = name
			}
		case every(j, isDecimal):
			if j > 0 {
				guess["revenue"] = name
			}
		case j == 0:
			guess["user_id"] = name
		}
	}
	if guess["user_id"] == "" || guess["timestamp"] == "" {
		return nil
	}
	return guess
}
