package theme

import (
	"time"

	"charm.land/bubbles/v2/spinner"
)

// SlowSpinner is MiniDot turning four times a second instead of twelve, for the spinners
// that stay up while counts run (the status bar's, the Segments list's rows): each turn
// redraws the screen, and on a server twenty visitors' redraws compete with the counts
// they wait for (BENCHMARKS.md, "Many visitors").
var SlowSpinner = spinner.Spinner{Frames: spinner.MiniDot.Frames, FPS: time.Second / 4}
