package query

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"
)

// Hash-ordered id runs: how a load numbers new people and accounts so that a range of ids is
// a random sample.
//
// Each batch of new ids a load hands out (the new people of one events file, the new people
// of a users file, the new accounts of either) is numbered in the order of a hash of the
// external id (DuckDB's hash(user_id), ties broken by the id itself): a deterministic order
// unrelated to what people did or when they came. Any prefix of a batch's range is then a
// random sample of that batch, and because events are laid out by (event, uid, ts), a
// condition evaluated on such a prefix reads only its share of each event's row groups — an
// estimate costs about its sample's share of an exact count instead of most of it (the
// Fibonacci spread of Sample.Spread has to read every row group).
//
// The batches are recorded in meta as runs ("lo-hi,lo-hi,…", in id order). A store loaded
// by a segscope before this numbering has no runs, or runs that leave its first ids out;
// estimates on it fall back to the spread sample (hashRuns.covers).

// Keys of the meta table listing the hash-ordered runs of uids and aids.
const (
	metaUIDRuns = "uid_hash_runs"
	metaAIDRuns = "aid_hash_runs"
)

// hashOrder is the ORDER BY that numbers a batch of new ids by the hash of key.
func hashOrder(key string) string { return fmt.Sprintf("hash(%[1]s), %[1]s", key) }

// IDRange is the ids Lo..Hi, both included.
type IDRange struct{ Lo, Hi uint32 }

// Len is how many ids the range holds.
func (r IDRange) Len() uint64 { return uint64(r.Hi) - uint64(r.Lo) + 1 }

// hashRuns are the hash-ordered runs of one id space, in id order.
type hashRuns []IDRange

func (rs hashRuns) String() string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%d-%d", r.Lo, r.Hi)
	}
	return strings.Join(parts, ",")
}

// parseHashRuns reads a meta value written by hashRuns.String.
func parseHashRuns(v string) (hashRuns, error) {
	if v == "" {
		return nil, nil
	}
	var rs hashRuns
	for _, p := range strings.Split(v, ",") {
		lo, hi, ok := strings.Cut(p, "-")
		a, err1 := strconv.ParseUint(lo, 10, 32)
		b, err2 := strconv.ParseUint(hi, 10, 32)
		if !ok || err1 != nil || err2 != nil || b < a {
			return nil, fmt.Errorf("id run %q", p)
		}
		rs = append(rs, IDRange{uint32(a), uint32(b)})
	}
	slices.SortFunc(rs, func(x, y IDRange) int { return int(int64(x.Lo) - int64(y.Lo)) })
	return rs, nil
}

// covers reports whether the runs hold exactly the ids of universe: only then is a prefix
// of every run a sample of everyone.
func (rs hashRuns) covers(universe *roaring.Bitmap) bool {
	if len(rs) == 0 || universe == nil || universe.IsEmpty() {
		return false
	}
	b := roaring.New()
	for _, r := range rs {
		b.AddRange(uint64(r.Lo), uint64(r.Hi)+1)
	}
	return b.Equals(universe)
}

// readHashRuns reads the recorded runs of key; a store without them has none.
func readHashRuns(ctx context.Context, q metaQuerier, key string) (hashRuns, error) {
	v, err := readMeta(ctx, q, key)
	if err != nil {
		return nil, err
	}
	rs, err := parseHashRuns(v)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return rs, nil
}

// numbered notes that a batch of n new ids starting at base was numbered in hash order.
func (l *loader) numbered(runs *hashRuns, base int32, n int64) {
	if n > 0 {
		*runs = append(*runs, IDRange{uint32(base), uint32(int64(base) + n - 1)})
	}
}

// recordHashRuns adds the load's runs to those recorded, inside its transaction.
func (l *loader) recordHashRuns(ctx context.Context) error {
	for _, x := range []struct {
		key   string
		added hashRuns
	}{{metaUIDRuns, l.uidRuns}, {metaAIDRuns, l.aidRuns}} {
		if len(x.added) == 0 {
			continue
		}
		rs, err := readHashRuns(ctx, l.tx, x.key)
		if err != nil {
			return fmt.Errorf("load: %w", err)
		}
		if err := writeMeta(ctx, l.tx, x.key, append(rs, x.added...).String()); err != nil {
			return fmt.Errorf("load: %w", err)
		}
	}
	return nil
}
