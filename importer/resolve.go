package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/chainmap/chainmap"
)

// Entity is one enterprise after resolution: the rows of every list that are the same
// firm, merged, and the dataset enterprise they are, if any.
type Entity struct {
	ID       string
	Existing bool // already an enterprise of the dataset: its row is not rewritten
	Rec      Record
	Rows     []Record // every row merged into it, first first
	Parent   string   // parent enterprise id for a branch (分公司, 分厂)
	Region   string
	Park     string
	// RegionNote says how the region was decided when it is not a plain county match.
	RegionNote string
	idx        int32 // index in the resolver
	parent     int32 // resolver index of Parent when the import linked it, else -1
}

// resolver finds which entity a record is: by credit code, else by normalised name
// (and former name), across files and against the dataset's enterprises. It holds per
// firm only what resolution needs — a few indexes and 64-bit hashes of its keys — and
// keeps the records themselves in a spill file, so memory stays small however long the
// lists are. A hash is always checked against the key it stands for, read back, and
// keys whose hashes collide go to a small exact map.
type resolver struct {
	existing []chainmap.Enterprise
	ents     []ent
	next     []int32 // per record: the next record of the same entity, or -1
	sp       *spill
	byCode   map[uint64]keyRef
	byName   map[uint64]keyRef
	// exact holds the keys whose hash was taken by another key ("c"+code, "n"+name).
	exact map[string]int32
	rep   *Report
	err   error // first spill error
}

// ent is one entity while resolving: the dataset enterprise it is (existing ≥ 0), its
// records (a list through resolver.next) and the record holding its merged fields.
type ent struct {
	existing    int32 // index in resolver.existing, or -1
	first, last int32 // records, -1 when none
	state       int32 // record with the merged fields, -1 when none
	parent      int32 // entity of its parent (branches), -1
	written     bool  // its enterprise row was added by the import
}

// keyRef is what a key's hash points at: the entity, and the record whose key it is
// (-1: the dataset enterprise's own), read back to check the key in one read.
type keyRef struct{ ent, rec int32 }

func newResolver(existing []chainmap.Enterprise, rep *Report, tmpDir string) (*resolver, error) {
	sp, err := newSpill(tmpDir)
	if err != nil {
		return nil, err
	}
	rs := &resolver{existing: existing, sp: sp, byCode: map[uint64]keyRef{}, byName: map[uint64]keyRef{}, exact: map[string]int32{}, rep: rep}
	for i, e := range existing {
		rs.ents = append(rs.ents, ent{existing: int32(i), first: -1, last: -1, state: -1, parent: -1})
		if e.CreditCode != "" {
			rs.indexKey(rs.byCode, "c", e.CreditCode, keyRef{int32(i), -1})
		}
		rs.indexKey(rs.byName, "n", nameKey(e.NameZh), keyRef{int32(i), -1})
	}
	return rs, nil
}

func (rs *resolver) close() { rs.sp.close() }

func keyHash(kind, key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(kind))
	h.Write([]byte(key))
	return h.Sum64()
}

// lookup returns the entity a code ("c") or normalised name ("n") belongs to, or -1.
func (rs *resolver) lookup(m map[uint64]keyRef, kind, key string) int32 {
	if key == "" {
		return -1
	}
	if ref, ok := m[keyHash(kind, key)]; ok && rs.hasKey(ref, kind, key) {
		return ref.ent
	}
	if e, ok := rs.exact[kind+key]; ok {
		return e
	}
	return -1
}

// indexKey points key at ref's entity unless the key already points somewhere.
func (rs *resolver) indexKey(m map[uint64]keyRef, kind, key string, ref keyRef) {
	if key == "" || rs.lookup(m, kind, key) >= 0 {
		return
	}
	h := keyHash(kind, key)
	if _, taken := m[h]; taken {
		rs.exact[kind+key] = ref.ent
		return
	}
	m[h] = ref
}

// hasKey reports whether the record (or dataset enterprise) ref points at has the code
// or the normalised name key: one read, however many rows its entity has.
func (rs *resolver) hasKey(ref keyRef, kind, key string) bool {
	var name, code string
	if ref.rec < 0 {
		ex := rs.existing[rs.ents[ref.ent].existing]
		name, code = ex.NameZh, ex.CreditCode
	} else {
		r := rs.record(ref.rec)
		name, code = r.Name, r.CreditCode
	}
	if kind == "c" {
		return code == key
	}
	return nameKey(name) == key
}

// record reads record i back; a spill error is kept and an empty record returned.
func (rs *resolver) record(i int32) Record {
	r, err := rs.sp.get(i)
	if err != nil && rs.err == nil {
		rs.err = err
	}
	return r
}

// merged is entity e's merged record: its state record, with the dataset's name and
// code for an existing enterprise (which keeps its row).
func (rs *resolver) merged(e int32) Record {
	x := rs.ents[e]
	if x.state < 0 {
		ex := rs.existing[x.existing]
		return Record{Name: ex.NameZh, CreditCode: ex.CreditCode}
	}
	return rs.record(x.state)
}

// Resolve merges the records of every list into entities and links branches to their
// parents; every merge and link is reported with its reason.
func Resolve(lists []List, existing []chainmap.Enterprise, rep *Report) []*Entity {
	rs, err := newResolver(existing, rep, "")
	if err != nil {
		rep.problem("", 0, "", "%v", err)
		return nil
	}
	defer rs.close()
	for _, l := range lists {
		for _, r := range l.Records {
			rs.add(r)
		}
	}
	var out []*Entity
	var links, notes []string
	rs.each(func(e *Entity) bool { out = append(out, e); return true }, &links, &notes)
	rep.Merges = append(rep.Merges, links...)
	for _, n := range notes {
		rep.note("%s", n)
	}
	if rs.err != nil {
		rep.problem("", 0, "", "%v", rs.err)
	}
	return out
}

// each materialises every entity that has records, in the order they were first seen
// (the dataset's first), with its branch parent linked; link merges and notes go to
// links and notes, so the caller can report them after the row merges as before. It
// stops when fn returns false.
func (rs *resolver) each(fn func(*Entity) bool, links, notes *[]string) {
	for i := range rs.ents {
		if rs.ents[i].first < 0 {
			continue
		}
		e := rs.entity(int32(i))
		rs.linkBranch(e, links, notes)
		if !fn(e) {
			return
		}
	}
}

// entity materialises entity i.
func (rs *resolver) entity(i int32) *Entity {
	x := rs.ents[i]
	e := &Entity{idx: i, parent: -1, Rec: rs.merged(i)}
	for j := x.first; j >= 0; j = rs.next[j] {
		e.Rows = append(e.Rows, rs.record(j))
	}
	if x.existing >= 0 {
		ex := rs.existing[x.existing]
		e.ID, e.Existing, e.Region, e.Park, e.Parent = ex.ID, true, ex.Region, ex.Park, ex.Parent
	} else {
		e.ID = entityID(e.Rows[0])
	}
	return e
}

// idOf is the id of entity i.
func (rs *resolver) idOf(i int32) string {
	if x := rs.ents[i]; x.existing >= 0 {
		return rs.existing[x.existing].ID
	}
	return entityID(rs.record(rs.ents[i].first))
}

func where(r Record) string { return fmt.Sprintf("%s:%d %s", r.File, r.Line, r.Name) }

// add places one record: onto the entity of its credit code, else of its normalised
// name (unless that entity has a different valid code), else of its former name, else a
// new entity.
func (rs *resolver) add(r Record) {
	if len(rs.next) >= maxSpilled-1 { // a merge spills two records
		if rs.err == nil {
			rs.err = fmt.Errorf("more than %d rows in one import: import the lists in parts", maxSpilled/2)
		}
		return
	}
	key := nameKey(r.Name)
	if r.CreditCode != "" {
		if e := rs.lookup(rs.byCode, "c", r.CreditCode); e >= 0 {
			rs.merge(e, r, "same credit code "+r.CreditCode)
			return
		}
	}
	if e := rs.lookup(rs.byName, "n", key); e >= 0 {
		if code := rs.merged(e).CreditCode; code != "" && r.CreditCode != "" {
			rs.rep.note("%s: same name as %s but a different credit code (%s, %s): kept apart", where(r), rs.idOf(e), r.CreditCode, code)
		} else {
			rs.merge(e, r, "same normalised name "+key)
			return
		}
	}
	if r.FormerName != "" {
		if e := rs.lookup(rs.byName, "n", nameKey(r.FormerName)); e >= 0 && (rs.merged(e).CreditCode == "" || r.CreditCode == "") {
			rs.merge(e, r, "its former name "+r.FormerName+" is that enterprise's name")
			return
		}
	}
	i := rs.sp.put(&r)
	rs.next = append(rs.next, -1)
	e := int32(len(rs.ents))
	rs.ents = append(rs.ents, ent{existing: -1, first: i, last: i, state: i, parent: -1})
	rs.index(keyRef{e, i}, r)
}

// index points r's code and name at its entity, unless they point somewhere already.
func (rs *resolver) index(ref keyRef, r Record) {
	rs.indexKey(rs.byCode, "c", r.CreditCode, ref)
	rs.indexKey(rs.byName, "n", nameKey(r.Name), ref)
}

// entityID is stable across imports: the credit code when valid (as the format
// recommends), else imp- and the start of the SHA-256 of the normalised name.
func entityID(r Record) string {
	if r.CreditCode != "" {
		return r.CreditCode
	}
	sum := sha256.Sum256([]byte(nameKey(r.Name)))
	return "imp-" + hex.EncodeToString(sum[:6])
}

// merge adds r to entity e, filling e's empty fields from r and noting conflicting
// ones; the merged fields become a new state record in the spill.
func (rs *resolver) merge(e int32, r Record, why string) {
	x := &rs.ents[e]
	if x.existing >= 0 && x.first < 0 {
		rs.rep.Merges = append(rs.rep.Merges, fmt.Sprintf("%s → existing enterprise %s (%s)", where(r), rs.existing[x.existing].ID, why))
	} else {
		rs.rep.Merges = append(rs.rep.Merges, fmt.Sprintf("%s = %s → %s (%s)", where(r), where(rs.record(x.first)), rs.idOf(e), why))
	}
	var state Record
	if x.first < 0 {
		existing := rs.merged(e)
		state = r
		state.Name, state.CreditCode = existing.Name, firstNonEmpty(existing.CreditCode, r.CreditCode)
	} else {
		state = rs.merged(e)
		fillRecord(&state, r, rs.rep)
	}
	i := rs.sp.put(&r)
	rs.next = append(rs.next, -1)
	if x.first < 0 {
		x.first = i
	} else {
		rs.next[x.last] = i
	}
	x.last = i
	if x.first == i && x.existing < 0 {
		x.state = i
	} else {
		x.state = rs.sp.put(&state)
		rs.next = append(rs.next, -1)
	}
	rs.index(keyRef{e, i}, r)
}

// fillRecord copies into dst what it lacks from src; where both hold different values
// of a field that identifies place or state, a note says which was kept.
func fillRecord(dst *Record, src Record, rep *Report) {
	keep := func(field string, d *string, s string) {
		switch {
		case *d == "":
			*d = s
		case s != "" && *d != s && field != "":
			rep.note("%s: %s %q differs from %q already read: kept the first", where(src), field, s, *d)
		}
	}
	keep("", &dst.CreditCode, src.CreditCode)
	keep("status", &dst.Status, src.Status)
	keep("", &dst.StatusWord, src.StatusWord)
	keep("", &dst.Province, src.Province)
	keep("", &dst.City, src.City)
	keep("county", &dst.County, src.County)
	keep("", &dst.Address, src.Address)
	keep("", &dst.Division, src.Division)
	keep("industry code", &dst.IndustryCode, src.IndustryCode)
	keep("", &dst.Industry, src.Industry)
	keep("", &dst.Scope, src.Scope)
	keep("", &dst.Capital, src.Capital)
	keep("", &dst.FormerName, src.FormerName)
	keep("", &dst.Employees, src.Employees)
	if dst.Revenue == "" || src.RevenueYear > dst.RevenueYear {
		if src.Revenue != "" {
			dst.Revenue, dst.RevenueYear = src.Revenue, src.RevenueYear
		}
	}
	for _, p := range src.Products {
		if !slices.Contains(dst.Products, p) {
			dst.Products = append(dst.Products, p)
		}
	}
}

// branchSuffixes end the names of branches; the parent is the name up to the last
// 公司 (or 厂) before the suffix.
var branchSuffixes = []string{"分公司", "分厂", "分部", "营业部"}

// parentName returns the name of the firm a branch belongs to, or "" if name is not a
// branch: 河南XX铝业有限公司郑州分公司 → 河南XX铝业有限公司.
func parentName(name string) string {
	n := foldWidth(name)
	for _, suf := range branchSuffixes {
		if !strings.HasSuffix(n, suf) {
			continue
		}
		head := strings.TrimSuffix(n, suf)
		for _, end := range []string{"公司", "厂"} {
			if j := strings.LastIndex(head, end); j > 0 {
				return head[:j+len(end)]
			}
		}
	}
	return ""
}

// linkBranch sets the parent of a branch whose parent is among the entities.
func (rs *resolver) linkBranch(e *Entity, links, notes *[]string) {
	if e.Parent != "" {
		return
	}
	pn := parentName(e.Rec.Name)
	if pn == "" {
		return
	}
	p := rs.lookup(rs.byName, "n", nameKey(pn))
	switch {
	case p < 0:
		addNote(notes, fmt.Sprintf("%s: a branch of %s, which is neither in the lists nor in the dataset: no parent set", where(e.Rec), pn))
	case p == e.idx:
	default:
		e.Parent, e.parent = rs.idOf(p), p
		*links = append(*links, fmt.Sprintf("%s: branch of %s (its name is %s + a branch suffix)", where(e.Rec), e.Parent, pn))
	}
}
