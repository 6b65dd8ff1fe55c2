package loaders

import (
	"fmt"
	"hash/maphash"
	"math"
)

// keySet is an exact set of strings with an int value each (the line that defined an id,
// or an entry number), stored without a Go string or map entry per key: the keys' bytes
// sit back to back in one arena, their end offsets and values in parallel []uint32, and
// an open-addressing table (linear probing) of entry numbers, with 8 bits of each key's
// hash beside them, finds them. Every slot whose tag matches is confirmed against the
// arena bytes, so hash collisions cost a comparison, never a wrong answer; the tags
// spare most of those comparisons. Nothing in it holds a pointer, so the garbage
// collector never scans it, and no key keeps the row it came from alive.
//
// It costs 8 bytes per key plus the key's bytes plus 7–13 bytes of table, against some
// 60 bytes plus the whole retained CSV record for a map[string]int.
type keySet struct {
	// hash, when set, replaces maphash (tests force collisions with it).
	hash func(string) uint64
	seed maphash.Seed

	arena []byte
	// Narrow form: end offset in arena and value of entry i.
	ends []uint32
	vals []uint32
	// Wide form, used instead once an offset or a value does not fit narrowLimit.
	wends []uint64
	wvals []int
	wide  bool
	// narrowLimit is the largest offset or value the narrow form holds (math.MaxUint32;
	// tests lower it to exercise the wide form).
	narrowLimit uint64

	slots []uint32 // 0 = empty, else entry + 1
	tags  []uint8  // top 8 bits of the hash of the slot's key
	n     int
}

// maxKeys bounds a set's entries so that entry numbers + 1 fit the slots' 32 bits, and
// the table's size arithmetic fits an int on 32-bit platforms.
const maxKeys = min(3<<30, math.MaxInt/8)

const minSlots = 16

func newKeySet() *keySet {
	return &keySet{seed: maphash.MakeSeed(), narrowLimit: math.MaxUint32}
}

// Len returns the number of keys.
func (s *keySet) Len() int { return s.n }

func (s *keySet) hashOf(key string) uint64 {
	if s.hash != nil {
		return s.hash(key)
	}
	return maphash.String(s.seed, key)
}

// hashAt hashes entry i's key from the arena (maphash.Bytes equals maphash.String of
// the same bytes).
func (s *keySet) hashAt(i int) uint64 {
	if s.hash != nil {
		return s.hash(s.key(i))
	}
	start, end := s.bounds(i)
	return maphash.Bytes(s.seed, s.arena[start:end])
}

// key returns entry i's key.
func (s *keySet) key(i int) string {
	start, end := s.bounds(i)
	return string(s.arena[start:end])
}

// value returns entry i's value.
func (s *keySet) value(i int) int {
	if s.wide {
		return s.wvals[i]
	}
	return int(s.vals[i])
}

func (s *keySet) bounds(i int) (start, end uint64) {
	if s.wide {
		if i > 0 {
			start = s.wends[i-1]
		}
		return start, s.wends[i]
	}
	if i > 0 {
		start = uint64(s.ends[i-1])
	}
	return start, uint64(s.ends[i])
}

func (s *keySet) equal(i int, key string) bool {
	start, end := s.bounds(i)
	return end-start == uint64(len(key)) && string(s.arena[start:end]) == key
}

// find returns the entry number of key, and whether it is in the set.
func (s *keySet) find(key string) (int, bool) {
	if s.n == 0 {
		return 0, false
	}
	return s.lookup(key, s.hashOf(key))
}

func (s *keySet) lookup(key string, h uint64) (int, bool) {
	if s.n == 0 {
		return 0, false
	}
	mask := uint64(len(s.slots) - 1)
	tag := uint8(h >> 56)
	for pos := h & mask; ; pos = (pos + 1) & mask {
		e := s.slots[pos]
		if e == 0 {
			return 0, false
		}
		if s.tags[pos] == tag && s.equal(int(e)-1, key) {
			return int(e) - 1, true
		}
	}
}

// has reports whether key is in the set.
func (s *keySet) has(key string) bool {
	_, ok := s.find(key)
	return ok
}

// add inserts key with value v unless it is already there. It returns the key's entry
// number and whether it was already there (then its value is left as it was).
func (s *keySet) add(key string, v int) (int, bool, error) {
	h := s.hashOf(key)
	if i, ok := s.lookup(key, h); ok {
		return i, true, nil
	}
	if s.n >= maxKeys {
		return 0, false, fmt.Errorf("more than %d distinct keys: the dataset is too large to validate", maxKeys)
	}
	if (s.n+1)*4 > len(s.slots)*3 {
		s.grow()
	}
	end := uint64(len(s.arena)) + uint64(len(key))
	if !s.wide && (end > s.narrowLimit || v < 0 || uint64(v) > s.narrowLimit) {
		s.widen()
	}
	s.arena = append(s.arena, key...)
	if s.wide {
		s.wends = append(s.wends, end)
		s.wvals = append(s.wvals, v)
	} else {
		s.ends = append(s.ends, uint32(end))
		s.vals = append(s.vals, uint32(v))
	}
	i := s.n
	s.n++
	s.place(i, h)
	return i, false, nil
}

// place puts entry i, whose key hashes to h, into the first free slot of its probe
// sequence.
func (s *keySet) place(i int, h uint64) {
	mask := uint64(len(s.slots) - 1)
	pos := h & mask
	for s.slots[pos] != 0 {
		pos = (pos + 1) & mask
	}
	s.slots[pos] = uint32(i) + 1
	s.tags[pos] = uint8(h >> 56)
}

// grow doubles the table and places every entry again, hashing its key anew from the
// arena (a sequential read; cheaper than keeping whole hashes in the slots).
func (s *keySet) grow() {
	size := max(minSlots, 2*len(s.slots))
	s.slots = make([]uint32, size)
	s.tags = make([]uint8, size)
	for i := range s.n {
		s.place(i, s.hashAt(i))
	}
}

// widen switches to 64-bit offsets and values, for arenas beyond 4 GiB or huge values.
func (s *keySet) widen() {
	s.wends = make([]uint64, len(s.ends), max(len(s.ends), 16))
	s.wvals = make([]int, len(s.vals), max(len(s.vals), 16))
	for i := range s.ends {
		s.wends[i] = uint64(s.ends[i])
		s.wvals[i] = int(s.vals[i])
	}
	s.ends, s.vals, s.wide = nil, nil, true
}
