package loaders

import (
	"math/rand/v2"
	"strings"
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

// TestValidIDMatchesPattern holds validID to idPattern, the id rule as written: every
// single byte and rune, the length bounds, a trailing newline, and random strings over
// an alphabet of allowed and refused characters.
func TestValidIDMatchesPattern(t *testing.T) {
	cases := []string{"", "a", "e0000001", "c1.s11", "SEED:2024", "a-b_c.d:e", "a b", "a\n", "\na", "é", "企业", "a#b", "a>b", "a/b"}
	for b := 0; b < 256; b++ {
		cases = append(cases, string([]byte{byte(b)}), "x"+string([]byte{byte(b)})+"y")
	}
	for _, n := range []int{127, 128, 129, 300} {
		cases = append(cases, strings.Repeat("a", n), strings.Repeat("a", n-1)+"é")
	}
	alphabet := []rune("aZ09._:-/ é\n#>")
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		r := make([]rune, rng.IntN(12))
		for j := range r {
			r[j] = alphabet[rng.IntN(len(alphabet))]
		}
		cases = append(cases, string(r))
	}
	for _, c := range cases {
		if got, want := validID(c), idPattern.MatchString(c); got != want {
			t.Errorf("validID(%q) = %t, idPattern says %t", c, got, want)
		}
	}
}
