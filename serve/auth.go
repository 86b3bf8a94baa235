package serve

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	gossh "golang.org/x/crypto/ssh"
)

// HostKey loads the server's private host key from path, creating an Ed25519 key there
// (mode 0600, in a folder made 0700) the first time, so that clients' known_hosts entries
// stay valid across restarts. A key file others can read is refused, as sshd does.
func HostKey(path string) (gossh.Signer, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		data, err = createHostKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("host key %s can be read by others (mode %04o): chmod 600 %s", path, perm, path)
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	return signer, nil
}

func createHostKey(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := gossh.MarshalPrivateKey(priv, "segscope host key")
	if err != nil {
		return nil, err
	}
	data := pem.EncodeToMemory(block)
	// O_EXCL: two servers starting at once must not overwrite each other's key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return nil, err
	}
	return data, nil
}

// KeySet is the public keys allowed in, read from an authorized_keys file.
type KeySet struct {
	keys [][]byte // wire encodings
}

// ReadAuthorizedKeys reads an OpenSSH authorized_keys file. Options on a line are ignored,
// except that cert-authority lines are skipped: segscope admits listed keys only. A line
// that does not parse fails the whole file, naming the line, rather than being skipped.
func ReadAuthorizedKeys(path string) (*KeySet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("authorized keys: %w", err)
	}
	ks := &KeySet{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, _, options, _, err := gossh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			return nil, fmt.Errorf("authorized keys %s:%d: %w", path, n, err)
		}
		if slices.ContainsFunc(options, func(o string) bool { return strings.EqualFold(o, "cert-authority") }) {
			continue
		}
		ks.keys = append(ks.keys, key.Marshal())
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("authorized keys %s: %w", path, err)
	}
	if len(ks.keys) == 0 {
		return nil, fmt.Errorf("authorized keys %s: no keys in it", path)
	}
	return ks, nil
}

// Allows reports whether key is one of the set's.
func (ks *KeySet) Allows(key gossh.PublicKey) bool {
	if ks == nil || key == nil {
		return false
	}
	// A certificate is not its signing key: compare the exact key offered.
	w := key.Marshal()
	return slices.ContainsFunc(ks.keys, func(k []byte) bool { return bytes.Equal(k, w) })
}

// Len is how many keys the set holds.
func (ks *KeySet) Len() int { return len(ks.keys) }

// fingerprint names a key in logs: its SHA-256 fingerprint, never the key material.
func fingerprint(key gossh.PublicKey) string {
	if key == nil {
		return "none"
	}
	return gossh.FingerprintSHA256(key)
}
