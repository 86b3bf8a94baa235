package query

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"
)

// Format is a file's container format, detected from its content (and its extension when the
// content allows several).
type Format string

// The formats Load reads.
const (
	FormatCSV     Format = "csv"
	FormatTSV     Format = "tsv"
	FormatParquet Format = "parquet"
	FormatNDJSON  Format = "ndjson" // one JSON object per line
	FormatJSON    Format = "json"   // one JSON array of objects
)

// ErrEmptyFile, ErrUnknownFormat and ErrNoColumns classify load failures that the CLI reports
// as one line each; they are wrapped with the file's name.
var (
	ErrEmptyFile     = errors.New("file is empty")
	ErrUnknownFormat = errors.New("unknown format (want CSV, TSV, Parquet, NDJSON or JSON, optionally gzip'd)")
	ErrNoColumns     = errors.New("no recognisable columns")
	ErrAlreadyLoaded = errors.New("already loaded")
)

// dataExtensions are the file names a folder contributes; other files in a folder (READMEs,
// checksums) are skipped rather than refused.
var dataExtensions = []string{".csv", ".tsv", ".tab", ".txt", ".parquet", ".pq", ".json", ".ndjson", ".jsonl"}

func hasDataExtension(name string) bool {
	name = strings.TrimSuffix(strings.ToLower(name), ".gz")
	for _, ext := range dataExtensions {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// expandPaths turns files, folders and glob patterns into a sorted, de-duplicated list of
// absolute file paths. Every argument must match at least one file: a typo is an error, not
// an empty load.
func expandPaths(args []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(p string) error {
		abs, err := filepath.Abs(p)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			abs = real
		}
		if !seen[abs] {
			seen[abs] = true
			out = append(out, abs)
		}
		return nil
	}
	for _, arg := range args {
		matches := []string{arg}
		if strings.ContainsAny(arg, "*?[") {
			m, err := filepath.Glob(arg)
			if err != nil {
				return nil, fmt.Errorf("%s: bad pattern: %w", arg, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("%s: no files match", arg)
			}
			matches = m
		}
		globbed := len(matches) > 1 || matches[0] != arg
		taken := 0
		for _, m := range matches {
			st, err := os.Stat(m)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil, fmt.Errorf("%s: no such file or folder", m)
				}
				return nil, fmt.Errorf("%s: %w", m, err)
			}
			if !st.IsDir() {
				// A pattern takes the data files it matches (not a README beside them); a
				// file named outright is always taken.
				if globbed && !hasDataExtension(m) {
					continue
				}
				if err := add(m); err != nil {
					return nil, err
				}
				taken++
				continue
			}
			taken++
			var files []string
			err = filepath.WalkDir(m, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				name := d.Name()
				if p != m && strings.HasPrefix(name, ".") {
					if d.IsDir() {
						return filepath.SkipDir
					}
					return nil
				}
				if !d.IsDir() && hasDataExtension(name) {
					files = append(files, p)
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("%s: %w", m, err)
			}
			if len(files) == 0 {
				return nil, fmt.Errorf("%s: folder holds no data files (%s)", m, strings.Join(dataExtensions, " "))
			}
			sort.Strings(files)
			for _, f := range files {
				if err := add(f); err != nil {
					return nil, err
				}
			}
		}
		if taken == 0 {
			return nil, fmt.Errorf("%s: matches no data files (%s)", arg, strings.Join(dataExtensions, " "))
		}
	}
	return out, nil
}

// sniffedFile is what the first bytes of a file say about it.
type sniffedFile struct {
	format Format
	gzip   bool
	latin1 bool // text that is not UTF-8: read as Latin-1 (old spreadsheet exports)
	// whitespace: fields separated by runs of blanks (load_blanks.go); headerless: its first
	// line is data, not names.
	whitespace, headerless bool
	// guessed: a headerless file's columns whose content says their field (guessRoles).
	guessed map[string]string
	// objects: a JSON file that is one object, or several, written over many lines (a
	// single event copied from a tool, an API response) rather than one per line.
	objects bool
}

// sniffHead is how much of a file detection reads (after decompression).
const sniffHead = 64 << 10

// detectFormat reads the head of a file and decides its format: gzip and Parquet by magic
// bytes, JSON by its first character, CSV or TSV otherwise (the delimiter itself is sniffed
// by DuckDB; TSV here only when the extension or the header line says tabs).
func detectFormat(path string) (sniffedFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return sniffedFile{}, err
	}
	defer f.Close()
	var sf sniffedFile
	br := bufio.NewReaderSize(f, sniffHead)
	magic, _ := br.Peek(4)
	var r io.Reader = br
	if len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		sf.gzip = true
		zr, err := gzip.NewReader(br)
		if err != nil {
			return sf, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		r = zr
	}
	head := make([]byte, sniffHead)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return sf, err
	}
	head = head[:n]
	if len(bytes.TrimSpace(head)) == 0 {
		return sf, ErrEmptyFile
	}
	if bytes.HasPrefix(head, []byte("PAR1")) {
		if sf.gzip {
			return sf, fmt.Errorf("%w: gzip'd Parquet is not readable; Parquet compresses its own pages", ErrUnknownFormat)
		}
		sf.format = FormatParquet
		return sf, nil
	}
	ext := strings.ToLower(strings.TrimSuffix(strings.ToLower(path), ".gz"))
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return sf, fmt.Errorf("%w: a zip archive (an Excel workbook?); export it as CSV", ErrUnknownFormat)
	}
	if !textLike(head) {
		return sf, ErrUnknownFormat
	}
	sf.latin1 = !validUTF8Head(head, n == sniffHead)
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch trimmed[0] {
	case '[':
		sf.format = FormatJSON
		return sf, nil
	case '{':
		sf.format = FormatNDJSON
		if !ndjsonHead(trimmed, n == sniffHead) {
			sf.format, sf.objects = FormatJSON, true
		}
		return sf, nil
	}
	if strings.HasSuffix(ext, ".json") || strings.HasSuffix(ext, ".ndjson") || strings.HasSuffix(ext, ".jsonl") {
		return sf, fmt.Errorf("%w: named JSON but does not start with '{' or '['", ErrUnknownFormat)
	}
	if strings.HasSuffix(ext, ".parquet") || strings.HasSuffix(ext, ".pq") {
		return sf, fmt.Errorf("%w: named Parquet but has no Parquet magic bytes", ErrUnknownFormat)
	}
	firstLine, _, _ := bytes.Cut(trimmed, []byte("\n"))
	if strings.HasSuffix(ext, ".tsv") || strings.HasSuffix(ext, ".tab") ||
		bytes.Count(firstLine, []byte("\t")) > bytes.Count(firstLine, []byte(",")) {
		sf.format = FormatTSV
	} else {
		sf.format = FormatCSV
		sf.whitespace, sf.headerless = whitespaceHead(trimmed, n == sniffHead)
		if sf.headerless {
			sf.guessed = guessRoles(trimmed, n == sniffHead)
		}
	}
	return sf, nil
}

// ndjsonHead tells whether a head starting with '{' holds one object per line: some line
// (a whole one, not the head's cut end) starts an object in its first column and is a
// complete JSON value. A pretty-printed object has none: its first line is "{" alone and
// the objects nested in it are indented. One broken line among good ones stays NDJSON (a
// rejected row), as does a file whose only line is longer than the head.
func ndjsonHead(head []byte, cut bool) bool {
	lines := bytes.Split(head, []byte("\n"))
	if cut && len(lines) > 1 {
		lines = lines[:len(lines)-1]
	}
	if cut && len(lines) == 1 {
		return true // one line longer than the head: not a pretty-printed object
	}
	for _, line := range lines {
		line = bytes.TrimRight(line, " \t\r")
		if len(line) > 1 && line[0] == '{' && json.Valid(line) {
			return true
		}
	}
	return false
}

// textLike tells whether the head of a file looks like text: no NUL bytes and hardly any
// other control characters.
func textLike(b []byte) bool {
	if bytes.IndexByte(b, 0) >= 0 {
		return false
	}
	ctrl := 0
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' {
			ctrl++
		}
	}
	return ctrl*100 <= len(b)
}

// validUTF8Head is utf8.Valid allowing, when the head was cut from a longer file, a
// character cut at its end.
func validUTF8Head(b []byte, cut bool) bool {
	if cut {
		for i := 0; i < utf8.UTFMax-1 && len(b) > 0 && !utf8.FullRune(b[len(b)-i-1:]) && len(b) > i; i++ {
			if utf8.Valid(b[:len(b)-i-1]) {
				return true
			}
		}
	}
	return utf8.Valid(b)
}
