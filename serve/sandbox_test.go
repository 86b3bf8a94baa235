package serve

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/log/v2"

	"github.com/segscope/segscope/query"
	sampledata "github.com/segscope/segscope/sample-data"
	"github.com/segscope/segscope/segments"
)

// Filters crafted to reach files: through property values, through names. Values are bound
// as parameters and the store is sealed, so none reads or writes anything.
func TestFiltersCannotReachFiles(t *testing.T) {
	store := sealedDemo(t)
	ctx := context.Background()
	before, err := store.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "x.csv")
	payloads := []string{
		`read_csv('/etc/passwd')`,
		`x'); COPY events TO '` + out + `' --`,
		`'); SELECT * FROM read_csv_auto('/etc/passwd'); --`,
		`' UNION SELECT * FROM read_text('/etc/passwd') --`,
		`x"; ATTACH '` + out + `.db' AS o; --`,
	}
	engine := query.NewEngine(store)
	var probes []string
	for _, p := range payloads {
		probes = append(probes,
			"name: probe\nwhere:\n  did: purchase\n  where: {promo: "+quoteYAML(p)+"}\n", // a property value
			"name: probe\nwhere:\n  did: "+quoteYAML(p)+"\n",                             // an event name (any text: names come from the data)
			"name: probe\nwhere:\n  user: loyalty_tier\n  in: ["+quoteYAML(p)+"]\n")      // an attribute value
	}
	for _, src := range probes {
		p := src
		seg, err := segments.ParseSegment("probe.yaml", []byte(src))
		if err != nil {
			t.Fatalf("parse %q: %v", p, err)
		}
		res, err := engine.Evaluate(ctx, seg, nil, time.Time{})
		if err != nil {
			t.Errorf("payload %q: %v", p, err)
			continue
		}
		if res.Count() != 0 {
			t.Errorf("payload %q matched %d users", p, res.Count())
		}
		// The whole-segment SQL shown in the UI inlines the value: run it, it must stay a
		// single harmless query matching nobody.
		text, err := engine.SQLContext(ctx, seg, nil, time.Time{})
		if err != nil {
			t.Errorf("payload %q: sql: %v", p, err)
			continue
		}
		rows, err := store.DB().QueryContext(ctx, text)
		if err != nil {
			t.Errorf("payload %q: the shown SQL does not run: %v\n%s", p, err, text)
			continue
		}
		for rows.Next() {
			t.Errorf("payload %q: the shown SQL matched a row", p)
			break
		}
		rows.Close()
	}
	// Names cannot carry paths or SQL: the language admits [a-z0-9_]+ only.
	for _, name := range []string{"../../etc/passwd", "/etc/passwd", "a'); COPY events TO '/tmp/x", "x.yaml"} {
		src := "name: " + quoteYAML(name) + "\nwhere:\n  did: purchase\n"
		if _, err := segments.ParseSegment("probe.yaml", []byte(src)); err == nil {
			t.Errorf("segment name %q accepted: a save would write outside the workspace", name)
		}
	}
	// Straight SQL on the sealed store's connections cannot reach files either.
	for _, q := range []string{
		`SELECT * FROM read_csv('/etc/passwd')`,
		`SELECT content FROM read_text('/etc/passwd')`,
		`COPY events TO '` + out + `'`,
		`SET enable_external_access = true`,
		`INSTALL httpfs`,
	} {
		var got string
		err := store.DB().QueryRowContext(ctx, q).Scan(&got)
		if err == nil || strings.Contains(got, "root:") {
			t.Errorf("%s: ran on the sealed store (%q)", q, got)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s was written", out)
	}
	after, err := store.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("data version %d → %d: the store changed", before, after)
	}
}

func quoteYAML(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// A runaway query is stopped at the store's query timeout, and the session that ran it
// hears of it.
func TestRunawayQueryIsCancelledAtTheTimeout(t *testing.T) {
	ctx := context.Background()
	store, err := query.Open(ctx, "", query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.DB().ExecContext(ctx, `CREATE TABLE t AS SELECT range AS i FROM range(200000)`); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []query.Interrupt
	const timeout = 100 * time.Millisecond
	err = store.SealWith(ctx, query.Limits{QueryTimeout: timeout, OnInterrupt: func(ctx context.Context, ev query.Interrupt) {
		OnInterrupt(ctx, ev)
		mu.Lock()
		seen = append(seen, ev)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	stats := &sessionStats{log: log.New(logs)}
	sctx := context.WithValue(ctx, statsKey{}, stats)

	start := time.Now()
	var n int64
	err = store.DB().QueryRowContext(sctx, `SELECT sum((a.i * b.i) % 7) FROM t a, t b`).Scan(&n)
	took := time.Since(start)
	if !errors.Is(err, query.ErrQueryTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("runaway query: %v (after %v), want ErrQueryTimeout", err, took)
	}
	if took > timeout+900*time.Millisecond {
		t.Errorf("stopped after %v, want about %v", took, timeout)
	}
	mu.Lock()
	if len(seen) != 1 || !seen[0].TimedOut {
		t.Errorf("interruptions reported: %+v, want one timeout", seen)
	}
	mu.Unlock()
	if stats.timedOut.Load() != 1 || !strings.Contains(logs.String(), "query timed out") {
		t.Errorf("the session did not count or log the timeout (%d): %s", stats.timedOut.Load(), logs.String())
	}
	// The store still answers quick queries afterwards.
	if err := store.DB().QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil || n != 200000 {
		t.Errorf("after the timeout: %d, %v", n, err)
	}
	// A caller's own cancellation is reported as such, not as a timeout.
	cctx, cancel := context.WithCancel(sctx)
	time.AfterFunc(20*time.Millisecond, cancel)
	err = store.DB().QueryRowContext(cctx, `SELECT sum((a.i * b.i) % 7) FROM t a, t b`).Scan(&n)
	if err == nil || errors.Is(err, query.ErrQueryTimeout) {
		t.Errorf("cancelled query: %v", err)
	}
	if stats.cancelled.Load() != 1 {
		t.Errorf("cancellations counted: %d, want 1", stats.cancelled.Load())
	}
}

func TestMemoryLimitIsSet(t *testing.T) {
	store := sealedDemo(t)
	var limit string
	if err := store.DB().QueryRow(`SELECT current_setting('memory_limit')`).Scan(&limit); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(limit, "MiB") && !strings.Contains(limit, "MB") {
		t.Errorf("memory_limit = %q, want the 512MB the test set", limit)
	}
	if _, err := store.DB().Exec(`SET memory_limit = '64GB'`); err == nil {
		t.Error("a session could raise the memory limit on the sealed store")
	}
}

// Twenty engines evaluating the whole demo workspace at once on the shared store get the
// same counts as one engine alone: no errors, no state mixed between sessions.
func TestConcurrentEnginesAgree(t *testing.T) {
	store := sealedDemo(t)
	ctx := context.Background()
	ws, err := segments.LoadWorkspace(writeDemoWorkspace(t))
	if err != nil {
		t.Fatal(err)
	}
	counts := func(e *query.Engine) (map[string]int64, error) {
		got := map[string]int64{}
		for _, seg := range ws.Segments {
			res, err := e.Evaluate(ctx, seg, ws, time.Time{})
			if err != nil {
				return nil, err
			}
			got[seg.Name] = res.Count()
		}
		return got, nil
	}
	want, err := counts(query.NewEngine(store))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			got, err := counts(query.NewEngine(store))
			if err != nil {
				t.Errorf("engine %d: %v", i, err)
				return
			}
			for name, n := range want {
				if got[name] != n {
					t.Errorf("engine %d: %s = %d, alone %d", i, name, got[name], n)
				}
			}
		})
	}
	wg.Wait()
}

func writeDemoWorkspace(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := sampledata.WriteWorkspace(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}
