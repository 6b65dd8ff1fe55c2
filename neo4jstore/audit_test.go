package neo4jstore

import (
	"testing"

	"github.com/chainmap/chainmap"
)

func TestOrderPending(t *testing.T) {
	p := func(subject string, ms, n int64) pendingEntry {
		return pendingEntry{elementID: subject + string(rune('0'+n)), ms: ms, subN: n, entry: &chainmap.AuditEntry{Subject: subject}}
	}
	for _, tc := range []struct {
		name string
		in   []pendingEntry
		want []string
	}{
		{"by clock", []pendingEntry{p("b", 20, 1), p("a", 10, 1)}, []string{"a1", "b1"}},
		{"one millisecond, one subject: by its count", []pendingEntry{p("a", 10, 2), p("a", 10, 1)}, []string{"a1", "a2"}},
		{"one millisecond, two subjects", []pendingEntry{p("b", 10, 1), p("a", 10, 2), p("a", 10, 1)}, []string{"a1", "a2", "b1"}},
		// The clock stepped back between a's writes: a keeps its places (10 and 30), in
		// count order; b stays where its clock put it.
		{"clock stepped back", []pendingEntry{p("a", 30, 1), p("b", 20, 1), p("a", 10, 2)}, []string{"a1", "b1", "a2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			orderPending(tc.in)
			var got []string
			for _, e := range tc.in {
				got = append(got, e.elementID)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}
