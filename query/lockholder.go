package query

import (
	"bytes"
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// LockHolder names the process that holds a store open for writing, from the error Open
// returned (ErrLocked, which carries DuckDB's pid): its pid, and its command line where
// the system tells it (Linux's /proc), so that a reader can say "segscope load is writing
// this store" rather than only "in use". ok is false when err is not a lock conflict or
// names no pid.
func LockHolder(err error) (pid int, command string, ok bool) {
	if !errors.Is(err, ErrLocked) {
		return 0, "", false
	}
	m := holderPID.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, "", false
	}
	pid, convErr := strconv.Atoi(m[1])
	if convErr != nil || pid <= 0 {
		return 0, "", false
	}
	if raw, err := os.ReadFile("/proc/" + m[1] + "/cmdline"); err == nil {
		command = strings.TrimSpace(string(bytes.ReplaceAll(raw, []byte{0}, []byte{' '})))
	}
	return pid, command, true
}

// holderPID reads the pid openError puts in a lock conflict's message.
var holderPID = regexp.MustCompile(`\(pid (\d+)\)`)
