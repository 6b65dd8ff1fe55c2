package loaders

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/chainmap/chainmap"
)

// hashes the set is tested under: the real one, and ones that force collisions so that
// every lookup has to confirm the key's bytes.
var testHashes = []struct {
	name string
	fn   func(string) uint64
}{
	{"maphash", nil},
	{"constant", func(string) uint64 { return 7 }},
	{"length parity", func(s string) uint64 { return uint64(len(s) % 2) }},
	{"one slot, one tag", func(s string) uint64 { return uint64(len(s)) << 40 }}, // low bits and top 8 bits all 0
	{"one slot, tags differ", func(s string) uint64 { return uint64(len(s)) << 56 }},
	{"slots differ, one tag", func(s string) uint64 { return uint64(len(s)) }},
}

func testSet(hash func(string) uint64, narrowLimit uint64) *keySet {
	s := newKeySet()
	s.hash = hash
	s.narrowLimit = narrowLimit
	return s
}

func TestKeySetExact(t *testing.T) {
	keys := []struct {
		key  string
		line int
	}{
		{"", 2}, {"a", 3}, {"ab", 4}, {"b", 5}, {"a\x00", 6}, {"ba", 7},
		{"企业", 8}, {strings.Repeat("x", 300), 9}, {"a>b", 10}, {"A", 11},
	}
	absent := []string{"abc", "a\x00\x00", "x", strings.Repeat("x", 299), "a>", "B", "企"}
	for _, h := range testHashes {
		for _, limit := range []uint64{math.MaxUint32, 40} { // 40: widens half-way
			t.Run(fmt.Sprintf("%s/limit %d", h.name, limit), func(t *testing.T) {
				s := testSet(h.fn, limit)
				for i, k := range keys {
					e, dup, err := s.add(k.key, k.line)
					if err != nil || dup || e != i {
						t.Fatalf("add %q = %d, %v, %v; want %d, new", k.key, e, dup, err, i)
					}
				}
				if s.Len() != len(keys) {
					t.Errorf("Len = %d, want %d", s.Len(), len(keys))
				}
				if limit == 40 && !s.wide {
					t.Error("arena beyond the limit did not widen the set")
				}
				for i, k := range keys {
					e, ok := s.find(k.key)
					if !ok || e != i || s.key(e) != k.key || s.value(e) != k.line {
						t.Errorf("find %q = %d, %v (key %q, line %d); want %d, line %d", k.key, e, ok, s.key(e), s.value(e), i, k.line)
					}
					// A second definition keeps the first line.
					e, dup, err := s.add(k.key, 1000+i)
					if err != nil || !dup || s.value(e) != k.line {
						t.Errorf("re-add %q = %v, %v, line %d; want dup with line %d", k.key, dup, err, s.value(e), k.line)
					}
				}
				for _, k := range absent {
					if s.has(k) {
						t.Errorf("has %q, never added", k)
					}
				}
				if s.Len() != len(keys) {
					t.Errorf("Len after duplicates = %d, want %d", s.Len(), len(keys))
				}
			})
		}
	}
}

func TestKeySetEmpty(t *testing.T) {
	s := newKeySet()
	if s.has("") || s.has("a") || s.Len() != 0 {
		t.Error("an empty set holds something")
	}
	if _, dup, _ := s.add("", 1); dup || !s.has("") || s.has("a") {
		t.Error("the empty key is not held exactly")
	}
}

// TestKeySetAgainstMap grows sets through many resizes and checks them against a map.
func TestKeySetAgainstMap(t *testing.T) {
	for _, h := range testHashes {
		t.Run(h.name, func(t *testing.T) {
			n := 20000
			if h.fn != nil {
				n = 1500 // every key in one probe chain: quadratic
			}
			r := rand.New(rand.NewPCG(1, 2))
			s := testSet(h.fn, math.MaxUint32)
			want := map[string]int{}
			for line := 1; line <= n; line++ {
				k := fmt.Sprintf("e%d", r.IntN(n))
				first, seen := want[k]
				e, dup, err := s.add(k, line)
				if err != nil || dup != seen || (seen && s.value(e) != first) {
					t.Fatalf("add %q at %d: dup %v line %d, want dup %v line %d", k, line, dup, s.value(e), seen, first)
				}
				if !seen {
					want[k] = line
				}
			}
			if s.Len() != len(want) {
				t.Errorf("Len = %d, want %d", s.Len(), len(want))
			}
			for i := range n + 100 {
				k := fmt.Sprintf("e%d", i)
				e, ok := s.find(k)
				if line, in := want[k]; ok != in || (ok && s.value(e) != line) {
					t.Errorf("find %q = %v line %d, want %v line %d", k, ok, s.value(e), in, line)
				}
			}
		})
	}
}

func TestKeySetWideValues(t *testing.T) {
	s := newKeySet()
	s.add("small", 5)
	big := math.MaxInt // beyond 32 bits on 64-bit platforms
	s.add("big", big)
	s.add("negative", -1)
	for k, want := range map[string]int{"small": 5, "big": big, "negative": -1} {
		if e, ok := s.find(k); !ok || s.value(e) != want {
			t.Errorf("%s = %d, want %d", k, s.value(e), want)
		}
	}
	if !s.wide {
		t.Error("a value beyond 32 bits (or negative) did not widen the set")
	}
}

func TestKeysComposite(t *testing.T) {
	k := newKeys()
	for _, id := range []string{"acme", "beta"} {
		k.sets[chainmap.KindEnterprises].add(id, 1)
	}
	k.sets[chainmap.KindSegments].add("W1", 1)
	stored := func(kind chainmap.Kind, parts ...string) []byte { return k.storedComposite(nil, kind, parts) }

	if b := stored(chainmap.KindOperations, "acme", "W1"); b[0] != tagIndexed || len(b) != 3 {
		t.Errorf("known parts stored as %q, want tag and two entry numbers", b)
	}
	if b := stored(chainmap.KindSupplyLinks, "acme", "beta", ""); b[0] != tagIndexed || b[3] != 0 {
		t.Errorf("empty segment stored as %q, want entry 0", b)
	}
	if b := stored(chainmap.KindOperations, "ghost", "W1"); !bytes.Equal(b, []byte("\x00ghost>W1")) {
		t.Errorf("unknown part stored as %q, want the text", b)
	}
	// Parts holding '>' are stored as their joined text, so equal joins stay equal.
	if a, b := stored(chainmap.KindOperations, "acme>beta", "W1"), stored(chainmap.KindOperations, "acme", "beta>W1"); !bytes.Equal(a, b) {
		t.Errorf("%q and %q differ but join to the same key", a, b)
	}
	if a, b := stored(chainmap.KindOperations, "acme", "W1"), stored(chainmap.KindOperations, "beta", "W1"); bytes.Equal(a, b) {
		t.Error("different keys stored alike")
	}

	ops, links := k.sets[chainmap.KindOperations], k.sets[chainmap.KindSupplyLinks]
	for _, p := range [][]string{{"acme", "W1"}, {"ghost", "W1"}, {"acme>beta", "W1"}} {
		ops.add(string(stored(chainmap.KindOperations, p...)), 1)
	}
	links.add(string(stored(chainmap.KindSupplyLinks, "acme", "beta", "")), 1)
	links.add(string(stored(chainmap.KindSupplyLinks, "beta", "acme", "W1")), 1)
	for _, c := range []struct {
		kind chainmap.Kind
		key  string
		want bool
	}{
		{chainmap.KindOperations, "acme>W1", true},
		{chainmap.KindOperations, "ghost>W1", true},
		{chainmap.KindOperations, "acme>beta>W1", true},
		{chainmap.KindOperations, "beta>W1", false},
		{chainmap.KindOperations, "acme>W1>", false},
		{chainmap.KindOperations, "acme", false},
		{chainmap.KindOperations, "", false},
		{chainmap.KindSupplyLinks, "acme>beta>", true},
		{chainmap.KindSupplyLinks, "beta>acme>W1", true},
		{chainmap.KindSupplyLinks, "acme>beta", false},
		{chainmap.KindSupplyLinks, "acme>beta>W1", false},
		{chainmap.KindSupplyLinks, "beta>acme>W1>", false},
		{chainmap.KindEnterprises, "acme", true},
		{chainmap.KindEnterprises, "acme>W1", false},
		{chainmap.KindSegments, "", false},
	} {
		if got := k.Has(c.kind, c.key); got != c.want {
			t.Errorf("Has(%s, %q) = %v, want %v", c.kind, c.key, got, c.want)
		}
	}
	if k.Len(chainmap.KindOperations) != 3 || k.Len(chainmap.KindEnterprises) != 2 {
		t.Errorf("Len = %d operations, %d enterprises; want 3, 2", k.Len(chainmap.KindOperations), k.Len(chainmap.KindEnterprises))
	}
}

func TestKeysZero(t *testing.T) {
	var k Keys
	if k.Has(chainmap.KindEnterprises, "acme") || k.Has(chainmap.KindOperations, "a>b") || k.Len(chainmap.KindEnterprises) != 0 {
		t.Error("the zero Keys holds something")
	}
}
