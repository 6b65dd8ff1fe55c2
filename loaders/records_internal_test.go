package loaders

import (
	"testing"

	"github.com/chainmap/chainmap"
)

// TestRecordKindsMatch: every kind has a parser, and the batches its records gather into
// are of that kind (a parser filed under the wrong kind would send, say, goals as
// policies).
func TestRecordKindsMatch(t *testing.T) {
	if len(recordKinds) != len(chainmap.Kinds) {
		t.Errorf("%d record kinds, %d kinds", len(recordKinds), len(chainmap.Kinds))
	}
	for _, k := range chainmap.Kinds {
		rk, ok := recordKinds[k]
		if !ok {
			t.Errorf("no parser for %s", k)
			continue
		}
		if got := rk.batcher(1).kind(); got != k {
			t.Errorf("the parser filed under %s gathers %s", k, got)
		}
	}
}
