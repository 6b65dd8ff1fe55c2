package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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
}

// resolver finds which entity a record is: by credit code, else by normalised name
// (and former name), across files and against the dataset's enterprises.
type resolver struct {
	entities []*Entity
	byCode   map[string]*Entity
	byName   map[string]*Entity
	rep      *Report
}

func newResolver(existing []chainmap.Enterprise, rep *Report) *resolver {
	rs := &resolver{byCode: map[string]*Entity{}, byName: map[string]*Entity{}, rep: rep}
	for _, e := range existing {
		ent := &Entity{ID: e.ID, Existing: true, Rec: Record{Name: e.NameZh, CreditCode: e.CreditCode}, Region: e.Region, Park: e.Park, Parent: e.Parent}
		rs.entities = append(rs.entities, ent)
		if e.CreditCode != "" {
			rs.byCode[e.CreditCode] = ent
		}
		rs.byName[nameKey(e.NameZh)] = ent
	}
	return rs
}

// Resolve merges the records of every list into entities and links branches to their
// parents; every merge and link is reported with its reason.
func Resolve(lists []List, existing []chainmap.Enterprise, rep *Report) []*Entity {
	rs := newResolver(existing, rep)
	for _, l := range lists {
		for _, r := range l.Records {
			rs.add(r)
		}
	}
	rs.linkBranches()
	out := rs.entities[:0:0]
	for _, e := range rs.entities {
		if len(e.Rows) > 0 {
			out = append(out, e)
		}
	}
	return out
}

func where(r Record) string { return fmt.Sprintf("%s:%d %s", r.File, r.Line, r.Name) }

// add places one record: onto the entity of its credit code, else of its normalised
// name (unless that entity has a different valid code), else of its former name, else a
// new entity.
func (rs *resolver) add(r Record) {
	key := nameKey(r.Name)
	if r.CreditCode != "" {
		if e := rs.byCode[r.CreditCode]; e != nil {
			rs.merge(e, r, "same credit code "+r.CreditCode)
			return
		}
	}
	if e := rs.byName[key]; e != nil {
		if e.Rec.CreditCode != "" && r.CreditCode != "" {
			rs.rep.note("%s: same name as %s but a different credit code (%s, %s): kept apart", where(r), e.ID, r.CreditCode, e.Rec.CreditCode)
		} else {
			rs.merge(e, r, "same normalised name "+key)
			return
		}
	}
	if r.FormerName != "" {
		if e := rs.byName[nameKey(r.FormerName)]; e != nil && (e.Rec.CreditCode == "" || r.CreditCode == "") {
			rs.merge(e, r, "its former name "+r.FormerName+" is that enterprise's name")
			return
		}
	}
	e := &Entity{ID: entityID(r), Rec: r, Rows: []Record{r}}
	rs.entities = append(rs.entities, e)
	rs.index(e, r)
}

func (rs *resolver) index(e *Entity, r Record) {
	if r.CreditCode != "" && rs.byCode[r.CreditCode] == nil {
		rs.byCode[r.CreditCode] = e
	}
	if k := nameKey(r.Name); rs.byName[k] == nil {
		rs.byName[k] = e
	}
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

// merge adds r to e, filling e's empty fields from r and noting conflicting ones.
func (rs *resolver) merge(e *Entity, r Record, why string) {
	if e.Existing && len(e.Rows) == 0 {
		rs.rep.Merges = append(rs.rep.Merges, fmt.Sprintf("%s → existing enterprise %s (%s)", where(r), e.ID, why))
	} else {
		first := e.Rec
		if len(e.Rows) > 0 {
			first = e.Rows[0]
		}
		rs.rep.Merges = append(rs.rep.Merges, fmt.Sprintf("%s = %s → %s (%s)", where(r), where(first), e.ID, why))
	}
	if len(e.Rows) == 0 {
		existing := e.Rec
		e.Rec = r
		e.Rec.Name, e.Rec.CreditCode = existing.Name, firstNonEmpty(existing.CreditCode, r.CreditCode)
	} else {
		fillRecord(&e.Rec, r, rs.rep)
	}
	e.Rows = append(e.Rows, r)
	rs.index(e, r)
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

// linkBranches sets the parent of each branch whose parent is among the entities.
func (rs *resolver) linkBranches() {
	for _, e := range rs.entities {
		if len(e.Rows) == 0 || e.Parent != "" {
			continue
		}
		pn := parentName(e.Rec.Name)
		if pn == "" {
			continue
		}
		p := rs.byName[nameKey(pn)]
		switch {
		case p == nil:
			rs.rep.note("%s: a branch of %s, which is neither in the lists nor in the dataset: no parent set", where(e.Rec), pn)
		case p == e:
		default:
			e.Parent = p.ID
			rs.rep.Merges = append(rs.rep.Merges, fmt.Sprintf("%s: branch of %s (its name is %s + a branch suffix)", where(e.Rec), p.ID, pn))
		}
	}
}
