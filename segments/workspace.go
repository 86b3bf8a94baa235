package segments

import (
	"cmp"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// Vocabulary is what a dataset knows: its event names and user attributes. The engine's
// store implements it; Validate checks a workspace's names against it.
type Vocabulary interface {
	HasEvent(name string) bool
	EventNames() []string
	HasAttribute(name string) bool
	AttributeNames() []string
}

// Workspace is a folder of segment and campaign files with every reference resolved.
type Workspace struct {
	Dir string
	// Segments in evaluation order: every segment comes after the segments it references.
	// Segments caught in a reference cycle (an error) are still listed, in no useful order.
	Segments []*Segment
	// Campaigns in file order.
	Campaigns []*Campaign

	segments  map[string]*Segment
	campaigns map[string]*Campaign
}

// MaxWorkspaceFiles bounds how many YAML files LoadWorkspace reads.
const MaxWorkspaceFiles = 10000

// LoadWorkspace reads every *.yaml and *.yml file under dir (hidden folders and files,
// whose names start with "." or "_", are skipped). A file is a campaign file when it lies
// in a folder named "campaigns", or when its top level has a campaigns: list or a trigger:
// key; every other file is a segment file (one segment, or a segments: list). Segment
// names and campaign names are each unique; `segment:` references and campaign triggers
// must name a segment of the workspace, without cycles.
//
// A folder named "segments" with no campaigns in it takes its campaigns from a "campaigns"
// folder beside it: that is how `segscope gen` and sample-data lay a workspace out, and
// `--segments shop/segments` should replay shop/campaigns rather than show none.
//
// The workspace holds everything that parsed; the error, an ErrorList, reports every
// problem in every file.
func LoadWorkspace(dir string) (*Workspace, error) {
	var errs ErrorList
	var segs []*Segment
	var camps []*Campaign
	count := 0
	walk := func(dir string, campaignsOnly bool) {
		walkFolder(dir, campaignsOnly, &count, &errs, &segs, &camps)
	}
	walk(dir, false)
	if len(camps) == 0 && filepath.Base(filepath.Clean(dir)) == "segments" {
		beside := filepath.Join(filepath.Dir(filepath.Clean(dir)), "campaigns")
		if info, err := os.Stat(beside); err == nil && info.IsDir() {
			walk(beside, true)
		}
	}
	w, err := NewWorkspace(segs, camps)
	w.Dir = dir
	errs.addErr(Pos{File: dir}, err)
	return w, errs.Err()
}

// walkFolder reads the YAML files under dir into segs and camps (every file a campaign file
// when campaignsOnly), counting files against MaxWorkspaceFiles.
func walkFolder(dir string, campaignsOnly bool, count *int, errs *ErrorList, segs *[]*Segment, camps *[]*Campaign) {
	walkErr := filepath.WalkDir(dir, func(path string, de fs.DirEntry, err error) error {
		if err != nil {
			errs.add(Pos{File: path}, "%v", err)
			if de != nil && de.IsDir() && path != dir {
				return fs.SkipDir
			}
			return nil
		}
		name := de.Name()
		if path != dir && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			if de.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if de.IsDir() {
			return nil
		}
		ext := strings.ToLower(filepath.Ext(name))
		if ext != ".yaml" && ext != ".yml" {
			return nil
		}
		if *count++; *count > MaxWorkspaceFiles {
			if *count == MaxWorkspaceFiles+1 {
				errs.add(Pos{File: dir}, "more than %d YAML files; the rest are not read", MaxWorkspaceFiles)
			}
			return fs.SkipAll
		}
		rel, _ := filepath.Rel(dir, path)
		inCampaigns := campaignsOnly || slices.Contains(strings.Split(filepath.ToSlash(filepath.Dir(rel)), "/"), "campaigns")
		s, c, err := readWorkspaceFile(path, inCampaigns)
		errs.addErr(Pos{File: path}, err)
		*segs = append(*segs, s...)
		*camps = append(*camps, c...)
		return nil
	})
	if walkErr != nil {
		errs.add(Pos{File: dir}, "read workspace: %v", walkErr)
	}
}

func readWorkspaceFile(path string, campaign bool) ([]*Segment, []*Campaign, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, &Error{Pos: Pos{File: path}, Msg: err.Error()}
	}
	if info.Size() > MaxFileSize {
		return nil, nil, &Error{Pos: Pos{File: path}, Msg: fmt.Sprintf("file is larger than %d bytes", MaxFileSize)}
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, &Error{Pos: Pos{File: path}, Msg: err.Error()}
	}
	d := &decoder{file: path}
	body := d.document(src)
	if body == nil {
		return nil, nil, d.errs.Err()
	}
	if campaign || looksLikeCampaign(body) {
		return nil, d.campaignFile(body), d.errs.Err()
	}
	return d.segmentFile(body), nil, d.errs.Err()
}

// looksLikeCampaign tells a campaign file by its top-level keys.
func looksLikeCampaign(body ast.Node) bool {
	var values []*ast.MappingValueNode
	switch m := body.(type) {
	case *ast.MappingNode:
		values = m.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{m}
	}
	for _, mv := range values {
		if mv == nil || mv.Key == nil {
			continue
		}
		if k, _ := scalarText(mv.Key); k == "campaigns" || k == "trigger" {
			return true
		}
	}
	return false
}

// NewWorkspace builds a workspace from segments and campaigns held in memory (the
// explorer's edits), checking names, references and cycles as LoadWorkspace does. The
// workspace is returned even when the error reports problems.
func NewWorkspace(segs []*Segment, camps []*Campaign) (*Workspace, error) {
	var errs ErrorList
	w := &Workspace{segments: map[string]*Segment{}, campaigns: map[string]*Campaign{}}
	ordered := slices.Clone(segs)
	slices.SortStableFunc(ordered, func(a, b *Segment) int {
		return cmp.Or(strings.Compare(a.File, b.File), a.Pos.compare(b.Pos))
	})
	var unique []*Segment
	for _, s := range ordered {
		if s == nil {
			continue
		}
		if prev, dup := w.segments[s.Name]; dup {
			errs.add(s.Pos, "duplicate segment %q (first defined at %s)", s.Name, prev.Pos)
			continue
		}
		w.segments[s.Name] = s
		unique = append(unique, s)
	}
	for _, c := range camps {
		if c == nil {
			continue
		}
		if prev, dup := w.campaigns[c.Name]; dup {
			errs.add(c.Pos, "duplicate campaign %q (first defined at %s)", c.Name, prev.Pos)
			continue
		}
		w.campaigns[c.Name] = c
		w.Campaigns = append(w.Campaigns, c)
	}
	names := make([]string, 0, len(unique))
	for _, s := range unique {
		names = append(names, s.Name)
	}
	for _, s := range unique {
		for _, r := range Refs(s.Where) {
			if _, ok := w.segments[r.Name]; !ok {
				errs.add(r.Pos, "unknown segment %q%s", r.Name, didYouMean(r.Name, names))
			}
		}
	}
	for _, c := range w.Campaigns {
		if c.Trigger.Segment == "" {
			continue
		}
		if _, ok := w.segments[c.Trigger.Segment]; !ok {
			errs.add(c.Trigger.SegmentPos, "unknown segment %q%s", c.Trigger.Segment, didYouMean(c.Trigger.Segment, names))
		}
	}
	w.Segments = w.order(unique, &errs)
	return w, errs.Err()
}

// order sorts segments so each comes after the segments it references (depth-first
// post-order), reporting each reference that closes a cycle with the cycle's path.
func (w *Workspace) order(segs []*Segment, errs *ErrorList) []*Segment {
	const (
		unvisited = iota
		inProgress
		done
	)
	state := map[string]int{}
	var out []*Segment
	var stack []string
	var visit func(s *Segment)
	visit = func(s *Segment) {
		state[s.Name] = inProgress
		stack = append(stack, s.Name)
		for _, r := range Refs(s.Where) {
			dep, ok := w.segments[r.Name]
			if !ok {
				continue
			}
			switch state[dep.Name] {
			case unvisited:
				visit(dep)
			case inProgress:
				i := slices.Index(stack, dep.Name)
				path := append(slices.Clone(stack[i:]), dep.Name)
				errs.add(r.Pos, "segment reference cycle: %s", strings.Join(path, " -> "))
			}
		}
		stack = stack[:len(stack)-1]
		state[s.Name] = done
		out = append(out, s)
	}
	for _, s := range segs {
		if state[s.Name] == unvisited {
			visit(s)
		}
	}
	return out
}

// Segment returns the segment of that name, or nil.
func (w *Workspace) Segment(name string) *Segment { return w.segments[name] }

// Campaign returns the campaign of that name, or nil.
func (w *Workspace) Campaign(name string) *Campaign { return w.campaigns[name] }

// Dependencies lists the segments name references directly, each once, in the order
// written.
func (w *Workspace) Dependencies(name string) []string {
	s := w.segments[name]
	if s == nil {
		return nil
	}
	var out []string
	for _, r := range Refs(s.Where) {
		if !slices.Contains(out, r.Name) {
			out = append(out, r.Name)
		}
	}
	return out
}

// Dependents lists the segments that reference name directly or through others, in
// evaluation order: what must be re-evaluated when name changes.
func (w *Workspace) Dependents(name string) []string {
	affected := map[string]bool{name: true}
	var out []string
	for _, s := range w.Segments { // evaluation order: dependencies settle first
		for _, d := range w.Dependencies(s.Name) {
			if affected[d] && !affected[s.Name] {
				affected[s.Name] = true
				out = append(out, s.Name)
			}
		}
	}
	return out
}

// Validate checks every event name and user attribute of the workspace against v,
// reporting unknown names with the closest known one.
func (w *Workspace) Validate(v Vocabulary) error {
	var errs ErrorList
	for _, s := range w.Segments {
		errs.addErr(s.Pos, ValidateSegment(s, v))
	}
	for _, c := range w.Campaigns {
		errs.addErr(c.Pos, ValidateCampaign(c, v))
	}
	return errs.Err()
}

// maxSuggestCandidates bounds the names searched for a "did you mean".
const maxSuggestCandidates = 20000

type vocabCheck struct {
	v      Vocabulary
	errs   ErrorList
	events []string
	attrs  []string
}

func (vc *vocabCheck) event(name string, pos Pos) {
	if vc.v.HasEvent(name) {
		return
	}
	if vc.events == nil {
		vc.events = capped(vc.v.EventNames())
	}
	vc.errs.add(pos, "unknown event %q%s", name, didYouMean(name, vc.events))
}

func (vc *vocabCheck) attribute(name string, pos Pos) {
	if vc.v.HasAttribute(name) {
		return
	}
	if vc.attrs == nil {
		vc.attrs = capped(vc.v.AttributeNames())
	}
	vc.errs.add(pos, "unknown user attribute %q%s", name, didYouMean(name, vc.attrs))
}

func (vc *vocabCheck) match(em EventMatch) {
	for i, n := range em.Events {
		p := em.Pos
		if i < len(em.EventsPos) && em.EventsPos[i].IsValid() {
			p = em.EventsPos[i]
		}
		vc.event(n, p)
	}
}

func capped(names []string) []string {
	if names == nil {
		names = []string{}
	}
	if len(names) > maxSuggestCandidates {
		names = names[:maxSuggestCandidates]
	}
	return names
}

// ValidateSegment checks a segment's event names and user attributes against v.
func ValidateSegment(s *Segment, v Vocabulary) error {
	vc := &vocabCheck{v: v}
	for _, e := range EventsOf(s.Where) {
		vc.event(e.Name, e.Pos)
	}
	Walk(s.Where, func(c Condition) bool {
		if u, ok := c.(*UserAttr); ok {
			vc.attribute(u.Attr, u.Pos)
		}
		return true
	})
	return vc.errs.Err()
}

// ValidateCampaign checks a campaign's trigger, exit and conversion events against v.
func ValidateCampaign(c *Campaign, v Vocabulary) error {
	vc := &vocabCheck{v: v}
	vc.match(c.Trigger.EventMatch)
	if c.Exit != nil {
		vc.match(*c.Exit)
	}
	if c.Conversion != nil {
		vc.match(c.Conversion.EventMatch)
	}
	return vc.errs.Err()
}
