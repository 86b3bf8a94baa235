package query

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoadRows: whatever the rows hold, every row of the file ends as an event or as a
// rejected row with a reason, and the counts add up to the rows written; or the load fails
// and the store is unchanged. Never a row lost in silence.
//
// The fuzzer's bytes are the rows, one per line: as NDJSON lines as they are (broken JSON
// included), or as the fields of a well-formed CSV (user;event;timestamp;extra, quoted by
// encoding/csv where needed, so quotes, delimiters and line breaks inside fields are
// exercised while the number of records stays known). The seed corpus under
// testdata/fuzz/FuzzLoadRows runs as a unit test in CI; `go test -fuzz FuzzLoadRows` runs
// more.
func FuzzLoadRows(f *testing.F) {
	f.Add([]byte("u1;view;2025-03-01T09:00:00Z;x\nu2;buy;2025-03-02T10:00:00Z;{\"a\":1}"), false)
	f.Add([]byte("{\"user_id\":\"u1\",\"event\":\"view\",\"timestamp\":\"2025-03-01T09:00:00Z\"}\n{broken\n\n{\"user_id\":null}"), true)
	f.Add([]byte("u1;\"quoted, with comma\";2025-03-01;NA\n;no user;2025-03-01;\nu3;v;1740819600;\"\"\"\""), false)
	f.Add([]byte("u\x00;v;2025-03-01;\xff\xfe\nu2;v;10000-01-01;ok"), false)
	f.Fuzz(func(t *testing.T, data []byte, ndjson bool) {
		if len(data) > 1<<14 {
			return
		}
		dir := t.TempDir()
		var file bytes.Buffer
		var rows int64
		var path string
		if ndjson {
			path = filepath.Join(dir, "f.ndjson")
			file.WriteString(`{"user_id":"u0","event":"first","timestamp":"2025-01-01T00:00:00Z"}` + "\n")
			rows = 1
			for _, line := range strings.Split(string(data), "\n") {
				file.WriteString(line + "\n")
				if strings.TrimSpace(strings.TrimSuffix(line, "\r")) != "" {
					rows++
				}
			}
		} else {
			path = filepath.Join(dir, "f.csv")
			w := csv.NewWriter(&file)
			w.Write([]string{"user_id", "event", "timestamp", "extra"})
			for _, line := range strings.Split(string(data), "\n") {
				fields := strings.SplitN(line, ";", 4)
				for len(fields) < 4 {
					fields = append(fields, "")
				}
				w.Write(fields)
				rows++
			}
			w.Flush()
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
		if fr.Rows != rows || fr.Loaded+fr.Rejected != rows {
			t.Fatalf("%d rows written; the report says %d rows, %d loaded + %d rejected (%v)\n%q",
				rows, fr.Rows, fr.Loaded, fr.Rejected, fr.RejectedByReason, file.String())
		}
		if events != fr.Loaded || rejected != fr.Rejected {
			t.Fatalf("the store holds %d events and %d rejected rows; the report says %d and %d", events, rejected, fr.Loaded, fr.Rejected)
		}
		var noReason int64
		s.DB().QueryRow(`SELECT count(*) FROM rejected WHERE reason IS NULL OR reason = '' OR line IS NULL`).Scan(&noReason)
		if noReason != 0 {
			t.Fatalf("%d rejected rows without a reason or line", noReason)
		}
	})
}
