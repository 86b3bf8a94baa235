package query

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
	"time"
)

// tracedQuerier writes each statement of a load with the time it took (LoadRequest.Trace):
// when a load is slow on someone's data, the statement that was slow says why.
type tracedQuerier struct {
	q loadQuerier
	w io.Writer
}

// traced wraps q when the request asks for a trace.
func (l *loader) traced(q loadQuerier) loadQuerier {
	if l.req.Trace == nil {
		return q
	}
	return tracedQuerier{q: q, w: l.req.Trace}
}

func (t tracedQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	start := time.Now()
	res, err := t.q.ExecContext(ctx, query, args...)
	t.note(start, query, err)
	return res, err
}

func (t tracedQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	start := time.Now()
	rows, err := t.q.QueryContext(ctx, query, args...)
	t.note(start, query, err)
	return rows, err
}

func (t tracedQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	start := time.Now()
	row := t.q.QueryRowContext(ctx, query, args...)
	t.note(start, query, row.Err())
	return row
}

// traceWidth is how much of a statement a trace line quotes.
const traceWidth = 200

func (t tracedQuerier) note(start time.Time, query string, err error) {
	q := strings.Join(strings.Fields(query), " ")
	if r := []rune(q); len(r) > traceWidth {
		q = string(r[:traceWidth]) + "…"
	}
	status := ""
	if err != nil {
		status = "  (failed)"
	}
	fmt.Fprintf(t.w, "%9.3fs  %s%s\n", time.Since(start).Seconds(), q, status)
}
