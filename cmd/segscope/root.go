package main

import (
	"io"

	"github.com/spf13/cobra"
)

// streams are the command's terminal; tests pass buffers.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

func newRootCmd(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "segscope [FILE...]",
		Short: "Explore behavioral customer segments in your terminal",
		Long: `segscope loads event exports into an embedded DuckDB store and lets you compose
behavioral segments, watch counts and overlaps update as you type, and replay campaigns
and A/B tests over history. With no arguments it opens the explorer on a demo dataset.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		PersistentPreRunE: withTimeout,
		// The explorer restores the terminal before it exits: give it time to.
		Annotations: map[string]string{annotationStopGrace: "3s"},
	}
	root.Args = cobra.ArbitraryArgs // event files to explore
	explore := addExploreFlags(root)
	root.RunE = func(cmd *cobra.Command, args []string) error {
		return runExplorer(cmd.Context(), s, explore, args)
	}
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.err)
	// Subcommands register here, one line each.
	root.AddCommand(newLoadCmd(s))
	root.AddCommand(newInfoCmd(s))
	root.AddCommand(newGenCmd(s))
	root.AddCommand(newAbtestCmd(s))
	root.AddCommand(newCountCmd(s))
	root.AddCommand(newOverlapCmd(s))
	root.AddCommand(newMembersCmd(s))
	root.AddCommand(newSQLCmd(s))
	root.AddCommand(newCheckCmd(s))
	root.AddCommand(newExplainCmd(s))
	root.AddCommand(newDiffCmd(s))
	root.AddCommand(newHistoryCmd(s))
	root.AddCommand(newSimulateCmd(s))
	root.AddCommand(newServeCmd(s))
	root.AddCommand(newBenchCmd(s))
	return root
}
