package loaders

import (
	"encoding/binary"
	"strings"

	"github.com/chainmap/chainmap"
)

// Keys holds every id (or composite key) the dataset defines, per kind, with the line
// that defined it. It is the chainmap.KeySet a load hands the store, whose Has tells a
// pruning load what the dataset no longer contains; validation builds it anyway to find
// duplicates and unknown references.
//
// Each kind's keys sit in a compact exact set (an arena of bytes indexed by an
// open-addressing table) rather than a map[string]int, and the composite keys of
// operations and supply links are stored as the entry numbers of their parts, so a
// million enterprises cost tens of megabytes instead of hundreds. The zero Keys holds
// nothing.
type Keys struct {
	sets map[chainmap.Kind]*keySet
}

func newKeys() Keys {
	k := Keys{sets: make(map[chainmap.Kind]*keySet, len(chainmap.Kinds))}
	for _, kind := range chainmap.Kinds {
		k.sets[kind] = newKeySet()
	}
	return k
}

// Has reports whether the dataset defines key of kind k.
func (k Keys) Has(kind chainmap.Kind, key string) bool {
	s := k.sets[kind]
	if s == nil {
		return false
	}
	if parts := compositeParts(kind); parts != nil {
		var arr [4]string
		split := arr[:0]
		if strings.Count(key, ">") == len(parts)-1 {
			rest := key
			for range len(parts) - 1 {
				i := strings.IndexByte(rest, '>')
				split = append(split, rest[:i])
				rest = rest[i+1:]
			}
			split = append(split, rest)
		} else {
			split = append(split, key) // holds a '>' too many or too few: stored as text
		}
		var buf [32]byte
		return s.has(string(k.storedComposite(buf[:0], kind, split)))
	}
	return s.has(key)
}

// Len returns how many keys of kind k the dataset defines.
func (k Keys) Len(kind chainmap.Kind) int {
	if s := k.sets[kind]; s != nil {
		return s.Len()
	}
	return 0
}

// has reports whether id is defined for kind (used by the checker for plain ids).
func (k Keys) has(kind chainmap.Kind, id string) bool { return k.sets[kind].has(id) }

var (
	operationParts = []chainmap.Kind{chainmap.KindEnterprises, chainmap.KindSegments}
	linkParts      = []chainmap.Kind{chainmap.KindEnterprises, chainmap.KindEnterprises, chainmap.KindSegments}
)

// compositeParts lists the kinds of the ids that make up the key of kind k, for the
// kinds whose key is ids joined by '>' and stored by entry number; nil for the others.
// (Flows are keyed by two segments too, but are too few to be worth it.)
func compositeParts(k chainmap.Kind) []chainmap.Kind {
	switch k {
	case chainmap.KindOperations:
		return operationParts
	case chainmap.KindSupplyLinks:
		return linkParts
	}
	return nil
}

// Tags that start a stored composite key.
const (
	tagText    = 0 // followed by the key's text, parts joined by '>'
	tagIndexed = 1 // followed by a uvarint per part: 0 for an empty part, else entry+1
)

// storedComposite appends to buf the bytes under which the composite key made of parts
// is stored. When no part holds a '>' and every non-empty part is a defined id of its
// kind, the key is stored as tagIndexed and the parts' entry numbers, a few bytes
// instead of the text; otherwise as tagText and the text. The choice depends only on
// the joined text (with no '>' inside a part the split is unique) and on the part
// kinds' sets, which are complete before the composite table is read, so the same key
// is always stored the same way and equality stays exact.
func (k Keys) storedComposite(buf []byte, kind chainmap.Kind, parts []string) []byte {
	start := len(buf)
	if kinds := compositeParts(kind); len(parts) == len(kinds) {
		buf = append(buf, tagIndexed)
		ok := true
		for j, p := range parts {
			var n uint64
			if p != "" {
				i, found := -1, false
				if strings.IndexByte(p, '>') < 0 {
					i, found = k.sets[kinds[j]].find(p)
				}
				if !found {
					ok = false
					break
				}
				n = uint64(i) + 1
			}
			buf = binary.AppendUvarint(buf, n)
		}
		if ok {
			return buf
		}
		buf = buf[:start]
	}
	buf = append(buf, tagText)
	for j, p := range parts {
		if j > 0 {
			buf = append(buf, '>')
		}
		buf = append(buf, p...)
	}
	return buf
}
