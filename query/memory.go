package query

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Memory. DuckDB's own default limit is 80% of RAM, which lets a 100M-event load or one
// wide query take the machine from everything else. A store is opened with a limit
// instead — Options.MemoryLimit, else $SEGSCOPE_MEMORY_LIMIT, else DefaultMemoryLimit of
// RAM — and DuckDB spills what does not fit (sorts, joins, aggregates) to a temporary
// folder: beside the store file (STORE.duckdb.tmp, DuckDB's default), Options.TempDir or
// $SEGSCOPE_TEMP_DIR when set, and for an in-memory store a private folder under the
// system's temporary directory, removed on Close.

// DefaultMemoryLimit is the share of RAM a store may use when nothing says otherwise.
// A quarter keeps a 100M-event load under 8 GB on a 24 GB machine and leaves the rest to
// the terminal, the SSH sessions and the other programs of a laptop.
const DefaultMemoryLimit = "25%"

// Environment variables that set the memory limit and the spill folder.
const (
	EnvMemoryLimit = "SEGSCOPE_MEMORY_LIMIT"
	EnvTempDir     = "SEGSCOPE_TEMP_DIR"
)

// fallbackRAM is assumed when the machine's memory cannot be read.
const fallbackRAM = 8 << 30

var percentRE = regexp.MustCompile(`^\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*$`)

// memoryLimitSetting turns a limit as people write it ("2GB", "512MB", "25%") into what
// DuckDB's memory_limit accepts: a share of RAM becomes a size in MB, since DuckDB takes
// no percentages.
func memoryLimitSetting(s string) (string, error) {
	if !ValidMemoryLimit(s) {
		return "", fmt.Errorf("memory limit %q: want a size such as 512MB, 2GB or 25%%", s)
	}
	m := percentRE.FindStringSubmatch(s)
	if m == nil {
		return strings.TrimSpace(s), nil
	}
	pct, _ := strconv.ParseFloat(m[1], 64)
	if pct <= 0 || pct > 100 {
		return "", fmt.Errorf("memory limit %q: a share of RAM is between 0 and 100%%", s)
	}
	mb := uint64(float64(totalRAM()) * pct / 100 / (1 << 20))
	return strconv.FormatUint(max(mb, 64), 10) + "MiB", nil
}

// totalRAM is the machine's memory in bytes (Linux /proc/meminfo), or fallbackRAM.
func totalRAM() uint64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return fallbackRAM
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			if kb, err := strconv.ParseUint(fields[1], 10, 64); err == nil && kb > 0 {
				return kb << 10
			}
		}
	}
	return fallbackRAM
}

// memoryOptions fills in the memory limit and spill folder of opts from the environment
// and the defaults. made is a folder it created for an in-memory store, to remove on
// Close.
func memoryOptions(path string, opts Options) (_ Options, made string, err error) {
	limit := opts.MemoryLimit
	if limit == "" {
		limit = os.Getenv(EnvMemoryLimit)
	}
	if limit == "" {
		limit = DefaultMemoryLimit
	}
	if opts.MemoryLimit, err = memoryLimitSetting(limit); err != nil {
		return opts, "", err
	}
	if opts.TempDir == "" {
		opts.TempDir = os.Getenv(EnvTempDir)
	}
	if opts.TempDir == "" && path == "" && !opts.ReadOnly {
		if made, err = os.MkdirTemp("", "segscope-spill-"); err != nil {
			return opts, "", fmt.Errorf("spill folder: %w", err)
		}
		opts.TempDir = made
	}
	return opts, made, nil
}
