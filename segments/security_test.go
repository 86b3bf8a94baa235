package segments

import (
	"strings"
	"testing"
)

type testVocab struct{ events, attrs []string }

func (v testVocab) HasEvent(n string) bool {
	for _, e := range v.events {
		if e == n {
			return true
		}
	}
	return false
}
func (v testVocab) EventNames() []string       { return v.events }
func (v testVocab) HasAttribute(n string) bool { return false }
func (v testVocab) AttributeNames() []string   { return v.attrs }

// Finding 7: a message quotes a long value shortened, with its length, instead of echoing
// a megabyte back.
func TestSecurityLongNamesAreQuotedShort(t *testing.T) {
	long := strings.Repeat("e", 1<<20)
	_, err := ParseSegment("big.yaml", []byte("name: big\nwhere:\n  did: \""+long+"\"\n"))
	if err == nil {
		t.Fatal("a 1 MB event name passed")
	}
	if msg := err.Error(); len(msg) > 300 || !strings.Contains(msg, `…" (1048576 bytes)`) {
		t.Errorf("the message is %d bytes long: %s…", len(msg), msg[:min(len(msg), 200)])
	}
	// A valid name that is merely long is quoted short when it is unknown.
	name := strings.Repeat("x", 100)
	seg, err := ParseSegment("a.yaml", []byte("name: a\nwhere:\n  did: "+name+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = ValidateSegment(seg, testVocab{events: []string{"purchase"}})
	if err == nil || !strings.Contains(err.Error(), `…" (100 bytes)`) {
		t.Errorf("unknown long event: %v", err)
	}
}

// Finding 7: a share is a part of the events, from 0% to 100%.
func TestSecurityShareOutsideZeroToHundredIsAnError(t *testing.T) {
	for share, ok := range map[string]bool{
		">= 50%": true, "= 100%": true, "0%..100%": true, "<= 0%": true,
		">= 500%": false, "<= -5%": false, "10%..120%": false, "> 100%": false,
	} {
		src := "name: a\nwhere:\n  affinity: category\n  of: purchase\n  is: shoes\n  share: \"" + share + "\"\n"
		_, err := ParseSegment("a.yaml", []byte(src))
		if ok && err != nil {
			t.Errorf("share %q: %v", share, err)
		}
		if !ok && (err == nil || !strings.Contains(err.Error(), "between 0% and 100%")) {
			t.Errorf("share %q: %v, want an error saying a share is between 0%% and 100%%", share, err)
		}
	}
}
