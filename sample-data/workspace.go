package sampledata

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
