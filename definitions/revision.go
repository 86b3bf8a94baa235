package definitions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/segscope/segscope/segments"
)

// A definition may be named as it was at a git revision, `FILE@REV` (or `NAME@REV` for a
// segment of the workspace): the file is read with `git show REV:FILE` in its own
// repository, so that `segscope diff segments/x.yaml@HEAD~1 segments/x.yaml` compares
// the last commit with the edit. Nothing is checked out.

// maxRevisionFile bounds what git may hand back for one file.
const maxRevisionFile = segments.MaxFileSize

// Side reads the one segment arg names — a file, a NAME in the workspace dir, or either
// at a git revision after "@" — with the resolver of its references. A file holding
// several segments needs want, the name to pick (the other side's, for a diff).
func Side(ctx context.Context, arg, dir, want string) (*segments.Segment, Chain, error) {
	if _, err := os.Stat(arg); err == nil || !strings.Contains(arg, "@") {
		segs, chain, err := Named([]string{arg}, dir)
		if err != nil {
			return nil, nil, err
		}
		seg, err := pick(arg, segs, want)
		return seg, chain, err
	}
	at := strings.LastIndex(arg, "@")
	path, rev := arg[:at], arg[at+1:]
	if rev == "" || strings.HasPrefix(rev, "-") {
		return nil, nil, fmt.Errorf("%s: want FILE@REV with a git revision after @", arg)
	}
	var named *segments.Workspace
	if dir != "" {
		ws, err := segments.LoadWorkspace(dir)
		if err != nil {
			return nil, nil, err
		}
		named = ws
		if s := ws.Segment(path); s != nil && s.File != "" {
			if want == "" {
				want = path
			}
			path = s.File
		}
	}
	src, err := gitShow(ctx, path, rev)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", arg, err)
	}
	segs, err := segments.Parse(arg, src)
	if err != nil {
		return nil, nil, err
	}
	seg, err := pick(arg, segs, want)
	if err != nil {
		return nil, nil, err
	}
	// References resolve in the file as it was, then in today's workspace and folder.
	ws, _ := segments.NewWorkspace(segs, nil)
	chain := Chain{ws}
	if named != nil {
		chain = append(chain, named)
	}
	if dirWS, _ := segments.LoadWorkspace(filepath.Dir(path)); dirWS != nil {
		chain = append(chain, dirWS)
	}
	return seg, chain, nil
}

// pick chooses the segment of a file: its only one, or the one named want.
func pick(arg string, segs []*segments.Segment, want string) (*segments.Segment, error) {
	if len(segs) == 1 {
		return segs[0], nil
	}
	for _, s := range segs {
		if want != "" && s.Name == want {
			return s, nil
		}
	}
	if len(segs) == 0 {
		return nil, fmt.Errorf("%s: no segment in it", arg)
	}
	return nil, fmt.Errorf("%s holds %d segments; name one (with --segments DIR) or give a file of one", arg, len(segs))
}

// gitShow reads path as it was at rev, from the repository the path lies in.
func gitShow(ctx context.Context, path, rev string) ([]byte, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	dir, base := filepath.Dir(abs), filepath.Base(abs)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("no folder %s to read the file's history in", filepath.Dir(path))
	}
	var out, errOut bytes.Buffer
	// "./" makes the path relative to dir rather than to the repository's root; "--" ends
	// the options, so a revision cannot be read as one.
	cmd := exec.CommandContext(ctx, "git", "-C", dir, "show", "--no-textconv", rev+":./"+base, "--")
	cmd.Stdout, cmd.Stderr = &limitWriter{w: &out, left: maxRevisionFile}, &errOut
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			msg := strings.TrimSpace(errOut.String())
			if i := strings.IndexByte(msg, '\n'); i > 0 {
				msg = msg[:i]
			}
			return nil, fmt.Errorf("git show %s:%s: %s", rev, base, strings.TrimPrefix(msg, "fatal: "))
		}
		return nil, fmt.Errorf("git: %w", err)
	}
	return out.Bytes(), nil
}

// limitWriter refuses more than left bytes.
type limitWriter struct {
	w    *bytes.Buffer
	left int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if len(p) > l.left {
		return 0, fmt.Errorf("larger than %d bytes", maxRevisionFile)
	}
	l.left -= len(p)
	return l.w.Write(p)
}
