package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/report/format"
	"github.com/segscope/segscope/segments"
	"github.com/segscope/segscope/tui/safe"
)

func newCountCmd(s *streams) *cobra.Command {
	var waterfall bool
	cmd := &cobra.Command{
		Use:   "count SEGMENT... --db STORE.duckdb",
		Short: "Count the members of segments",
		Long: `count evaluates segment definitions on a store and prints one line per segment: its
members, the universe (all people, or all accounts for unit: account) and the share.

A SEGMENT is a YAML file (one segment or a segments: list), a folder of them (a workspace),
or the NAME of a segment in the workspace --segments DIR. --waterfall adds, for a segment
whose where: is an all:, each condition with the members it matches alone and the members
remaining after it. --json prints one object per segment per line:
{"segment":NAME,"members":N,"universe":U,"as_of":RFC3339}.`,
		Example: `  segscope count segments/cart_abandoners.yaml --db shop.duckdb
  segscope count segments/ --db shop.duckdb --json
  segscope count cart_abandoners --segments segments/ --db shop.duckdb --waterfall`,
		Args: cobra.MinimumNArgs(1),
	}
	f := addSegmentFlags(cmd)
	cmd.Flags().BoolVar(&waterfall, "waterfall", false, "show each condition of a top-level all: with its counts")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		env, err := f.open(ctx, args)
		if err != nil {
			return err
		}
		defer env.close()
		// Human output is aligned across segments, so it is written once all are counted;
		// JSON lines go out as each segment is done.
		var results []*query.Result
		for _, seg := range env.segs {
			res, err := env.engine.Evaluate(ctx, seg, env.resolver, env.asOf)
			if err != nil {
				return err
			}
			if f.json {
				if err := writeCountJSON(s.out, res, waterfall); err != nil {
					return err
				}
				continue
			}
			results = append(results, res)
		}
		if !f.json {
			writeCounts(s.out, results, waterfall)
		}
		return nil
	}
	return cmd
}

// countJSON is one line of `count --json`.
type countJSON struct {
	Segment   string          `json:"segment"`
	Members   int64           `json:"members"`
	Universe  int64           `json:"universe"`
	AsOf      string          `json:"as_of"`
	Waterfall []waterfallJSON `json:"waterfall,omitempty"`
}

type waterfallJSON struct {
	Condition string `json:"condition"`
	Matching  int64  `json:"matching"`
	Remaining int64  `json:"remaining"`
}

func writeCountJSON(w io.Writer, res *query.Result, waterfall bool) error {
	out := countJSON{Segment: res.Segment, Members: res.Count(), Universe: res.Universe, AsOf: res.AsOf.Format(time.RFC3339Nano)}
	if waterfall {
		for _, st := range res.Waterfall {
			out.Waterfall = append(out.Waterfall, waterfallJSON{Condition: st.Label, Matching: st.Matching, Remaining: st.Remaining})
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// writeCounts prints one aligned line per segment — name, members, universe, share — and
// the as_of they share; with waterfall, each segment's conditions under it. Names and labels
// come from files: they pass through safe.Text.
func writeCounts(w io.Writer, results []*query.Result, waterfall bool) {
	nameW, countW := 0, 0
	for _, res := range results {
		nameW = max(nameW, utf8.RuneCountInString(safe.Text(res.Segment)))
		countW = max(countW, len(format.Count(res.Count())))
	}
	for _, res := range results {
		name := safe.Text(res.Segment)
		fmt.Fprintf(w, "%s%s  %*s of %s %ss (%s)\n", name, strings.Repeat(" ", nameW-utf8.RuneCountInString(name)),
			countW, format.Count(res.Count()), format.Count(res.Universe), res.Unit, format.Share(res.Count(), res.Universe))
		if !waterfall {
			continue
		}
		wf := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(wf, "\t\tmatching\tremaining\t")
		for i, st := range res.Waterfall {
			fmt.Fprintf(wf, "\t%d\t%s\t%s\t  %s\n", i+1, format.Count(st.Matching), format.Count(st.Remaining), safe.Text(st.Label))
		}
		wf.Flush()
	}
	if len(results) > 0 {
		fmt.Fprintf(w, "as of %s\n", results[0].AsOf.Format(time.RFC3339))
	}
}

// segmentFlags are the flags of every command that evaluates segments: the store, as_of,
// --json and the workspace that names resolve in.
type segmentFlags struct {
	store    *storeFlags
	asOf     string
	json     bool
	segments string
}

func addSegmentFlags(cmd *cobra.Command) *segmentFlags {
	f := &segmentFlags{store: addStoreFlags(cmd)}
	cmd.Flags().StringVar(&f.asOf, "as-of", "", "evaluate as of this `TIME` (RFC 3339, or YYYY-MM-DD meaning the end of that UTC day; default: the latest event)")
	cmd.Flags().BoolVar(&f.json, "json", false, "print JSON")
	cmd.Flags().StringVar(&f.segments, "segments", "", "the workspace `DIR` that segment names (and references) resolve in")
	return f
}

// segmentEnv is what a segment command works with: the engine on the sealed store, the
// segments its arguments named, the resolver of references and as_of.
type segmentEnv struct {
	store    *query.Store
	engine   *query.Engine
	segs     []*segments.Segment
	resolver query.Resolver
	asOf     time.Time
}

func (e *segmentEnv) close() { e.store.Close() }

// open reads the segments args name, then opens and seals the store: a wrong file fails
// before the store is touched.
func (f *segmentFlags) open(ctx context.Context, args []string) (*segmentEnv, error) {
	asOf, err := parseAsOf(f.asOf)
	if err != nil {
		return nil, err
	}
	segs, resolver, err := f.resolveArgs(args)
	if err != nil {
		return nil, err
	}
	store, err := f.store.openRead(ctx)
	if err != nil {
		return nil, err
	}
	// Everything after this point evaluates user-written definitions: no file access,
	// configuration locked.
	if err := store.Seal(ctx); err != nil {
		store.Close()
		return nil, err
	}
	return &segmentEnv{store: store, engine: query.NewEngine(store), segs: segs, resolver: resolver, asOf: asOf}, nil
}

// resolveArgs reads the segments named by args: files (every segment in them), folders
// (every segment of the workspace) or names in --segments. References resolve in the
// file's own segments, then --segments, then the file's folder.
func (f *segmentFlags) resolveArgs(args []string) ([]*segments.Segment, query.Resolver, error) {
	var named *segments.Workspace
	if f.segments != "" {
		ws, err := segments.LoadWorkspace(f.segments)
		if err != nil {
			return nil, nil, err
		}
		named = ws
	}
	var segs []*segments.Segment
	var chain resolverChain
	for _, arg := range args {
		st, statErr := os.Stat(arg)
		switch {
		case statErr == nil && st.IsDir():
			ws, err := segments.LoadWorkspace(arg)
			if err != nil {
				return nil, nil, err
			}
			segs = append(segs, workspaceOrder(ws)...)
			chain = append(chain, ws)
		case statErr == nil:
			fileSegs, err := readSegmentFile(arg)
			if err != nil {
				return nil, nil, err
			}
			ws, err := segments.NewWorkspace(fileSegs, nil)
			segs = append(segs, fileSegs...)
			chain = append(chain, ws)
			if err != nil && named == nil {
				// References may point at the file's neighbours; the folder may hold other
				// broken files, which are not this command's business.
				if dirWS, _ := segments.LoadWorkspace(filepath.Dir(arg)); dirWS != nil {
					chain = append(chain, dirWS)
				}
			}
		case named != nil && named.Segment(arg) != nil:
			segs = append(segs, named.Segment(arg))
		case named != nil:
			return nil, nil, fmt.Errorf("no segment %q in %s and no such file or folder", arg, f.segments)
		case errors.Is(statErr, fs.ErrNotExist):
			return nil, nil, fmt.Errorf("%s: no such file or folder (to name a segment, give its workspace with --segments DIR)", arg)
		default:
			return nil, nil, statErr
		}
	}
	if named != nil {
		chain = append(chain, named)
	}
	if len(segs) == 0 {
		return nil, nil, errors.New("no segments found")
	}
	return segs, chain, nil
}

// readSegmentFile parses one segment file, refusing files that are not YAML.
func readSegmentFile(path string) ([]*segments.Segment, error) {
	if ext := strings.ToLower(filepath.Ext(path)); ext != ".yaml" && ext != ".yml" {
		return nil, fmt.Errorf("%s: not a segment file (want .yaml or .yml)", path)
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Size() > segments.MaxFileSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, segments.MaxFileSize)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return segments.Parse(path, src)
}

// workspaceOrder lists a workspace's segments by file and position (the order people wrote
// them), rather than in evaluation order.
func workspaceOrder(ws *segments.Workspace) []*segments.Segment {
	segs := slices.Clone(ws.Segments)
	slices.SortStableFunc(segs, func(a, b *segments.Segment) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line - b.Pos.Line
		}
		return a.Pos.Col - b.Pos.Col
	})
	return segs
}

// resolverChain asks each resolver in turn.
type resolverChain []query.Resolver

func (c resolverChain) Segment(name string) *segments.Segment {
	for _, r := range c {
		if s := r.Segment(name); s != nil {
			return s
		}
	}
	return nil
}
