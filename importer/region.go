package importer

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/chainmap/chainmap"
)

// regionIndex finds regions and parks by the names an address or a county cell uses.
type regionIndex struct {
	byID  map[string]chainmap.Region
	names []alias // longest first, so 郑州经济技术开发区 is tried before 郑州
	parks []parkAlias
	focus string
}

type alias struct {
	text  string
	id    string
	short bool // a short form (巩义 for 巩义市): not matched before a road word
}

type parkAlias struct {
	text string
	park chainmap.Park
}

// levelRank orders region levels from coarse to fine; a zone (经开区) ranks with
// counties, whose sibling it is.
var levelRank = map[chainmap.RegionLevel]int{"country": 0, "province": 1, "prefecture": 2, "county": 3, "zone": 3, "town": 4}

// regionSuffixes are dropped to make a region's short name (巩义市 → 巩义).
var regionSuffixes = []string{"回族区", "自治县", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市", "区", "县", "镇", "乡", "街道"}

// zoneAliases are the short forms of functional zones' names.
var zoneAliases = map[string][]string{
	"经济技术开发区":    {"经开区", "经济开发区", "经济技术开发区"},
	"高新技术产业开发区":  {"高新区", "高新技术开发区", "高新技术产业开发区"},
	"航空港经济综合实验区": {"航空港区", "航空港实验区", "航空港经济综合实验区"},
}

func newRegionIndex(ds *Dataset) *regionIndex {
	ix := &regionIndex{byID: map[string]chainmap.Region{}}
	if ds.Manifest != nil {
		ix.focus = ds.Manifest.Focus.Region
	}
	for _, r := range ds.Regions {
		ix.byID[r.ID] = r
		ix.names = append(ix.names, alias{text: r.NameZh, id: r.ID})
		if s := shortRegionName(r.NameZh); s != "" {
			ix.names = append(ix.names, alias{text: s, id: r.ID, short: true})
		}
		for suffix, as := range zoneAliases {
			if strings.HasSuffix(r.NameZh, suffix) {
				for _, a := range as {
					ix.names = append(ix.names, alias{text: a, id: r.ID})
				}
			}
		}
	}
	slices.SortStableFunc(ix.names, func(a, b alias) int { return len(b.text) - len(a.text) })
	for _, p := range ds.Parks {
		for _, a := range parkAliases(p.NameZh) {
			ix.parks = append(ix.parks, parkAlias{text: foldWidth(a), park: p})
		}
	}
	return ix
}

func shortRegionName(name string) string {
	for _, s := range regionSuffixes {
		if strings.HasSuffix(name, s) {
			short := strings.TrimSuffix(name, s)
			if utf8.RuneCountInString(short) >= 2 {
				return short
			}
		}
	}
	return ""
}

var bracketRe = regexp.MustCompile(`[（(]([^）)]+)[）)]`)

// parkAliases are a park's name, the name without its bracketed part, and a town named
// in the brackets (巩义铝工业园（回郭镇） → 回郭镇).
func parkAliases(name string) []string {
	out := []string{name}
	if m := bracketRe.FindStringSubmatch(name); m != nil {
		out = append(out, bracketRe.ReplaceAllString(name, ""))
		if strings.HasSuffix(m[1], "镇") || strings.HasSuffix(m[1], "乡") || strings.HasSuffix(m[1], "街道") {
			out = append(out, m[1])
		}
	}
	return out
}

// roadWords follow a place name used as a street name (中原路, 金水东路): a short name
// right before one of them is not a region.
const roadWords = "路街道大东西南北"

// find returns every region named in text, each once, in the order they appear.
func (ix *regionIndex) find(text string) []string {
	text = foldWidth(text)
	var ids []string
	pos := map[string]int{}
	used := make([]bool, len(text))
	for _, a := range ix.names {
		for from := 0; ; {
			i := strings.Index(text[from:], a.text)
			if i < 0 {
				break
			}
			i += from
			end := i + len(a.text)
			from = end
			if used[i] || a.short && end < len(text) && strings.ContainsRune(roadWords, firstRune(text[end:])) {
				continue
			}
			for k := i; k < end; k++ {
				used[k] = true
			}
			if !slices.Contains(ids, a.id) {
				ids = append(ids, a.id)
				pos[a.id] = i
			}
		}
	}
	slices.SortStableFunc(ids, func(a, b string) int { return pos[a] - pos[b] })
	return ids
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// ancestors lists id and its parents up to the root.
func (ix *regionIndex) ancestors(id string) []string {
	var out []string
	for id != "" && len(out) < 16 {
		out = append(out, id)
		id = ix.byID[id].Parent
	}
	return out
}

// mostSpecific picks, among regions named together, the finest one that all the others
// contain. When the finest disagree (two counties), it returns their deepest common
// ancestor and says so.
func (ix *regionIndex) mostSpecific(ids []string) (string, string) {
	if len(ids) == 0 {
		return "", ""
	}
	best := -1
	var finest []string
	for _, id := range ids {
		switch r := levelRank[ix.byID[id].Level]; {
		case r > best:
			best, finest = r, []string{id}
		case r == best:
			finest = append(finest, id)
		}
	}
	if len(finest) == 1 && ix.containsAll(finest[0], ids) {
		return finest[0], ""
	}
	common := ix.commonAncestor(ids)
	return common, fmt.Sprintf("address names %s, which do not nest: placed at %s", ix.namesOf(ids), ix.byID[common].NameZh)
}

func (ix *regionIndex) containsAll(id string, ids []string) bool {
	anc := ix.ancestors(id)
	for _, o := range ids {
		if !slices.Contains(anc, o) {
			return false
		}
	}
	return true
}

func (ix *regionIndex) commonAncestor(ids []string) string {
	for _, a := range ix.ancestors(ids[0]) {
		if slices.IndexFunc(ids, func(o string) bool { return !slices.Contains(ix.ancestors(o), a) }) < 0 {
			return a
		}
	}
	return ""
}

func (ix *regionIndex) namesOf(ids []string) string {
	n := make([]string, len(ids))
	for i, id := range ids {
		n[i] = ix.byID[id].NameZh
	}
	return strings.Join(n, ", ")
}

// locate decides an entity's region: the county column, else the 区划代码, else the
// address, else the registering adcode inside the credit code (a hint: firms move), else
// the city column, else the dataset's focus region. Every step but the first two leaves
// a note on the entity saying how uncertain it is.
func (ix *regionIndex) locate(r Record) (id, note string) {
	if r.County != "" {
		if id, n := ix.mostSpecific(ix.find(r.County)); id != "" && n == "" {
			return id, ""
		}
	}
	if len(r.Division) >= 6 {
		if _, ok := ix.byID[r.Division[:6]]; ok {
			return r.Division[:6], ""
		}
	}
	if id, n := ix.mostSpecific(ix.find(r.Province + r.City + r.County + r.Address)); id != "" {
		return id, n
	}
	if len(r.CreditCode) == 18 {
		if _, ok := ix.byID[r.CreditCode[2:8]]; ok {
			return r.CreditCode[2:8], "region from the registering adcode inside the credit code (where it registered, not necessarily where it operates)"
		}
	}
	if ix.focus != "" {
		return ix.focus, "no county or address found: placed at the dataset's focus region " + ix.byID[ix.focus].NameZh
	}
	return "", ""
}

// parkOf returns the park the address names, when exactly one park (the deepest of
// nested ones) matches and it spans the entity's region.
func (ix *regionIndex) parkOf(address, region string) string {
	address = foldWidth(address)
	var hits []chainmap.Park
	for _, pa := range ix.parks {
		if strings.Contains(address, pa.text) && slices.Contains(pa.park.Regions, region) &&
			!slices.ContainsFunc(hits, func(p chainmap.Park) bool { return p.ID == pa.park.ID }) {
			hits = append(hits, pa.park)
		}
	}
	// Drop parks that enclose another hit.
	hits = slices.DeleteFunc(hits, func(p chainmap.Park) bool {
		return slices.ContainsFunc(hits, func(q chainmap.Park) bool { return q.Parent == p.ID })
	})
	if len(hits) == 1 {
		return hits[0].ID
	}
	return ""
}

// Locate sets every new entity's region and park; existing enterprises keep theirs.
func Locate(ents []*Entity, ds *Dataset, rep *Report) {
	ix := newRegionIndex(ds)
	var notes []string
	for _, e := range ents {
		ix.locateOne(e, rep, &notes)
	}
	for _, n := range notes {
		rep.note("%s", n)
	}
}

// locateOne sets a new entity's region and park; a note on how goes to notes.
func (ix *regionIndex) locateOne(e *Entity, rep *Report, notes *[]string) {
	if e.Existing {
		return
	}
	e.Region, e.RegionNote = ix.locate(e.Rec)
	if e.Region == "" {
		rep.problem(e.Rec.File, e.Rec.Line, "", "no region found for %s and the dataset has no focus region", e.Rec.Name)
		return
	}
	if e.RegionNote != "" {
		addNote(notes, fmt.Sprintf("%s: %s", where(e.Rec), e.RegionNote))
	}
	e.Park = ix.parkOf(e.Rec.Address, e.Region)
}
