// Package segments is segscope's segment and campaign language: the typed tree of
// conditions, its YAML parser (every error positioned as file:line:col), a canonical
// formatter whose output parses back to the same tree, workspaces of segment and campaign
// files with their references checked, and the pure rules campaigns replay with (holdout
// assignment, quiet hours, frequency caps).
//
// The tree is plain data for the engine: event names are []string, comparisons carry an
// operator enum and float64 operands in the engine's units (seconds for durations, a ratio
// for percents), windows resolve to explicit intervals against an as_of time, and property
// filters say whether they name a column of the events table or a key of its properties.
// Nothing in the tree needs to be re-parsed from text.
//
// The package imports none of segscope's other packages and no database code.
package segments
