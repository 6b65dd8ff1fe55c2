package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chainmap/chainmap/server"
)

// TestUnusedFragmentsCount is a sibling of finding 1 of issue 12 found by the review: the
// selection count checked each unused fragment alone, so five unused fragments of 990
// copies of one field each (within the 5,000 tokens) passed it, and the validator's
// quadratic overlapping-fields rule spent 0.56 s on them before answering "never used".
// Unused fragments now add to the document's count.
func TestUnusedFragmentsCount(t *testing.T) {
	ts, _ := logged(t, load(t, "../testdata/minimal"), server.Config{}, true)
	var b strings.Builder
	b.WriteString("query { chains { id } }")
	for i := range 5 {
		fmt.Fprintf(&b, " fragment B%d on Chain { %s }", i, strings.Repeat("id ", 990))
	}
	if a := postQuery(t, t.Context(), ts, b.String(), nil); a.code != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Errorf("five unused fragments of 990 fields: status %d code %q %s", a.status, a.code, a.message)
	}
}
