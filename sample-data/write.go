package sampledata

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// ConvertFunc converts the canonical events CSV at src into another format at dst and
// returns the number of rows written. query.CSVToParquet is the one segscope uses; it is
// passed in so that this package stays free of the engine (the engine's tests generate
// their data with it).
type ConvertFunc func(ctx context.Context, src, dst string) (rows int64, err error)

// Format is the events file's format.
type Format struct {
	ext     string
	convert ConvertFunc
}

// CSV writes events.csv.
func CSV() Format { return Format{ext: "csv"} }

// Parquet writes events.parquet by converting the generated CSV with convert.
func Parquet(convert ConvertFunc) Format { return Format{ext: "parquet", convert: convert} }

// String is the format's name and file extension.
func (f Format) String() string { return f.ext }

// Summary tells what WriteDataset wrote.
type Summary struct {
	Config      Config    // with defaults filled in
	Start, End  time.Time // the span of event timestamps
	Users       int64
	Events      int64
	Revenue     float64 // sum of revenue, for the report
	UsersFile   string
	EventsFile  string
	EventsBytes int64
	UsersBytes  int64
	// Tally is what was planted and emitted, for the workspace that fits this data
	// (WriteWorkspaceFor).
	Tally *Tally
}

// WriteDataset writes users.csv and events.csv (or events.parquet) into dir, creating it if
// needed. Files appear under their final names only when complete.
func WriteDataset(ctx context.Context, cfg Config, dir string, format Format) (Summary, error) {
	c, err := cfg.normalized()
	if err != nil {
		return Summary{}, err
	}
	if format.ext == "" {
		format = CSV()
	}
	if format.ext != "csv" && format.convert == nil {
		return Summary{}, fmt.Errorf("format %s needs a converter", format.ext)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Summary{}, fmt.Errorf("create %s: %w", dir, err)
	}
	sum := Summary{
		Config:     c,
		Start:      c.start(),
		End:        c.End,
		UsersFile:  filepath.Join(dir, "users.csv"),
		EventsFile: filepath.Join(dir, "events."+format.ext),
	}
	csvPath := filepath.Join(dir, "events.csv")
	if format.ext != "csv" {
		csvPath = filepath.Join(dir, ".events.csv")
	}
	w, err := newDatasetWriter(sum.UsersFile+".partial", csvPath+".partial")
	if err != nil {
		return Summary{}, err
	}
	defer w.abort()

	var revenue int64
	sum.Tally = newTally()
	st := newStamper(c.start().Unix(), c.End.Unix())
	err = run(ctx, c, func(g *gen, ch *chunk) {
		ch.tally = newTally()
		for i := ch.lo; i < ch.hi; i++ {
			g.user(i)
			ch.tally.addUser(&g.u, g.events)
			ch.usersCSV = appendUserRow(ch.usersCSV, &g.u)
			for k := range g.events {
				ch.eventsCSV = appendEventRow(ch.eventsCSV, st, g.u.ID, g.u.AccountID, &g.events[k])
				if c := g.events[k].cents; c != noRevenue {
					ch.revenue += c
				}
			}
			ch.nEvents += int64(len(g.events))
		}
	}, func(ch *chunk) error {
		sum.Users += int64(ch.hi - ch.lo)
		sum.Events += ch.nEvents
		revenue += ch.revenue
		sum.Tally.merge(ch.tally)
		return w.write(ch.usersCSV, ch.eventsCSV)
	})
	sum.Revenue = float64(revenue) / 100
	if err != nil {
		return Summary{}, err
	}
	if sum.UsersBytes, sum.EventsBytes, err = w.finish(); err != nil {
		return Summary{}, err
	}
	defer os.Remove(csvPath + ".partial")
	defer os.Remove(sum.UsersFile + ".partial")
	if format.ext == "csv" {
		if err := os.Rename(csvPath+".partial", sum.EventsFile); err != nil {
			return Summary{}, fmt.Errorf("write %s: %w", sum.EventsFile, err)
		}
	} else if err := convert(ctx, format, csvPath+".partial", &sum); err != nil {
		return Summary{}, err
	}
	if err := os.Rename(sum.UsersFile+".partial", sum.UsersFile); err != nil {
		return Summary{}, fmt.Errorf("write %s: %w", sum.UsersFile, err)
	}
	return sum, nil
}

func convert(ctx context.Context, format Format, csvPath string, sum *Summary) error {
	tmp := sum.EventsFile + ".partial"
	defer os.Remove(tmp)
	rows, err := format.convert(ctx, csvPath, tmp)
	if err != nil {
		return fmt.Errorf("convert events to %s: %w", format.ext, err)
	}
	if rows != sum.Events {
		return fmt.Errorf("convert events to %s: wrote %d rows, generated %d", format.ext, rows, sum.Events)
	}
	info, err := os.Stat(tmp)
	if err != nil {
		return fmt.Errorf("convert events to %s: %w", format.ext, err)
	}
	sum.EventsBytes = info.Size()
	if err := os.Rename(tmp, sum.EventsFile); err != nil {
		return fmt.Errorf("write %s: %w", sum.EventsFile, err)
	}
	return nil
}

// datasetWriter owns the two partial files until they are complete.
type datasetWriter struct {
	users, events *os.File
	nu, ne        int64
	done          bool
}

func newDatasetWriter(usersPath, eventsPath string) (*datasetWriter, error) {
	w := &datasetWriter{}
	var err error
	if w.users, err = os.Create(usersPath); err != nil {
		return nil, fmt.Errorf("create %s: %w", usersPath, err)
	}
	if w.events, err = os.Create(eventsPath); err != nil {
		w.users.Close()
		os.Remove(usersPath)
		return nil, fmt.Errorf("create %s: %w", eventsPath, err)
	}
	if err := w.write(appendHeader(nil, UserColumns()), appendHeader(nil, EventColumns())); err != nil {
		w.abort()
		return nil, err
	}
	return w, nil
}

func (w *datasetWriter) write(users, events []byte) error {
	n, err := w.users.Write(users)
	w.nu += int64(n)
	if err != nil {
		return fmt.Errorf("write %s: %w", w.users.Name(), err)
	}
	n, err = w.events.Write(events)
	w.ne += int64(n)
	if err != nil {
		return fmt.Errorf("write %s: %w", w.events.Name(), err)
	}
	return nil
}

// finish closes both files and reports their sizes.
func (w *datasetWriter) finish() (usersBytes, eventsBytes int64, err error) {
	w.done = true
	err = errors.Join(closeErr(w.users), closeErr(w.events))
	return w.nu, w.ne, err
}

func closeErr(f *os.File) error {
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", f.Name(), err)
	}
	return nil
}

// abort removes the partial files unless finish ran.
func (w *datasetWriter) abort() {
	if w.done {
		return
	}
	w.done = true
	for _, f := range []*os.File{w.users, w.events} {
		f.Close()
		os.Remove(f.Name())
	}
}
