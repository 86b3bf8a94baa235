package sampledata

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/segscope/segscope/segments"
)

// The demo workspace: segment definitions for every planted behavior and the campaigns
// that act on them, written against the Demo dataset (their `expect:` bounds hold on it).
// Compiled into the binary so the explorer opens a complete workspace offline.
//
//go:embed segments campaigns
var workspaceFiles embed.FS

// Workspace is the demo workspace as a read-only file system: segments/*.yaml (one segment
// per file) and campaigns/*.yaml (one campaign per file), the layout
// segments.LoadWorkspace reads from a folder.
func Workspace() fs.FS { return workspaceFiles }

// WriteWorkspace copies the demo workspace into dir (created when missing), as
// dir/segments/*.yaml and dir/campaigns/*.yaml, for tools that read a folder
// (`segscope check DIR`, segments.LoadWorkspace). Existing files of the same names are
// overwritten; nothing else in dir is touched.
func WriteWorkspace(dir string) error {
	return fs.WalkDir(workspaceFiles, ".", func(path string, de fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("write workspace: %w", err)
		}
		dst := filepath.Join(dir, filepath.FromSlash(path))
		if de.IsDir() {
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return fmt.Errorf("write workspace: %w", err)
			}
			return nil
		}
		b, err := workspaceFiles.ReadFile(path)
		if err != nil {
			return fmt.Errorf("write workspace: %w", err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return fmt.Errorf("write workspace: %w", err)
		}
		return nil
	})
}

// FittedWorkspace is what WriteWorkspaceFor wrote.
type FittedWorkspace struct {
	Dir       string
	Segments  []string // names, in file order
	Campaigns []string
	Expected  int // segments written with expect: bounds
}

var expectLine = regexp.MustCompile(`(?m)^expect:.*$`)

// WriteWorkspaceFor writes into dir (segments/ and campaigns/) the part of the demo
// workspace that fits a generated dataset: the segments whose events the data holds and
// whose industries it has, and the campaigns acting on those, with `expect:` bounds taken
// from what the generator planted in this very data (Summary.Tally), so that
// `segscope check dir/segments` on a store loaded from it passes. A segment whose count
// nothing planted decides is written without expect:.
func WriteWorkspaceFor(dir string, sum Summary) (FittedWorkspace, error) {
	out := FittedWorkspace{Dir: dir}
	t := sum.Tally
	if t == nil {
		return out, fmt.Errorf("write workspace: the dataset summary has no tally")
	}
	type segFile struct {
		path string
		src  []byte
		seg  *segments.Segment
	}
	files, err := fs.Glob(workspaceFiles, "segments/*.yaml")
	if err != nil {
		return out, fmt.Errorf("write workspace: %w", err)
	}
	segs := map[string]segFile{}
	var order []string
	for _, f := range files {
		src, err := workspaceFiles.ReadFile(f)
		if err != nil {
			return out, fmt.Errorf("write workspace: %w", err)
		}
		s, err := segments.ParseSegment(f, src)
		if err != nil {
			return out, fmt.Errorf("write workspace: %w", err)
		}
		segs[s.Name] = segFile{f, src, s}
		order = append(order, s.Name)
	}
	// A segment fits when the data has its people and its events, and every segment it
	// refers to fits.
	fits := map[string]bool{}
	var fit func(name string, seen map[string]bool) bool
	fit = func(name string, seen map[string]bool) bool {
		if v, ok := fits[name]; ok {
			return v
		}
		sf, ok := segs[name]
		if !ok || seen[name] {
			return false
		}
		seen[name] = true
		e, known := expectations[name]
		ok = known && e.admits(sum.Config.Industry) && t.Users(e.industries...) > 0
		for _, ev := range segments.EventsOf(sf.seg.Where) {
			ok = ok && t.HasEvent(ev.Name)
		}
		for _, ref := range segments.Refs(sf.seg.Where) {
			ok = ok && fit(ref.Name, seen)
		}
		fits[name] = ok
		return ok
	}
	for _, d := range []string{"segments", "campaigns"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return out, fmt.Errorf("write workspace: %w", err)
		}
	}
	for _, name := range order {
		if !fit(name, map[string]bool{}) {
			continue
		}
		sf := segs[name]
		e := expectations[name]
		var line string
		if lo, hi, ok := e.bounds(t); ok {
			line = fmt.Sprintf("expect: {members: %q}  # from what segscope gen planted in this data", e.boundsText(lo, hi))
			out.Expected++
		} else {
			line = "# No expect: here: nothing segscope gen planted decides how many members this has."
		}
		src := expectLine.ReplaceAll(sf.src, []byte(line))
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(sf.path)), src, 0o644); err != nil {
			return out, fmt.Errorf("write workspace: %w", err)
		}
		out.Segments = append(out.Segments, name)
	}
	files, err = fs.Glob(workspaceFiles, "campaigns/*.yaml")
	if err != nil {
		return out, fmt.Errorf("write workspace: %w", err)
	}
	for _, f := range files {
		src, err := workspaceFiles.ReadFile(f)
		if err != nil {
			return out, fmt.Errorf("write workspace: %w", err)
		}
		cs, err := segments.ParseCampaigns(f, src)
		if err != nil {
			return out, fmt.Errorf("write workspace: %w", err)
		}
		ok := true
		var names []string
		for _, c := range cs {
			names = append(names, c.Name)
			if c.Trigger.Segment != "" {
				ok = ok && fits[c.Trigger.Segment]
			}
			matches := []*segments.EventMatch{&c.Trigger.EventMatch, c.Exit}
			if c.Conversion != nil {
				matches = append(matches, &c.Conversion.EventMatch)
			}
			for _, m := range matches {
				if m == nil {
					continue
				}
				for _, ev := range m.Events {
					ok = ok && t.HasEvent(ev)
				}
			}
		}
		if !ok {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(f)), src, 0o644); err != nil {
			return out, fmt.Errorf("write workspace: %w", err)
		}
		out.Campaigns = append(out.Campaigns, names...)
	}
	return out, nil
}
