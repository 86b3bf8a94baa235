package query

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
	"time"
)

// memSink keeps what a scan tells the store.
type memSink struct {
	places  []string // "view r phys duck"
	rejects []string // "phys duck reason"
	raws    []string
}

func (m *memSink) place(view int, r, phys, duck int64) error {
	m.places = append(m.places, fmt.Sprintf("%d %d %d %d", view, r, phys, duck))
	return nil
}

func (m *memSink) reject(phys, duck int64, reason, raw string) error {
	m.rejects = append(m.rejects, fmt.Sprintf("%d %d %s", phys, duck, reason))
	m.raws = append(m.raws, raw)
	return nil
}

var rfc4180 = csvDialect{delim: ',', quote: '"', escape: '"'}

// TestScanCSV: records, rejected lines with their own line, where records sit for DuckDB,
// and the regular copy, for regular and irregular files.
func TestScanCSV(t *testing.T) {
	tests := []struct {
		name          string
		in            string
		records, good int64
		rejects       []string
		places        []string
		endings       int
		regular       bool
		copy          string
	}{
		{name: "plain", in: "a,b,c\n1,x,y\n2,x,y\n", records: 2, good: 2,
			places: []string{"0 1 2 2", "1 1 2 2"}, endings: endLF, regular: true,
			copy: "a,b,c\n1,x,y\n2,x,y\n"},
		{name: "no final line ending", in: "a,b,c\r\n1,x,y\r\n2,x,y", records: 2, good: 2,
			places: []string{"0 1 2 2", "1 1 2 2"}, endings: endCRLF, regular: true,
			copy: "a,b,c\n1,x,y\n2,x,y\n"},
		{name: "quoted line break and blank lines", in: "a,b,c\n1,\"x\ny\",z\n\n\n2,x,y\n3,\"\",\"q\"\"q\"\n", records: 3, good: 3,
			// record 2 starts on line 6, DuckDB's line 5 (it counts the blank lines, not the
			// line inside the quotes); in the copy it is DuckDB's line 3.
			places: []string{"0 1 2 2", "0 2 6 5", "1 1 2 2", "1 2 6 3"}, endings: endLF, regular: true,
			copy: "a,b,c\n1,\"x\ny\",z\n2,x,y\n3,\"\",\"q\"\"q\"\n"},
		{name: "wrong column counts", in: "a,b,c\n1,x,y,z\n2,x\n3,\"x,y\",z\n", records: 3, good: 1,
			rejects: []string{"2 2 wrong column count", "3 3 wrong column count"},
			places:  []string{"0 1 2 2", "1 1 4 2"}, endings: endLF, regular: true,
			copy: "a,b,c\n3,\"x,y\",z\n"},
		{name: "quote inside an unquoted field", in: "a,b,c\n1,x\"q,y\n", records: 1, good: 1,
			places: []string{"0 1 2 2", "1 1 2 2"}, endings: endLF, regular: true, copy: "a,b,c\n1,x\"q,y\n"},
		{name: "text after the closing quote", in: "a,b,c\n1,\"x\"q,y\n2,x,y\n", records: 2, good: 1,
			rejects: []string{"2 2 bad quoting"}, places: []string{"0 1 2 2", "1 1 3 2"}, endings: endLF,
			copy: "a,b,c\n2,x,y\n"},
		{name: "unterminated quote swallows nothing", in: "a,b,c\n1,\"open,y\n2,x,\"{\"\"k\"\":1}\"\n3,x,y\n", records: 2, good: 2,
			rejects: []string{"2 2 bad quoting"}, places: []string{"0 1 3 3", "1 1 3 2"}, endings: endLF,
			copy: "a,b,c\n2,x,\"{\"\"k\"\":1}\"\n3,x,y\n"},
		{name: "unterminated quote at the end of the file", in: "a,b,c\n1,x,y\n2,\"x,y\n", records: 1, good: 1,
			rejects: []string{"3 3 bad quoting"}, places: []string{"0 1 2 2", "1 1 2 2"}, endings: endLF,
			copy: "a,b,c\n1,x,y\n"},
		{name: "a span with the wrong count is the quote's fault", in: "a,b,c\n1,\"x\n2,y\",z,w\n3,a,b\n", records: 2, good: 1,
			rejects: []string{"2 2 bad quoting", "3 3 wrong column count"}, places: []string{"0 1 3 3", "1 1 4 2"}, endings: endLF,
			copy: "a,b,c\n3,a,b\n"},
		{name: "mixed line endings", in: "a,b,c\n1,x,y\r\n2,x,y\r3,x,y\n", records: 3, good: 3,
			places: []string{"0 1 2 2", "1 1 2 2"}, endings: endLF | endCRLF | endCR,
			copy: "a,b,c\n1,x,y\n2,x,y\n3,x,y\n"},
		{name: "CR only", in: "a,b,c\r1,x,y\r2,\"x\ry\",z\r", records: 2, good: 2,
			places: []string{"0 1 2 2", "1 1 2 2"}, endings: endCR, regular: true,
			copy: "a,b,c\n1,x,y\n2,\"x\ry\",z\n"},
		{name: "skipped preamble", in: "# export\na,b,c\n1,x,y\n", records: 1, good: 1,
			places: []string{"0 1 3 3", "1 1 3 2"}, endings: endLF, regular: true, copy: "a,b,c\n1,x,y\n"},
	}
	readers := []struct {
		name string
		size int
		wrap func(io.Reader) io.Reader
	}{
		{"whole", scanBuffer, func(r io.Reader) io.Reader { return r }},
		// Lines, CRLF and records split across reads, records longer than the buffer.
		{"byte by byte", scanBuffer, iotest.OneByteReader},
		{"small buffer", 7, iotest.HalfReader},
	}
	for _, tc := range tests {
		for _, rd := range readers {
			t.Run(tc.name+"/"+rd.name, func(t *testing.T) {
				d := rfc4180
				if tc.name == "skipped preamble" {
					d.skip = 1
				}
				sink := &memSink{}
				var copy bytes.Buffer
				scan, err := scanCSVBuffered(rd.wrap(strings.NewReader(tc.in)), d, sink, &copy, rd.size)
				if err != nil {
					t.Fatal(err)
				}
				if scan.records != tc.records || scan.good != tc.good {
					t.Errorf("records %d good %d, want %d %d", scan.records, scan.good, tc.records, tc.good)
				}
				if !reflect.DeepEqual(sink.rejects, tc.rejects) {
					t.Errorf("rejects %q, want %q", sink.rejects, tc.rejects)
				}
				sort.Strings(sink.places)
				if !reflect.DeepEqual(sink.places, tc.places) {
					t.Errorf("places %q, want %q", sink.places, tc.places)
				}
				if scan.endings != tc.endings || scan.regular() != tc.regular {
					t.Errorf("endings %b regular %v, want %b %v", scan.endings, scan.regular(), tc.endings, tc.regular)
				}
				if copy.String() != tc.copy {
					t.Errorf("copy %q, want %q", copy.String(), tc.copy)
				}
				if scan.rows() != scan.good+int64(len(tc.rejects)) {
					t.Errorf("rows %d", scan.rows())
				}
			})
		}
	}
}

// TestScanLongLines: a line longer than maxRowBytes is one rejected row whose raw text is
// cut, and the lines around it are records.
func TestScanLongLines(t *testing.T) {
	long := strings.Repeat("y", maxRowBytes+10)
	in := "a,b\n1,x\n2," + long + "\n3,\"" + long + "\n4,x\n"
	sink := &memSink{}
	scan, err := scanCSV(strings.NewReader(in), rfc4180, sink, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"3 3 line too long", "4 4 line too long"}
	if !reflect.DeepEqual(sink.rejects, want) || scan.good != 2 {
		t.Fatalf("rejects %q good %d", sink.rejects, scan.good)
	}
	for i, raw := range sink.raws {
		if len(raw) > 64<<10 || !strings.HasSuffix(raw, fmt.Sprintf("(%d bytes)", maxRowBytes+12+i)) {
			t.Errorf("raw of %d bytes ending %q", len(raw), raw[max(0, len(raw)-30):])
		}
	}
}

// TestScanLines: NDJSON lines are records numbered as lines; mixed endings make the file
// irregular and the copy keeps every line where it was.
func TestScanLines(t *testing.T) {
	var copy bytes.Buffer
	scan, err := scanLines(strings.NewReader("{\"a\":1}\r\n\n{\"a\":2}\n  \n{\"a\":3}"), nil, &copy)
	if err != nil {
		t.Fatal(err)
	}
	if scan.records != 5 || scan.blank != 2 || scan.rows() != 3 || scan.regular() {
		t.Errorf("records %d blank %d rows %d regular %v", scan.records, scan.blank, scan.rows(), scan.regular())
	}
	if want := "{\"a\":1}\n\n{\"a\":2}\n  \n{\"a\":3}\n"; copy.String() != want {
		t.Errorf("copy %q", copy.String())
	}
}

func TestDialectParse(t *testing.T) {
	backslash := csvDialect{delim: ',', quote: '"', escape: '\\'}
	none := csvDialect{delim: '\t'}
	tests := []struct {
		d      csvDialect
		line   string
		fields int
		open   bool
		bad    bool
	}{
		{rfc4180, `a,b,c`, 3, false, false},
		{rfc4180, `a,"b,c"`, 2, false, false},
		{rfc4180, `a,"b""c",d`, 3, false, false},
		{rfc4180, `a,"b`, 2, true, false},
		{rfc4180, `a,"b"x`, 2, false, true},
		{rfc4180, `a,b"c,d`, 3, false, false},
		{rfc4180, `,,`, 3, false, false},
		{rfc4180, `"",""`, 2, false, false},
		{backslash, `a,"b\"c",d`, 3, false, false},
		{backslash, `a,"b\`, 2, true, false},
		{none, "a\t\"b\tc", 3, false, false},
	}
	for _, tc := range tests {
		st := recordState{fields: 1}
		bad := tc.d.parse([]byte(tc.line), &st)
		if bad != tc.bad || (!bad && (st.fields != tc.fields || st.open() != tc.open)) {
			t.Errorf("%q: fields %d open %v bad %v, want %d %v %v", tc.line, st.fields, st.open(), bad, tc.fields, tc.open, tc.bad)
		}
	}
}

// BenchmarkScanCSV reads SEGSCOPE_BENCH_CSV (BENCHMARKS.md: the 10M-event canonical CSV)
// through the structure scan and SHA-256, as a load's first pass does.
//
//	SEGSCOPE_BENCH_CSV=events.csv go test ./query -run '^$' -bench BenchmarkScanCSV -benchtime 1x
func BenchmarkScanCSV(b *testing.B) {
	path := os.Getenv("SEGSCOPE_BENCH_CSV")
	if path == "" {
		b.Skip("SEGSCOPE_BENCH_CSV is not set")
	}
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.New()
		scan, err := scanCSV(io.TeeReader(f, h), rfc4180, nil, nil)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(scan.records), "records")
	}
	// CPU time says more than wall time on a shared machine.
	b.ReportMetric((processCPU()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}

// processCPU is the CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
