package query

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrCorruptFile reports a file whose container is cut short or damaged (gzip, Parquet):
// loading what can be read of it would lose the rest silently, so the load fails.
var ErrCorruptFile = errors.New("file is cut short or damaged")

// fingerprint reads a whole file once: it checks that a gzip stream is complete and intact
// and that a Parquet file has its footer, and returns the SHA-256 of the content (of the
// decompressed text for gzip, so a file and its .gz are the same content). A file whose
// content is already in the store is refused like a re-load of the same path: the same
// export under another name would double every event. Hashing costs one read of the file
// (SHA-256 runs at well over 1 GB/s with the CPU's SHA extensions; gzip is decompressed at
// a few hundred MB/s), which DuckDB's own reading then mostly finds in the page cache.
func fingerprint(pl loadPlan) (string, error) {
	f, err := os.Open(pl.path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if !pl.sniff.gzip {
		if _, err := io.Copy(h, f); err != nil {
			return "", err
		}
		if pl.sniff.format == FormatParquet {
			if err := checkParquetFooter(f, pl.size); err != nil {
				return "", err
			}
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	cr := &countingReader{r: f}
	zr, err := gzip.NewReader(cr)
	if err != nil {
		return "", gzipError(err, cr.n, 0)
	}
	n, err := io.Copy(h, zr)
	if err != nil {
		return "", gzipError(err, cr.n, n)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// gzipError says where a gzip stream broke: at which byte of the compressed file, after
// how much text.
func gzipError(err error, compressed, text int64) error {
	var corrupt flate.CorruptInputError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Errorf("%w: the gzip data ends at byte %d in the middle of its stream (after %d bytes of text): the file is truncated",
			ErrCorruptFile, compressed, text)
	case errors.As(err, &corrupt):
		return fmt.Errorf("%w: corrupt gzip data at byte %d of the compressed stream (after %d bytes of text)", ErrCorruptFile, int64(corrupt), text)
	case errors.Is(err, gzip.ErrChecksum):
		return fmt.Errorf("%w: the gzip checksum does not match at the end of the stream (byte %d): the data is damaged", ErrCorruptFile, compressed)
	case errors.Is(err, gzip.ErrHeader):
		return fmt.Errorf("%w: broken gzip header near byte %d", ErrCorruptFile, compressed)
	}
	return fmt.Errorf("read gzip at byte %d: %w", compressed, err)
}

// checkParquetFooter checks the end of a Parquet file: a footer length and the magic
// "PAR1". A file cut short has neither, and DuckDB's error for it is a page of text.
func checkParquetFooter(f *os.File, size int64) error {
	if size < 12 {
		return fmt.Errorf("%w: a Parquet file of %d bytes has no room for its footer", ErrCorruptFile, size)
	}
	tail := make([]byte, 8)
	if _, err := f.ReadAt(tail, size-8); err != nil {
		return err
	}
	if !bytes.Equal(tail[4:], []byte("PAR1")) {
		return fmt.Errorf("%w: no Parquet footer at the end of the file (byte %d): the file is truncated or not Parquet", ErrCorruptFile, size)
	}
	footer := int64(tail[0]) | int64(tail[1])<<8 | int64(tail[2])<<16 | int64(tail[3])<<24
	if footer <= 0 || footer > size-12 {
		return fmt.Errorf("%w: the Parquet footer claims %d bytes in a file of %d: the file is truncated or damaged", ErrCorruptFile, footer, size)
	}
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
