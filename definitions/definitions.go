// Package definitions finds the segment and campaign definitions a command names: files,
// folders (workspaces) and names of segments in a workspace, in the order people wrote
// them, with the resolver their segment: references go through. Every command that takes
// SEGMENT arguments reads them here, so that they mean the same everywhere.
package definitions

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/segments"
)

// Named reads the segments args name: files (every segment in them), folders (every
// segment of the workspace, in file order) or names of segments in the workspace dir ("":
// none). References resolve in the file's own segments, then dir, then the file's folder.
func Named(args []string, dir string) ([]*segments.Segment, Chain, error) {
	var named *segments.Workspace
	if dir != "" {
		ws, err := segments.LoadWorkspace(dir)
		if err != nil {
			return nil, nil, err
		}
		named = ws
	}
	var segs []*segments.Segment
	var chain Chain
	for _, arg := range args {
		st, statErr := os.Stat(arg)
		switch {
		case statErr == nil && st.IsDir():
			ws, err := segments.LoadWorkspace(arg)
			if err != nil {
				return nil, nil, err
			}
			segs = append(segs, InFileOrder(ws)...)
			chain = append(chain, ws)
		case statErr == nil:
			fileSegs, err := ReadFile(arg)
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
			return nil, nil, fmt.Errorf("no segment %q in %s and no such file or folder", arg, dir)
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

// ReadFile parses one segment file, refusing files that are not YAML.
func ReadFile(path string) ([]*segments.Segment, error) {
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

// InFileOrder lists a workspace's segments by file and position (the order people wrote
// them), rather than in evaluation order.
func InFileOrder(ws *segments.Workspace) []*segments.Segment {
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

// Chain asks each resolver in turn.
type Chain []query.Resolver

// Segment is the first resolver's segment of that name.
func (c Chain) Segment(name string) *segments.Segment {
	for _, r := range c {
		if s := r.Segment(name); s != nil {
			return s
		}
	}
	return nil
}

// All reads every definition args name, files and folders, for a check: the segments (in
// file order), the campaigns of the folders and the resolver of references. A definition
// that does not parse or validate does not stop it: each problem goes to problem. Only an
// argument that is neither a file nor a folder is an error.
func All(args []string, problem func(error)) ([]*segments.Segment, []*segments.Campaign, Chain, error) {
	var segs []*segments.Segment
	var camps []*segments.Campaign
	var chain Chain
	found := func(err error) {
		if err != nil {
			problem(err)
		}
	}
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("check %s: no such file or folder", arg)
		}
		if st.IsDir() {
			ws, err := segments.LoadWorkspace(arg)
			found(err)
			segs = append(segs, InFileOrder(ws)...)
			camps = append(camps, ws.Campaigns...)
			chain = append(chain, ws)
			continue
		}
		fileSegs, err := ReadFile(arg)
		found(err)
		ws, err := segments.NewWorkspace(fileSegs, nil)
		found(err)
		segs = append(segs, fileSegs...)
		chain = append(chain, ws)
	}
	return segs, camps, chain, nil
}
