package sim

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/segscope/segscope/query"
	"github.com/segscope/segscope/segments"
)

// LoadCampaigns parses every campaign of the files given, in order; a file may hold a
// campaigns: list. All problems of all files are reported together.
func LoadCampaigns(files []string) ([]*segments.Campaign, error) {
	var out []*segments.Campaign
	var problems []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			problems = append(problems, fmt.Sprintf("read %s: %v", f, err))
			continue
		}
		cs, err := segments.ParseCampaigns(f, src)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if len(cs) == 0 {
			problems = append(problems, f+": no campaigns")
		}
		out = append(out, cs...)
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return out, nil
}

// TriggerSegments loads the workspace that resolves segment triggers, when a campaign has
// one (nil when none has): dir, or around the first such campaign's file (the parent of its
// folder, as in sample-data/campaigns → sample-data, else the folder itself). Problems in
// segments the campaigns do not need do not stop the replay: they come back as warning.
func TriggerSegments(dir string, files []string, campaigns []*segments.Campaign) (r query.Resolver, warning, err error) {
	var need []*segments.Campaign
	for _, c := range campaigns {
		if c.Trigger.Segment != "" {
			need = append(need, c)
		}
	}
	if len(need) == 0 {
		return nil, nil, nil
	}
	dirs := []string{dir}
	if dir == "" {
		folder := filepath.Dir(need[0].File)
		if need[0].File == "" && len(files) > 0 {
			folder = filepath.Dir(files[0])
		}
		dirs = []string{filepath.Dir(folder), folder}
	}
	var ws *segments.Workspace
	var wsErr error
	for _, d := range dirs {
		w, err := segments.LoadWorkspace(d)
		if w != nil && len(w.Segments) > 0 {
			ws, wsErr = w, err
			break
		}
	}
	if ws == nil {
		return nil, nil, fmt.Errorf("campaign %s triggers on segment %q: no segments found in %s; give --segments DIR",
			need[0].Name, need[0].Trigger.Segment, strings.Join(dirs, " or "))
	}
	for _, c := range need {
		if ws.Segment(c.Trigger.Segment) == nil {
			msg := fmt.Sprintf("campaign %s triggers on segment %q: not in the workspace %s", c.Name, c.Trigger.Segment, ws.Dir)
			if wsErr != nil {
				msg += "\n" + wsErr.Error()
			}
			return nil, nil, errors.New(msg)
		}
	}
	if wsErr != nil {
		warning = fmt.Errorf("workspace %s has problems:\n%w", ws.Dir, wsErr)
	}
	return ws, warning, nil
}
