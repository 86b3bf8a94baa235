package query

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Reading a text file's structure in Go, once, beside DuckDB's reader.
//
// DuckDB's CSV reader is fast but, fed an irregular file, it can go wrong without saying so:
// a quote that never closes swallows the next line into one rejected row (a good row lost)
// or, early in a file, turns the quoting of every later line inside out (thousands of good
// rows rejected); a file whose lines end in both LF and CRLF (or a stray CR) stops the reader
// with "invalid state", or reads nothing. So every CSV, TSV and NDJSON file is first read
// here, in the same pass that hashes its content: its physical lines, the records they make
// under the file's dialect (RFC 4180: a quoted field may hold delimiters and line breaks), the
// rows that cannot be records, and the line endings used. What DuckDB then reads is checked
// against these counts (load_reconcile.go); an irregular file is read by DuckDB from a
// regular copy that this pass writes: its good records only, every line ending LF.
//
// The rules, chosen to agree with DuckDB's reader on every regular file:
//   - A line ends at LF, CRLF or a lone CR. Inside a quoted field a line break is data.
//   - A blank line is no row (DuckDB skips it too).
//   - A field that starts with the quote character is quoted; inside it the escape
//     character (for RFC 4180 the quote itself, doubled) escapes the next one, and the quote
//     ends it, after which only the delimiter or the end of the line may come. A quote
//     inside an unquoted field is a plain character.
//   - A quote that does not close well — text right after the closing quote, or the end of
//     the file, or more than maxRowBytes, inside the quotes — is one rejected row, "bad
//     quoting", on the line where the quote opened: only that line. Reading starts again on
//     the next line, so a neighbour is never swallowed.
//   - A record spanning several lines is taken only when it has the header's number of
//     fields; otherwise the quote that opened it is taken to be the fault (its first line is
//     rejected, and reading starts again on the next line). A record on one line with the
//     wrong number of fields is one rejected row, "wrong column count".
//   - A line longer than maxRowBytes is one rejected row, "line too long", whatever quotes it
//     holds.

// Line endings, as a set.
const (
	endLF = 1 << iota
	endCRLF
	endCR
)

// endBytes is the text of a line ending.
func endBytes(end int) string {
	switch end {
	case endLF:
		return "\n"
	case endCRLF:
		return "\r\n"
	case endCR:
		return "\r"
	}
	return ""
}

// maxRawBytes caps the raw text kept for one rejected line.
const maxRawBytes = 60 << 10

// physLine is one physical line of a file.
type physLine struct {
	text []byte // without its ending; cut to maxRowBytes for a longer line
	no   int64  // 1-based
	end  int    // endLF, endCRLF, endCR, or 0 for a last line without one
	size int64  // the full length, without the ending
}

func (p physLine) long() bool { return p.size > maxRowBytes }

func (p physLine) owned() physLine {
	p.text = append([]byte(nil), p.text...)
	return p
}

// lineReader splits a stream into physical lines. Lines are slices of its buffer, valid until
// the next read, except those pushed back, which the reader owns.
type lineReader struct {
	r        io.Reader
	buf      []byte
	pos, end int
	eof      bool
	err      error
	next     int64 // the number of the next line read from r
	back     []physLine
	acc      []byte // a line longer than the buffer, gathered
	accSize  int64
}

func newLineReader(r io.Reader, size int) *lineReader {
	return &lineReader{r: r, buf: make([]byte, size), next: 1}
}

// fill reads more of the stream into the buffer, keeping buf[pos:end]. It reports whether
// anything was read.
func (lr *lineReader) fill() bool {
	if lr.eof {
		return false
	}
	if lr.pos > 0 {
		lr.end = copy(lr.buf, lr.buf[lr.pos:lr.end])
		lr.pos = 0
	}
	for lr.end < len(lr.buf) {
		n, err := lr.r.Read(lr.buf[lr.end:])
		lr.end += n
		if err != nil {
			lr.eof = true
			if !errors.Is(err, io.EOF) {
				lr.err = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	return false
}

// pushBack returns owned lines to be read again, in order, before the stream.
func (lr *lineReader) pushBack(lines []physLine) {
	lr.back = append(append([]physLine{}, lines...), lr.back...)
}

// read returns the next line; ok is false at the end of the stream (or on an error, kept in
// lr.err).
func (lr *lineReader) read() (physLine, bool) {
	if len(lr.back) > 0 {
		ln := lr.back[0]
		lr.back = lr.back[1:]
		return ln, true
	}
	lr.acc, lr.accSize = lr.acc[:0], 0
	gathering := false
	for {
		w := lr.buf[lr.pos:lr.end]
		lf := bytes.IndexByte(w, '\n')
		span := w
		if lf >= 0 {
			span = w[:lf]
		}
		cr := bytes.IndexByte(span, '\r')
		switch {
		case cr >= 0 && cr+1 == len(w) && !lr.eof:
			// A CR at the end of what is read: LF may follow. Read on.
		case cr >= 0:
			end, skip := endCR, 1
			if cr+1 < len(w) && w[cr+1] == '\n' {
				end, skip = endCRLF, 2
			}
			return lr.take(w[:cr], cr+skip, end, gathering), true
		case lf >= 0:
			return lr.take(w[:lf], lf+1, endLF, gathering), true
		case lr.eof:
			if len(w) == 0 && !gathering {
				return physLine{}, false
			}
			return lr.take(w, len(w), 0, gathering), true
		}
		// No ending in the buffer. A line longer than the buffer is gathered (up to
		// maxRowBytes; beyond that only its length is counted).
		if lr.pos == 0 && lr.end == len(lr.buf) {
			keep := len(w)
			if cr >= 0 {
				keep-- // the CR waits for what follows it
			}
			lr.gather(w[:keep])
			gathering = true
			lr.pos += keep
		}
		lr.fill()
	}
}

func (lr *lineReader) gather(b []byte) {
	lr.accSize += int64(len(b))
	if room := maxRowBytes + 1 - len(lr.acc); room > 0 {
		lr.acc = append(lr.acc, b[:min(room, len(b))]...)
	}
}

// take returns the line ending at w[:n] (n bytes of text, consumed bytes of the buffer).
func (lr *lineReader) take(text []byte, consumed, end int, gathering bool) physLine {
	lr.pos += consumed
	ln := physLine{no: lr.next, end: end, text: text, size: int64(len(text))}
	lr.next++
	if gathering {
		lr.gather(text)
		ln.text, ln.size = lr.acc, lr.accSize
	}
	if ln.size > maxRowBytes && len(ln.text) > maxRowBytes {
		ln.text = ln.text[:maxRowBytes]
	}
	return ln
}

// csvDialect is how a CSV file writes its fields.
type csvDialect struct {
	delim  byte
	quote  byte  // 0: no field is quoted
	escape byte  // 0: none; the quote itself: doubled quotes (RFC 4180)
	skip   int64 // lines before the header
	// blanks: the file's fields are separated by runs of blanks and it is read through
	// blankFields (load_blanks.go), as tab-separated text; headerless: its names line is
	// blankFields' own, line 0.
	blanks, headerless bool
}

// options are read_csv's options for reading with this dialect, sniffing nothing of it.
func (d csvDialect) options() string {
	q, e := "", ""
	if d.quote != 0 {
		q = string(d.quote)
	}
	if d.escape != 0 {
		e = string(d.escape)
	}
	return fmt.Sprintf("delim = %s, quote = %s, escape = %s, skip = %d, comment = '', max_line_size = %d",
		quoteLiteral(string(d.delim)), quoteLiteral(q), quoteLiteral(e), d.skip, maxRowBytes)
}

// Where a record's parse stands at the end of a line.
const (
	atFieldStart = iota
	inUnquoted
	inQuoted
	inEscape     // inside quotes, after the escape character
	afterQuote   // the quote was closed (escape ≠ quote): only a delimiter may follow
	quoteOrClose // escape = quote: a quote was seen; another escapes it, else it closed
)

// recordState is a record's parse so far.
type recordState struct {
	fields int
	mode   int
}

func (st recordState) open() bool { return st.mode == inQuoted || st.mode == inEscape }

// parse continues a record over one line's text, and reports a quote that does not close
// well. The common cases run on bytes.IndexByte and bytes.Count.
func (d csvDialect) parse(b []byte, st *recordState) (bad bool) {
	i := 0
	for i < len(b) {
		switch st.mode {
		case atFieldStart, inUnquoted:
			if d.quote == 0 {
				st.fields += bytes.Count(b[i:], []byte{d.delim})
				st.mode = inUnquoted
				return false
			}
			q := bytes.IndexByte(b[i:], d.quote)
			if q < 0 {
				st.fields += bytes.Count(b[i:], []byte{d.delim})
				st.mode = inUnquoted
				return false
			}
			n := bytes.Count(b[i:i+q], []byte{d.delim})
			st.fields += n
			startsField := (q == 0 && st.mode == atFieldStart) || (q > 0 && b[i+q-1] == d.delim)
			i += q + 1
			if startsField {
				st.mode = inQuoted
			} else {
				st.mode = inUnquoted // a quote inside an unquoted field is a plain character
			}
		case inQuoted:
			q := bytes.IndexByte(b[i:], d.quote)
			if d.escape != 0 && d.escape != d.quote {
				if e := bytes.IndexByte(b[i:], d.escape); e >= 0 && (q < 0 || e < q) {
					i += e + 1
					st.mode = inEscape
					continue
				}
			}
			if q < 0 {
				return false // the field goes on past the line
			}
			i += q + 1
			if d.escape == d.quote {
				st.mode = quoteOrClose
			} else {
				st.mode = afterQuote
			}
		case inEscape:
			i++
			st.mode = inQuoted
		case quoteOrClose:
			switch b[i] {
			case d.quote:
				st.mode = inQuoted
			case d.delim:
				st.fields++
				st.mode = atFieldStart
			default:
				return true
			}
			i++
		case afterQuote:
			if b[i] != d.delim {
				return true
			}
			st.fields++
			st.mode = atFieldStart
			i++
		}
	}
	return false
}

// lineBreak continues an open record over a line break (data inside the quotes).
func (st *recordState) lineBreak() {
	if st.mode == inEscape {
		st.mode = inQuoted
	}
}

// scanSink hears what a scan finds, for the store: where records sit and which lines were
// rejected. A nil sink hears nothing.
type scanSink interface {
	// place says that from record r on (1-based, counting the records the reader sees in
	// view), record r+i starts on physical line phys+i and is DuckDB's line duck+i.
	place(view int, r, phys, duck int64) error
	// reject is a line that is no record: its physical line, DuckDB's line for it in the
	// original file, why, and its text.
	reject(phys, duck int64, reason, raw string) error
}

// The two views of a file's records: as DuckDB reads the original file (every record,
// good or not), and as it reads the regular copy (good records only).
const (
	viewOriginal = 0
	viewCopy     = 1
)

// textScan is what reading a text file found.
type textScan struct {
	dialect csvDialect // CSV and TSV
	ndjson  bool
	columns int   // fields of the header
	lines   int64 // physical lines
	blank   int64 // blank lines (no rows)
	// records are the rows DuckDB reads from the original file: good ones and those rejected
	// here. good are those it reads from the copy. NDJSON: every line (blank lines are rows
	// to DuckDB's line reader, skipped later).
	records, good int64
	rejected      map[string]int64 // rows rejected here, by reason
	endings       int              // the set of line endings ending records
	badQuotes     int64
}

// rows are the rows of the file that are not blank: what must end up loaded or rejected.
func (s *textScan) rows() int64 {
	if s.ndjson {
		return s.records - s.blank
	}
	var r int64
	for _, n := range s.rejected {
		r += n
	}
	return s.good + r
}

// regular says whether DuckDB can read the original file as it is: one kind of line ending,
// and no quote that does not close.
func (s *textScan) regular() bool {
	return s.badQuotes == 0 && (s.endings&(s.endings-1)) == 0
}

// placer emits a view's breakpoints: a new one whenever a record's line is not the previous
// record's line plus one.
type placer struct {
	view       int
	r          int64
	phys, duck int64 // of the last record placed
	started    bool
}

func (p *placer) add(sink scanSink, phys, duck int64) error {
	p.r++
	if p.started && phys == p.phys+1 && duck == p.duck+1 {
		p.phys, p.duck = phys, duck
		return nil
	}
	p.started, p.phys, p.duck = true, phys, duck
	if sink == nil {
		return nil
	}
	return sink.place(p.view, p.r, phys, duck)
}

// csvScanner reads a CSV or TSV stream into a textScan, telling sink where records sit and
// writing, when out is set, the regular copy.
type csvScanner struct {
	d     csvDialect
	lr    *lineReader
	sink  scanSink
	out   io.Writer
	scan  *textScan
	duck  int64 // DuckDB's line number of the next record in the original file
	orig  placer
	copy  placer
	lines []physLine // the record being read, when it spans lines
	cls   [256]uint8 // byte classes of the dialect, for fast
}

// scanCSV reads a whole CSV or TSV stream.
func scanCSV(r io.Reader, d csvDialect, sink scanSink, out io.Writer) (*textScan, error) {
	return scanCSVBuffered(r, d, sink, out, scanBuffer)
}

// scanBuffer is the scan's read buffer; records longer than it are read line by line.
const scanBuffer = 1 << 20

func scanCSVBuffered(r io.Reader, d csvDialect, sink scanSink, out io.Writer, size int) (*textScan, error) {
	s := &csvScanner{d: d, lr: newLineReader(r, size), sink: sink, out: out,
		scan: &textScan{dialect: d, rejected: map[string]int64{}},
		duck: 1, orig: placer{view: viewOriginal}, copy: placer{view: viewCopy}}
	if d.headerless {
		s.lr.next = 0 // the names line blankFields writes first is no line of the file
	}
	s.cls[d.delim] |= clsDelim
	s.cls['\n'] |= clsLF
	s.cls['\r'] |= clsCR
	if d.quote != 0 {
		s.cls[d.quote] |= clsQuote
	}
	if d.escape != 0 && d.escape != d.quote {
		s.cls[d.escape] |= clsEscape
	}
	if err := s.run(); err != nil {
		return nil, err
	}
	return s.scan, nil
}

func (s *csvScanner) run() error {
	for i := int64(0); i < s.d.skip; i++ {
		if _, ok := s.lr.read(); !ok {
			break
		}
		s.duck++ // the copy leaves them out
	}
	header := true
	for {
		if !header && len(s.lr.back) == 0 {
			eof, err := s.fast()
			if err != nil {
				return err
			}
			if eof {
				break
			}
		}
		// One line, or the record starting on it, read line by line.
		ln, ok := s.lr.read()
		if !ok {
			break
		}
		if len(ln.text) == 0 && ln.size == 0 {
			s.blankLine(ln.end)
			continue
		}
		if header {
			if err := s.header(ln); err != nil {
				return err
			}
			header = false
			continue
		}
		if err := s.record(ln); err != nil {
			return err
		}
	}
	if s.lr.err != nil {
		return s.lr.err
	}
	if header {
		return errors.New("no header line")
	}
	return nil
}

// blankLine is no row, but a line in DuckDB's count.
func (s *csvScanner) blankLine(end int) {
	s.scan.blank++
	s.scan.endings |= end
	s.duck++
}

// Byte classes for fast.
const (
	clsDelim = 1 << iota
	clsQuote
	clsLF
	clsCR
	clsEscape
)

// fast reads records straight from the line reader's buffer, as long as they are regular:
// well quoted, and on one line unless a quoted field holds line breaks. It leaves anything
// else to the line-by-line path, from the start of that record, and returns; eof is true
// when the stream has ended.
func (s *csvScanner) fast() (eof bool, err error) {
	lr, d, cls := s.lr, s.d, &s.cls
	quoted := d.quote != 0
	for {
		b := lr.buf[:lr.end]
		start, i := lr.pos, lr.pos
		fields := 1
		var breaks int64              // line breaks inside quotes
		partial, open := false, false // the buffer ends inside the record (inside quotes)
	fields:
		for {
			if i >= len(b) {
				partial = true
				break
			}
			if quoted && b[i] == d.quote {
				i++
				for {
					for i < len(b) && cls[b[i]]&(clsQuote|clsEscape|clsLF|clsCR) == 0 {
						i++
					}
					if i+1 >= len(b) {
						// The end of the buffer inside the quotes, or on a byte whose
						// meaning depends on the next one.
						partial, open = true, true
						break fields
					}
					switch c := b[i]; {
					case c == d.quote && d.escape == d.quote && b[i+1] == d.quote:
						i += 2
						continue
					case c == d.quote:
						i++
					case c == d.escape && d.escape != d.quote:
						i += 2
						continue
					case c == '\r' && b[i+1] == '\n':
						i += 2
						breaks++
						continue
					default: // LF or a lone CR: data
						i++
						breaks++
						continue
					}
					break // the closing quote
				}
				switch c := b[i]; {
				case c == d.delim:
					fields++
					i++
					continue
				case c == '\n' || c == '\r':
					break fields
				}
				lr.pos = start
				return false, nil // text after a closing quote
			}
			for i < len(b) && cls[b[i]]&(clsDelim|clsLF|clsCR) == 0 {
				i++
			}
			if i < len(b) && b[i] == d.delim {
				fields++
				i++
				continue
			}
			if i >= len(b) {
				partial = true
			}
			break
		}
		// more: the record may go on in what is not read yet, and the buffer has room for it.
		more := !lr.eof && !(start == 0 && lr.end == len(lr.buf))
		end, next := 0, i
		switch {
		case partial && lr.eof && !open:
			// The last record, without a line ending.
		case partial && more, !partial && b[i] == '\r' && i+1 == len(b) && more:
			lr.pos = start
			lr.fill()
			continue
		case partial:
			lr.pos = start
			return false, nil // a quote open at the end, or a record longer than the buffer
		case b[i] == '\n':
			end, next = endLF, i+1
		case i+1 < len(b) && b[i+1] == '\n':
			end, next = endCRLF, i+2
		case i+1 < len(b) || lr.eof:
			end, next = endCR, i+1
		default:
			lr.pos = start
			return false, nil
		}
		text := b[start:i]
		if len(text) == 0 && next == i {
			return true, nil // the end of the stream
		}
		if fields != s.scan.columns && breaks > 0 {
			lr.pos = start
			return false, nil // a span with the wrong count: the line-by-line path decides
		}
		phys := lr.next
		lr.pos, lr.next = next, lr.next+breaks+1
		s.scan.endings |= end
		switch {
		case len(text) == 0:
			s.blankLine(end)
		case fields != s.scan.columns:
			err = s.rejectLine(physLine{text: text, no: phys, end: end, size: int64(len(text))}, ReasonColumnCount, true)
		default:
			err = s.good(phys, text)
		}
		if err != nil {
			return false, err
		}
	}
}

// header reads the header record: its fields set the columns every record must have.
func (s *csvScanner) header(first physLine) error {
	if first.long() {
		return fmt.Errorf("line %d: the header is longer than %d MB", first.no, maxRowBytes>>20)
	}
	text := bytes.TrimPrefix(first.text, []byte("\xef\xbb\xbf"))
	st := recordState{fields: 1}
	if bad := s.d.parse(text, &st); bad || st.open() {
		return fmt.Errorf("line %d: cannot read the header: a quote in it does not close", first.no)
	}
	s.scan.columns = st.fields
	s.scan.endings |= first.end
	s.duck++
	if s.out != nil {
		if _, err := s.out.Write(append(append([]byte{}, text...), '\n')); err != nil {
			return err
		}
	}
	return nil
}

// record reads the record starting on line first.
func (s *csvScanner) record(first physLine) error {
	if first.long() {
		s.scan.endings |= first.end
		return s.rejectLine(first, ReasonLineTooLong, true)
	}
	st := recordState{fields: 1}
	bad := s.d.parse(first.text, &st)
	switch {
	case bad:
		s.scan.badQuotes++
		return s.rejectLine(first, ReasonBadQuoting, true)
	case !st.open():
		s.scan.endings |= first.end
		if st.fields != s.scan.columns {
			return s.rejectLine(first, ReasonColumnCount, true)
		}
		return s.good(first.no, first.text)
	}
	// The quote goes on past the line: gather lines until it closes.
	s.lines = append(s.lines[:0], first.owned())
	size := first.size
	for {
		ln, ok := s.lr.read()
		if !ok {
			break // the file ends inside the quotes
		}
		s.lines = append(s.lines, ln.owned())
		size += ln.size + 1
		if ln.long() || size > maxRowBytes {
			break
		}
		st.lineBreak()
		if s.d.parse(ln.text, &st) {
			break
		}
		if !st.open() {
			if st.fields != s.scan.columns {
				break
			}
			s.scan.endings |= ln.end
			var text []byte
			for i, part := range s.lines {
				if i > 0 {
					text = append(text, endBytes(s.lines[i-1].end)...)
				}
				text = append(text, part.text...)
			}
			return s.good(s.lines[0].no, text)
		}
	}
	// The quote that opened on the first line is the fault: that line is the rejected row,
	// and the lines after it are read again as lines of their own.
	s.scan.badQuotes++
	rest := s.lines[1:]
	s.lines = nil
	s.lr.pushBack(rest)
	return s.rejectLine(first, ReasonBadQuoting, false)
}

// good counts a record starting on line phys, and copies its text (its inner line breaks as
// they are, its end as LF).
func (s *csvScanner) good(phys int64, text []byte) error {
	s.scan.records++
	s.scan.good++
	if err := s.orig.add(s.sink, phys, s.duck); err != nil {
		return err
	}
	if err := s.copy.add(s.sink, phys, s.copy.r+2); err != nil {
		return err
	}
	s.duck++
	if s.out == nil {
		return nil
	}
	if _, err := s.out.Write(text); err != nil {
		return err
	}
	_, err := io.WriteString(s.out, "\n")
	return err
}

// rejectLine rejects one line. A record DuckDB reads as one (whole) is a record of the
// original file; a line cut from a longer span is not.
func (s *csvScanner) rejectLine(ln physLine, reason string, whole bool) error {
	s.scan.rejected[reason]++
	duck := s.duck
	if whole {
		s.scan.records++
		if err := s.orig.add(s.sink, ln.no, s.duck); err != nil {
			return err
		}
	}
	s.duck++
	if s.sink == nil {
		return nil
	}
	return s.sink.reject(ln.no, duck, reason, rawLine(ln))
}

// rawLine is a rejected line's text as kept: cut at maxRawBytes, saying how long it was.
// The text must be valid UTF-8 to be stored (DuckDB's appender keeps nothing of a string
// that is not), so a byte that is no UTF-8 shows as U+FFFD.
func rawLine(ln physLine) string {
	if ln.size <= maxRawBytes {
		return strings.ToValidUTF8(string(ln.text), "\uFFFD")
	}
	return fmt.Sprintf("%s… (%d bytes)", strings.ToValidUTF8(string(ln.text[:maxRawBytes]), "\uFFFD"), ln.size)
}

// scanLines reads an NDJSON stream: its lines and their endings. DuckDB reads each line as
// one row (a blank one as NULL), so records are lines, numbered as they are.
func scanLines(r io.Reader, sink scanSink, out io.Writer) (*textScan, error) {
	lr := newLineReader(r, 1<<20)
	scan := &textScan{ndjson: true, rejected: map[string]int64{}}
	if sink != nil {
		for _, view := range []int{viewOriginal, viewCopy} {
			if err := sink.place(view, 1, 1, 1); err != nil {
				return nil, err
			}
		}
	}
	for {
		ln, ok := lr.read()
		if !ok {
			break
		}
		scan.lines = ln.no
		scan.records++
		scan.endings |= ln.end
		if len(bytes.Trim(ln.text, " ")) == 0 && !ln.long() { // blank as DuckDB's trim sees it
			scan.blank++
		}
		if out != nil {
			if _, err := out.Write(ln.text); err != nil {
				return nil, err
			}
			if _, err := io.WriteString(out, "\n"); err != nil {
				return nil, err
			}
		}
	}
	if lr.err != nil {
		return nil, lr.err
	}
	scan.good = scan.records
	return scan, nil
}
