package query

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// Reconciling what DuckDB reads from a text file with what the file holds.
//
// Every CSV, TSV and NDJSON file is read once in Go before DuckDB reads it (textscan.go),
// in the pass that hashes it for its fingerprint. That pass counts the file's records under
// its dialect, rejects the lines that cannot be records (a quote that does not close, a
// wrong number of fields, a line too long), and notes where records sit: DuckDB numbers its
// rejected rows by its own count of lines, and a quoted line break or a blank line makes
// that differ from the file's lines. After DuckDB has read the file:
//   - its rows plus its rejected lines must be the scan's records, and every line the scan
//     rejected must be one DuckDB rejected too; then every row has its exact line;
//   - otherwise, or when the scan found the file irregular to begin with (a quote that does
//     not close, line endings of more than one kind), DuckDB reads a regular copy the scan
//     writes instead: the header and the good records, every record ending in LF. Its count
//     must then agree, or the load fails saying so. The copy costs a second read and a write
//     of the file, only for such files.
//
// The dialect of a recognised export (canonical, Segment, Amplitude, Mixpanel, PostHog, GA4,
// transaction tables) is pinned — RFC 4180 quotes, the delimiter its header shows — rather
// than sniffed; other files take DuckDB's sniffer's delimiter and header offset.

// textRead is how a text file is read: what its scan found and where its line bookkeeping
// lives in the connection's temporary tables.
type textRead struct {
	scan    *textScan
	dialect csvDialect
	header  csvHeader // the header as Go reads it, for reading without DuckDB's sniffer
	places  string    // view, r, phys, duck: where records sit (scanSink.place)
	rejects string    // phys, duck, reason, raw: lines the scan rejected
	copy    string    // the regular copy DuckDB reads instead of the file, when there is one
}

// view is the records' view DuckDB reads: the original file's, or the copy's.
func (t *textRead) view() int {
	if t.copy != "" {
		return viewCopy
	}
	return viewOriginal
}

// readPath is the file DuckDB reads.
func (pl loadPlan) readPath() string {
	if pl.text != nil && pl.text.copy != "" {
		return pl.text.copy
	}
	return pl.path
}

// readGzip says whether the file DuckDB reads is gzip'd (a copy never is).
func (pl loadPlan) readGzip() bool {
	return pl.sniff.gzip && (pl.text == nil || pl.text.copy == "")
}

// errIrregular says that DuckDB read a file otherwise than its scan: it must read the copy.
var errIrregular = errors.New("DuckDB's reading disagrees with the file's structure")

// fingerprint reads a whole file once for its content hash; text files are scanned in the
// same pass, and a regular copy is written when the scan finds them irregular.
func (l *loader) fingerprint(ctx context.Context, pl *loadPlan) error {
	switch pl.sniff.format {
	case FormatCSV, FormatTSV, FormatNDJSON:
	default:
		h, err := fingerprint(*pl)
		pl.hash = h
		return err
	}
	t := &textRead{places: l.tempName("places"), rejects: l.tempName("linerejects")}
	if pl.sniff.format != FormatNDJSON {
		d, hdr, err := l.csvDialect(ctx, *pl)
		if err != nil {
			return err
		}
		t.dialect, t.header = d, hdr
	}
	for _, q := range []string{
		fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s (view TINYINT, r BIGINT, phys BIGINT, duck BIGINT)", quoteIdent(t.places)),
		fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s (phys BIGINT, duck BIGINT, reason VARCHAR, raw VARCHAR)", quoteIdent(t.rejects)),
	} {
		if _, err := l.exec(ctx, "scan tables", q); err != nil {
			return err
		}
	}
	err := l.conn.Raw(func(dc any) error {
		sink, err := newAppenderSink(dc.(driver.Conn), t.places, t.rejects)
		if err != nil {
			return err
		}
		h, scan, err := scanText(*pl, t.dialect, sink, nil)
		if cerr := sink.close(); err == nil {
			err = cerr
		}
		pl.hash, t.scan = h, scan
		return err
	})
	if err != nil {
		return err
	}
	pl.text = t
	if !t.scan.regular() || t.dialect.blanks {
		return l.writeCopy(pl)
	}
	return nil
}

// scanText reads a text file (decompressing it) through its scan, hashing it on the way
// (SHA-256 of the text, in a goroutine of its own), and writing the regular copy to out
// when it is set.
func scanText(pl loadPlan, d csvDialect, sink scanSink, out io.Writer) (string, *textScan, error) {
	f, err := os.Open(pl.path)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	cr := &countingReader{r: f}
	var text io.Reader = cr
	if pl.sniff.gzip {
		zr, err := gzip.NewReader(cr)
		if err != nil {
			return "", nil, gzipError(err, cr.n, 0)
		}
		text = zr
	}
	tc := &countingReader{r: text}
	h := newAsyncHash(sha256.New())
	r := io.TeeReader(readErrors{tc}, h)
	if d.blanks {
		// The hash is the file's own text; the scan reads its fields tab-separated.
		r = newBlankFields(r, d.headerless)
	}
	var scan *textScan
	if pl.sniff.format == FormatNDJSON {
		scan, err = scanLines(r, sink, out)
	} else {
		scan, err = scanCSV(r, d, sink, out)
	}
	sum := h.sum()
	var re readError
	if errors.As(err, &re) && pl.sniff.gzip {
		return "", nil, gzipError(re.err, cr.n, tc.n)
	}
	if err != nil {
		return "", nil, err
	}
	return hex.EncodeToString(sum), scan, nil
}

// readErrors marks the errors of reading the file (not of scanning or writing it).
type readErrors struct{ r io.Reader }

type readError struct{ err error }

func (e readError) Error() string { return e.err.Error() }
func (e readError) Unwrap() error { return e.err }

func (r readErrors) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = readError{err}
	}
	return n, err
}

// readText reads a file with read, and again from its regular copy when DuckDB read the
// original otherwise than its scan.
func (l *loader) readText(ctx context.Context, pl loadPlan, read func(context.Context, loadPlan) (*preparedFile, error)) (*preparedFile, error) {
	p, err := read(ctx, pl)
	if errors.Is(err, errIrregular) {
		if err := l.writeCopy(&pl); err != nil {
			return nil, err
		}
		p, err = read(ctx, pl)
	}
	return p, err
}

// writeCopy writes the regular copy of a text file, which DuckDB then reads instead.
func (l *loader) writeCopy(pl *loadPlan) error {
	f, err := os.CreateTemp(l.copyDir(), "segscope-load-*"+filepath.Ext(strings.TrimSuffix(pl.path, ".gz")))
	if err != nil {
		return fmt.Errorf("load %s: write a regular copy: %w", pl.path, err)
	}
	l.copies = append(l.copies, f.Name())
	w := bufio.NewWriterSize(f, 1<<20)
	_, scan, err := scanText(*pl, pl.text.dialect, nil, w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("load %s: write a regular copy: %w", pl.path, err)
	}
	if scan.good != pl.text.scan.good {
		return fmt.Errorf("load %s: the file changed while it was being loaded; load it again", pl.path)
	}
	pl.text.copy = f.Name()
	pl.text.dialect.skip = 0
	return nil
}

// copyDir is where regular copies go: SEGSCOPE_TEMP_DIR, else the system's temporary folder.
func (l *loader) copyDir() string {
	if d := os.Getenv("SEGSCOPE_TEMP_DIR"); d != "" {
		return d
	}
	return os.TempDir()
}

// csvDialect decides how a CSV or TSV file is read: pinned for a recognised export, else
// from DuckDB's sniffer (its delimiter and header offset; RFC 4180 quotes unless it found
// others), else as the header line shows.
func (l *loader) csvDialect(ctx context.Context, pl loadPlan) (csvDialect, csvHeader, error) {
	if pl.sniff.whitespace {
		line, err := readHeaderLine(pl)
		if err != nil {
			return csvDialect{}, csvHeader{}, err
		}
		return csvDialect{delim: '\t', quote: '"', escape: '"', blanks: true, headerless: pl.sniff.headerless},
			blankHeader(line, pl.sniff.headerless), nil
	}
	hdr, err := readCSVHeader(pl)
	if err != nil {
		return csvDialect{}, csvHeader{}, err
	}
	pinned := csvDialect{delim: hdr.delim, quote: '"', escape: '"'}
	if f := recognise(newColumnSet(hdr.names)).flavour; f != FlavourGeneric {
		return pinned, hdr, nil
	}
	var delim, quote, escape string
	var skip int64
	err = l.q.QueryRowContext(ctx, fmt.Sprintf(`SELECT Delimiter, Quote, Escape, SkipRows FROM sniff_csv(%s, %s, ignore_errors = true)`,
		quoteLiteral(pl.path), csvOptions(pl))).Scan(&delim, &quote, &escape, &skip)
	if err != nil || len(delim) != 1 || delim == "\"" || delim == "'" {
		return pinned, hdr, nil // the sniffer could not read it: as the header shows
	}
	d := csvDialect{delim: delim[0], quote: '"', escape: '"', skip: skip}
	if len(quote) == 1 {
		d.quote, d.escape = quote[0], quote[0]
	}
	if len(escape) == 1 {
		d.escape = escape[0]
	}
	if d.delim != hdr.delim || skip > 0 {
		// The header as that dialect splits it.
		line := []byte(nil)
		if skip == 0 {
			line, err = readHeaderLine(pl)
		}
		if err == nil && line != nil {
			if h, err := splitHeader(line, d.delim); err == nil {
				hdr = h
			}
		} else {
			hdr.delim = d.delim
		}
	}
	return d, hdr, nil
}

// endingsWarning says, for a file whose lines end in more than one way, that each is read
// as a line ending ("" when they end one way).
func endingsWarning(t *textRead) string {
	if t == nil || t.scan.endings&(t.scan.endings-1) == 0 {
		return ""
	}
	var kinds []string
	for _, e := range []struct {
		bit  int
		name string
	}{{endLF, "LF"}, {endCRLF, "CRLF"}, {endCR, "a lone CR"}} {
		if t.scan.endings&e.bit != 0 {
			kinds = append(kinds, e.name)
		}
	}
	return fmt.Sprintf("its lines end in %s: each was read as a line ending", strings.Join(kinds, ", "))
}

// reconcile checks DuckDB's reading of a text file against its scan: rows read plus lines
// rejected must be the records, and each line the scan rejected must be one DuckDB rejected.
// It returns errIrregular when the original file was read and they disagree (the copy must
// be read instead), and an error saying so when the copy was.
func (l *loader) reconcile(ctx context.Context, p *preparedFile, read int64) error {
	t := p.plan.text
	if t == nil || p.src.rejectsTable == "" {
		return nil
	}
	var rejected, missed int64
	missedQ := "0"
	if t.view() == viewOriginal && !t.scan.ndjson {
		missedQ = fmt.Sprintf(`(SELECT count(*) FROM %s g WHERE NOT EXISTS (SELECT 1 FROM %s d WHERE d.line = g.duck))`,
			quoteIdent(t.rejects), quoteIdent(p.src.rejectsTable))
	}
	if err := l.q.QueryRowContext(ctx, fmt.Sprintf(`SELECT (SELECT count(DISTINCT line) FROM %s), %s`,
		quoteIdent(p.src.rejectsTable), missedQ)).Scan(&rejected, &missed); err != nil {
		return fmt.Errorf("load %s: count rejected lines: %w", p.plan.path, err)
	}
	want := t.scan.records
	if t.view() == viewCopy {
		want = t.scan.good
	}
	if t.scan.ndjson {
		if err := l.q.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM %s WHERE reason = ?`, p.rows()), blankRow).Scan(&p.blank); err != nil {
			return fmt.Errorf("load %s: count blank lines: %w", p.plan.path, err)
		}
	}
	if read+rejected == want && missed == 0 {
		if w := endingsWarning(t); w != "" {
			p.report.Warnings = append(p.report.Warnings, w)
		}
		return nil
	}
	if t.view() == viewOriginal {
		return errIrregular
	}
	return fmt.Errorf("load %s: DuckDB read %s rows and rejected %s lines of the %s records of the file's regular copy; nothing was loaded",
		p.plan.path, countWord(read), countWord(rejected), countWord(want))
}

// writeTextRejected writes a text file's rejected rows with their lines: those the scan
// rejected, those DuckDB's reader rejected, and the staged rows with a reason. DuckDB's
// lines are placed through the scan's places (an ASOF join on the last place at or before
// each), and staged row k is the k-th record DuckDB read: record r = k plus the rejected
// records before it (gap = r - i of the i-th rejected record counts the rows before it).
func (l *loader) writeTextRejected(ctx context.Context, p *preparedFile, path string, now any) error {
	src, t := p.src, p.plan.text
	what := "load " + src.plan.path + ": write rejected rows"
	places := fmt.Sprintf("(SELECT r, phys, duck FROM %s WHERE view = %d)", quoteIdent(t.places), t.view())
	dr := fmt.Sprintf(`(SELECT d.*, pl.r + (d.duck - pl.duck) AS r, pl.phys + (d.duck - pl.duck) AS phys
		FROM (SELECT line AS duck, min(CAST(error_type AS VARCHAR)) AS error_type, first(csv_line) AS csv_line FROM %s GROUP BY line) d
		ASOF LEFT JOIN %s pl ON d.duck >= pl.duck)`, quoteIdent(src.rejectsTable), places)
	ours := ""
	if t.view() == viewOriginal {
		ours = fmt.Sprintf("WHERE duck NOT IN (SELECT duck FROM %s)", quoteIdent(t.rejects))
	}
	if _, err := l.exec(ctx, what, fmt.Sprintf(`INSERT INTO rejected (source, line, reason, raw, loaded_at)
		SELECT ?, phys, reason, raw, ? FROM %s`, quoteIdent(t.rejects)), path, now); err != nil {
		return err
	}
	if _, err := l.exec(ctx, what, fmt.Sprintf(`INSERT INTO rejected (source, line, reason, raw, loaded_at)
		SELECT ?, phys, %s, trim(csv_line, chr(10) || chr(13)), ? FROM %s %s`,
		structuralReasonSQL("error_type", t.scan.ndjson), dr, ours), path, now); err != nil {
		return err
	}
	_, err := l.exec(ctx, what, fmt.Sprintf(`INSERT INTO rejected (source, line, reason, raw, loaded_at)
		WITH dr AS %[1]s,
		g AS (SELECT r - row_number() OVER (ORDER BY r) AS gap, row_number() OVER (ORDER BY r) AS n FROM dr),
		gaps AS (SELECT gap, max(n) AS n FROM g GROUP BY gap),
		bad AS (SELECT rowid - (SELECT min(rowid) FROM %[2]s) + 1 AS k, reason, raw FROM %[2]s WHERE reason IS NOT NULL AND reason <> ?),
		rk AS (SELECT bad.*, bad.k + coalesce(gaps.n, 0) AS r FROM bad ASOF LEFT JOIN gaps ON bad.k > gaps.gap)
		SELECT ?, pl.phys + (rk.r - pl.r), rk.reason, %[3]s, ? FROM rk ASOF LEFT JOIN %[4]s pl ON rk.r >= pl.r`,
		dr, quoteIdent(p.stage), src.rawText("rk.raw"), places), blankRow, path, now)
	return err
}

// checkRows is the last word on a text file: its rows loaded and rejected must be the rows
// its scan found (NDJSON: its lines that are not blank).
func (l *loader) checkRows(p *preparedFile) error {
	t := p.plan.text
	if t == nil || p.src.rejectsTable == "" {
		return nil
	}
	want := t.scan.rows()
	if t.scan.ndjson {
		want = t.scan.records - p.blank
	}
	if got := p.report.Rows; got != want {
		return fmt.Errorf("load %s: %s rows were loaded or rejected, but the file has %s; nothing was loaded", p.plan.path, countWord(got), countWord(want))
	}
	return nil
}

// appenderSink writes a scan's places and rejected lines into temporary tables.
type appenderSink struct {
	places, rejects *duckdb.Appender
}

func newAppenderSink(c driver.Conn, places, rejects string) (*appenderSink, error) {
	a, err := duckdb.NewAppender(c, "temp", "main", places)
	if err != nil {
		return nil, err
	}
	b, err := duckdb.NewAppender(c, "temp", "main", rejects)
	if err != nil {
		a.Close()
		return nil, err
	}
	return &appenderSink{places: a, rejects: b}, nil
}

func (s *appenderSink) place(view int, r, phys, duck int64) error {
	return s.places.AppendRow(int8(view), r, phys, duck)
}

func (s *appenderSink) reject(phys, duck int64, reason, raw string) error {
	return s.rejects.AppendRow(phys, duck, reason, raw)
}

func (s *appenderSink) close() error {
	return errors.Join(s.places.Close(), s.rejects.Close())
}

// asyncHash hashes what is written to it in a goroutine of its own, so that hashing a file
// and scanning it take the time of the slower, not of both.
type asyncHash struct {
	h    hash.Hash
	work chan []byte
	free chan []byte
	done chan struct{}
}

func newAsyncHash(h hash.Hash) *asyncHash {
	a := &asyncHash{h: h, work: make(chan []byte, 4), free: make(chan []byte, 4), done: make(chan struct{})}
	go func() {
		defer close(a.done)
		for b := range a.work {
			a.h.Write(b)
			a.free <- b[:0]
		}
	}()
	for i := 0; i < 4; i++ {
		a.free <- nil
	}
	return a
}

func (a *asyncHash) Write(p []byte) (int, error) {
	b := <-a.free
	a.work <- append(b, p...)
	return len(p), nil
}

// sum waits for what was written and returns the hash.
func (a *asyncHash) sum() []byte {
	close(a.work)
	<-a.done
	return a.h.Sum(nil)
}
