package query

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// FuzzLoadRows: whatever the rows hold, every row of the file ends as an event or as a
// rejected row with a reason and a line, and the counts add up; or the load fails and the
// store is unchanged. Never a row lost in silence.
//
// The fuzzer's bytes are the rows, one per line, written in one of three ways (mode % 3):
//   - 0: as the fields of a well-formed CSV (user;event;timestamp;extra, quoted by
//     encoding/csv where needed), so quotes, delimiters and line breaks inside fields are
//     exercised while the number of records stays known: it must be the file's rows;
//   - 1: as NDJSON lines as they are (broken JSON included); the rows are the lines that are
//     not blank;
//   - 2: as raw CSV lines after the header, malformed as they come — unbalanced quotes,
//     stray CRs, short and long rows, a cut last line (mode&4: no final line ending; mode&8:
//     CRLF endings). The number of rows is then not known beforehand, so each line starts
//     with its own marker (m<i>z), and every marker must be found in a loaded event (its
//     user, event or properties: a line inside a quoted field is part of a value) or in a
//     rejected row's raw text.
//
// The seed corpus (the f.Add calls and testdata/fuzz/FuzzLoadRows) runs as a unit test in
// CI; `go test ./query -run '^$' -fuzz FuzzLoadRows -fuzztime 5m` runs more.
func FuzzLoadRows(f *testing.F) {
	f.Add([]byte("u1;view;2025-03-01T09:00:00Z;x\nu2;buy;2025-03-02T10:00:00Z;{\"a\":1}"), uint8(0))
	f.Add([]byte("{\"user_id\":\"u1\",\"event\":\"view\",\"timestamp\":\"2025-03-01T09:00:00Z\"}\n{broken\n\n{\"user_id\":null}"), uint8(1))
	f.Add([]byte("u1;\"quoted, with comma\";2025-03-01;NA\n;no user;2025-03-01;\nu3;v;1740819600;\"\"\"\""), uint8(0))
	f.Add([]byte("u\x00;v;2025-03-01;\xff\xfe\nu2;v;10000-01-01;ok"), uint8(0))
	f.Add([]byte(",view,2025-03-01T09:00:00Z,x\n,\"unterminated,2026-01-01T00:00:00Z,x\n,view,2025-03-01T09:00:00Z,\"{\"\"a\"\":1}\""), uint8(2))
	f.Add([]byte(",view,2025-03-01T09:00:00Z,\"two\nlines\"\n,view,2025-03-01T09:00:00Z\n,view,2025-03-01T09:00:00Z,x,y"), uint8(2))
	f.Add([]byte(",view,2025-03-01T09:00:00Z,a\r,view,2025-03-01T09:00:00Z,b\r\n,v,2025-03-01T09:00:00Z,\"c\"d\n,v,2025-03-0"), uint8(2|4))
	f.Add([]byte(",view,2025-03-01T09:00:00Z,a\n\n,\"x\"\"\r\n,view,2025-03-01,b"), uint8(2|8))
	f.Add([]byte("{\"user_id\":\"u1\",\"event\":\"v\",\"timestamp\":\"2025-03-01\"}\r{\"user_id\":\"u2\",\"event\":\"v\",\"timestamp\":\"2025-03-01\"}\r\n  \n\t"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		if len(data) > 1<<14 {
			return
		}
		dir := t.TempDir()
		var file bytes.Buffer
		rows := int64(-1) // unknown
		var markers []string
		var path string
		switch mode % 3 {
		case 1:
			path = filepath.Join(dir, "f.ndjson")
			text := `{"user_id":"u0","event":"first","timestamp":"2025-01-01T00:00:00Z"}` + "\n" + string(data) + "\n"
			file.WriteString(text)
			rows = 0
			for _, line := range lineBreaks.Split(strings.TrimSuffix(text, "\n"), -1) {
				if strings.Trim(line, " ") != "" {
					rows++
				}
			}
		case 0:
			path = filepath.Join(dir, "f.csv")
			w := csv.NewWriter(&file)
			w.Write([]string{"user_id", "event", "timestamp", "extra"})
			rows = 0
			for _, line := range strings.Split(string(data), "\n") {
				fields := strings.SplitN(line, ";", 4)
				for len(fields) < 4 {
					fields = append(fields, "")
				}
				w.Write(fields)
				rows++
			}
			w.Flush()
		case 2:
			path = filepath.Join(dir, "f.csv")
			end := "\n"
			if mode&8 != 0 {
				end = "\r\n"
			}
			file.WriteString("user_id,event,timestamp,extra" + end)
			lines := strings.Split(string(data), "\n")
			for i, line := range lines {
				m := fmt.Sprintf("m%dz", i)
				markers = append(markers, m)
				file.WriteString(m + line)
				if i < len(lines)-1 || mode&4 == 0 {
					file.WriteString(end)
				}
			}
		}
		if err := os.WriteFile(path, file.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := Open(context.Background(), "", Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		rep, err := s.Load(context.Background(), LoadRequest{Paths: []string{path}})
		var events, rejected, sources int64
		s.DB().QueryRow(`SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM rejected), (SELECT count(*) FROM sources)`).
			Scan(&events, &rejected, &sources)
		if err != nil {
			// Saying why is allowed; loading part of it is not.
			if events != 0 || rejected != 0 || sources != 0 {
				t.Fatalf("failed load (%v) left %d events, %d rejected rows, %d sources", err, events, rejected, sources)
			}
			return
		}
		fr := rep.Files[0]
		if fr.Loaded+fr.Rejected != fr.Rows || (rows >= 0 && fr.Rows != rows) {
			t.Fatalf("%d rows written; the report says %d rows, %d loaded + %d rejected (%v)\n%q",
				rows, fr.Rows, fr.Loaded, fr.Rejected, fr.RejectedByReason, file.String())
		}
		if events != fr.Loaded || rejected != fr.Rejected {
			t.Fatalf("the store holds %d events and %d rejected rows; the report says %d and %d", events, rejected, fr.Loaded, fr.Rejected)
		}
		lines := int64(len(lineBreaks.Split(file.String(), -1)))
		var noReason int64
		s.DB().QueryRow(`SELECT count(*) FROM rejected WHERE reason IS NULL OR reason = '' OR line IS NULL OR line < 1 OR line > ?`, lines).Scan(&noReason)
		if noReason != 0 {
			t.Fatalf("%d rejected rows without a reason or a line in 1..%d\n%q", noReason, lines, file.String())
		}
		if len(markers) == 0 {
			return
		}
		var all strings.Builder
		r, err := s.DB().Query(`SELECT u.user_id || ' ' || e.event || ' ' || coalesce(CAST(e.properties AS VARCHAR), '') FROM events e JOIN users u USING (uid)
			UNION ALL SELECT raw FROM rejected`)
		if err != nil {
			t.Fatal(err)
		}
		for r.Next() {
			var text string
			r.Scan(&text)
			all.WriteString(text + "\n")
		}
		r.Close()
		for _, m := range markers {
			if !strings.Contains(all.String(), m) {
				t.Fatalf("the line marked %s is neither an event nor a rejected row (%d loaded, %d rejected)\nfile %q\nstore %q",
					m, fr.Loaded, fr.Rejected, file.String(), all.String())
			}
		}
	})
}

// lineBreaks are the line endings a load reads: LF, CRLF and a lone CR.
var lineBreaks = regexp.MustCompile(`\r\n|\n|\r`)
