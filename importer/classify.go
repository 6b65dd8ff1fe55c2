package importer

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/chainmap/chainmap"
)

// Decisions of a placement.
const (
	Confirmed = "confirmed" // strong, unambiguous evidence
	Uncertain = "uncertain" // some evidence: a person should look
	Rejected  = "rejected"  // not on the chain (or ruled out by a guard)
)

// Weights of the evidence. Products say what a firm makes and weigh most; the name
// often says it too; the business scope lists everything a firm may do and weighs
// least (one word, or several, count scopeCap at most); the GB/T class says what kind of work, not which
// material or product.
const (
	weightProducts = 3
	weightName     = 2
	weightScope    = 2
	scopeCap       = 2
	weightCode     = 2
	// minPlaced is the score below which a firm is not placed at all, and minConfirmed
	// the score from which a clear winner backed by products or name is confirmed.
	minPlaced    = 2
	minConfirmed = 4
)

// Evidence is one reason for a placement: a word and the field it was found in, or the
// GB/T class.
type Evidence struct {
	Field  string // products, name, scope, industry_code
	Word   string
	Weight int
}

func (e Evidence) String() string {
	if e.Field == "industry_code" {
		return fmt.Sprintf("GB/T %s (+%d)", e.Word, e.Weight)
	}
	return fmt.Sprintf("%s in %s (+%d)", e.Word, e.Field, e.Weight)
}

// Placement is where a firm goes on the chain, and why.
type Placement struct {
	Primary      string
	Alternatives []string
	Decision     string
	Score        int
	Evidence     []Evidence
	// RuledOut says which segments had evidence but were ruled out, and why (material
	// guard, exclude keyword).
	RuledOut []string
}

// EvidenceText is the evidence in one line, as written to operations.csv.
func (p Placement) EvidenceText() string {
	parts := make([]string, len(p.Evidence))
	for i, e := range p.Evidence {
		parts[i] = e.String()
	}
	return strings.Join(parts, "; ")
}

// rule is one segment's placement rule.
type rule struct {
	seg       chainmap.Segment
	index     int
	depth     int
	ancestors []string
	terms     []string
	exclude   []string
	materials []string
}

// Classifier places records on the segments of a taxonomy.
type Classifier struct {
	rules []rule
	index *termIndex // every rule's words
	// byTerm and byCode list the rules a word or a GB/T class can score for, so a
	// record is scored only against the segments it has some evidence for.
	byTerm map[string][]int
	byCode map[string][]int
}

// otherMaterials are materials whose mention, without the segment's own material,
// rules a firm out of a segment that requires its material.
var otherMaterials = []string{"铜", "钢", "铁", "锌", "镁", "钛", "镍", "铅", "锡", "塑料", "塑胶", "玻璃", "木", "碳纤维", "陶瓷"}

// NewClassifier builds the rules from the taxonomy: the segment's GB/T classes, the
// words of its name_zh, its keywords and exclude_keywords, and the materials it or an
// ancestor requires.
func NewClassifier(segs []chainmap.Segment) *Classifier {
	byID := make(map[string]chainmap.Segment, len(segs))
	for _, s := range segs {
		byID[s.ID] = s
	}
	c := &Classifier{byTerm: map[string][]int{}, byCode: map[string][]int{}}
	var all []string
	for i, s := range segs {
		r := rule{seg: s, index: i, terms: termsOf(s), exclude: s.ExcludeKeywords}
		for p := s.Parent; p != "" && len(r.ancestors) < 32; p = byID[p].Parent {
			r.ancestors = append(r.ancestors, p)
		}
		r.depth = len(r.ancestors)
		r.materials = s.Materials
		for _, a := range r.ancestors {
			if len(r.materials) == 0 {
				r.materials = byID[a].Materials
			}
		}
		c.rules = append(c.rules, r)
		for _, w := range r.terms {
			if !slices.Contains(all, w) {
				all = append(all, w)
			}
			c.byTerm[w] = append(c.byTerm[w], i)
		}
		for _, g := range s.GBT {
			c.byCode[g] = append(c.byCode[g], i)
		}
	}
	c.index = newTermIndex(all)
	return c
}

var nameSplitRe = regexp.MustCompile(`[、，,（）()与及和/]+`)

// termsOf lists the words that place a firm on s: the parts of its Chinese name
// (铝箔（包装箔、空调箔、电池箔、电子箔） gives 铝箔, 包装箔, 空调箔, 电池箔, 电子箔) and
// its keywords. Parts shorter than two characters are dropped.
func termsOf(s chainmap.Segment) []string {
	var out []string
	for _, p := range nameSplitRe.Split(s.NameZh, -1) {
		p = strings.TrimPrefix(strings.TrimSpace(p), "含")
		if len([]rune(p)) >= 2 && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	for _, k := range s.Keywords {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// text is a record prepared for matching.
type text struct {
	name, products, scope, trade, class string
	code                                string
	// heads holds, per field, the rule words found there other than as modifiers of
	// another word (锂离子电池 in 锂离子电池电解液 says what the product is for, not
	// what it is, and does not count).
	heads struct{ products, name, scope, trade map[string]bool }
}

// linkers may stand between a modifier and its head (锂电池用铝箔).
var linkers = []string{"", "用", "的", "专用"}

// termIndex finds every rule word in a text in one pass, looking words up by their
// first character, so a record costs one scan per field rather than one search per word.
type termIndex struct {
	terms   []string
	byFirst map[rune][]int
}

func newTermIndex(terms []string) *termIndex {
	ix := &termIndex{terms: terms, byFirst: map[rune][]int{}}
	for i, w := range terms {
		r := firstRune(w)
		ix.byFirst[r] = append(ix.byFirst[r], i)
	}
	return ix
}

type occurrence struct{ id, start, end int }

// scan returns the words present in s, and those present at least once as the head of
// a compound: not right before another word (the head of a Chinese compound comes
// last, so 锂离子电池 in 锂离子电池电解液 only says what the electrolyte is for).
func (ix *termIndex) scan(s string) (present, heads map[string]bool) {
	var occs []occurrence
	for i, r := range s {
		for _, id := range ix.byFirst[r] {
			if strings.HasPrefix(s[i:], ix.terms[id]) {
				occs = append(occs, occurrence{id, i, i + len(ix.terms[id])})
			}
		}
	}
	if len(occs) == 0 {
		return nil, nil
	}
	present, heads = map[string]bool{}, map[string]bool{}
	for _, o := range occs {
		present[ix.terms[o.id]] = true
		if !ix.followed(s, o, occs) {
			heads[ix.terms[o.id]] = true
		}
	}
	return present, heads
}

// followed reports whether o is a modifier: another word, not inside o's, starts where
// o ends (after an optional linker), unless that word is an activity done to o
// (铝单板幕墙的设计: 幕墙 is what is designed); or o is followed by a word for a blank, a
// tool or a machine for it (轮毂坯料, 型材模具: not the product itself); or a word
// starts inside o and ends after it with an activity (动力[电池]回收: the later-ending
// word is the head). When that later word ends in a product instead (再生[铝]合金锭),
// o is a qualifier naming how the product is made, and the later word is the modifier.
func (ix *termIndex) followed(s string, o occurrence, occs []occurrence) bool {
	if tail := itemTail(s, o.end); tail != "" && containsSuffix(tail, machineHeads) &&
		!slices.ContainsFunc(occs, func(q occurrence) bool { return q.start >= o.end && q.end == o.end+len(tail) }) {
		return true // a machine for the product (锂电池卷绕机), unless the machine is a word itself (挤压机)
	}
	for _, l := range linkers {
		if rest := s[o.end:]; strings.HasPrefix(rest, l) && containsPrefix(rest[len(l):], genericHeads) {
			return true
		}
	}
	for _, q := range occs {
		if q.id == o.id || strings.Contains(ix.terms[o.id], ix.terms[q.id]) {
			continue
		}
		if q.start > o.start && q.start < o.end && q.end > o.end && containsAny(s[o.end:q.end], activityWords) != "" {
			return true
		}
		if q.start < o.start && q.end > o.start && q.end < o.end && containsAny(s[q.end:o.end], activityWords) == "" &&
			!strings.Contains(ix.terms[q.id], ix.terms[o.id]) {
			return true // o is a product qualified by q (再生铝 before 铝合金锭)
		}
		if slices.Contains(activityWords, ix.terms[q.id]) && q.start >= o.end && (s[o.end:q.start] == "" || s[o.end:q.start] == "的") {
			// The object of an activity: a product when its item also makes it
			// (铝单板幕墙的设计、生产), else what is designed, tested or taken apart
			// (铝材检测, 锂电池拆解), not made.
			if containsAny(itemAround(s, o.start, q.end), makingWords) == "" {
				return true
			}
			continue
		}
		for _, l := range linkers {
			if q.start == o.end+len(l) && strings.HasPrefix(s[o.end:], l) {
				return true
			}
		}
	}
	return false
}

// genericHeads are nouns that, right after a product word, make it a modifier: a blank,
// a mould or equipment for the product is not the product.
var genericHeads = []string{"坯料", "毛坯", "模具", "设备"}

// activityWords are verbs of a scope or product item: what is done to the words before
// them. A word of the taxonomy that is one of them (设计, 检测) is the activity, and
// the word before it its object.
var activityWords = []string{"生产", "制造", "加工", "研发", "冶炼", "轧制", "铸造", "开采", "回收", "拆解", "利用",
	"处理", "设计", "安装", "施工", "检测", "检验", "销售", "批发", "贸易", "租赁", "维修", "咨询", "挤压", "制作", "熔铸",
	"熔炼", "锻造", "压铸", "拉拔", "分切", "组装", "装配"}

// machineHeads end the name of a machine or a line: the product words before them say
// what it is for (锂电池卷绕机, 铝箔分切机), not what the firm makes.
var machineHeads = []string{"机", "机械", "设备", "生产线", "装备"}

// itemTail is the rest of the item (up to 、，；) after byte offset from.
func itemTail(s string, from int) string {
	rest := s[from:]
	if i := strings.IndexAny(rest, "、，,；;"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

func containsSuffix(s string, words []string) bool {
	for _, w := range words {
		if strings.HasSuffix(s, w) {
			return true
		}
	}
	return false
}

// makingWords say an item makes its object.
var makingWords = []string{"生产", "制造", "加工", "冶炼", "轧制", "铸造", "挤压", "制作", "熔铸", "熔炼", "锻造",
	"压铸", "拉拔", "分切", "组装", "装配"}

// itemAround is the scope item (between ；) holding s[from:to].
func itemAround(s string, from, to int) string {
	start := strings.LastIndex(s[:from], "；") + len("；")
	if start < len("；") {
		start = 0
	}
	end := strings.Index(s[to:], "；")
	if end < 0 {
		return s[start:]
	}
	return s[start : to+end]
}

func containsPrefix(s string, words []string) bool {
	for _, w := range words {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}

// modifiersIn returns the words of terms that occur in s only as modifiers.
func modifiersIn(s string, terms []string) map[string]bool {
	present, heads := newTermIndex(terms).scan(s)
	var out map[string]bool
	for w := range present {
		if !heads[w] {
			if out == nil {
				out = map[string]bool{}
			}
			out[w] = true
		}
	}
	return out
}

// boilerplate is the registry's standard wording inside a business scope.
var boilerplate = regexp.MustCompile(`（?依法须经批准的项目[^）)]*[）)]?|除依法须经批准的项目外[^；;。]*|一般项目[:：]|许可项目[:：]|经营范围[:：]`)

var (
	tradeWords      = []string{"销售", "批发", "零售", "贸易", "进出口", "经销", "代理", "租赁", "维修", "咨询", "设计"}
	productionWords = []string{"生产", "制造", "加工", "研发", "冶炼", "轧制", "铸造", "开采", "回收", "挤压", "制作",
		"熔铸", "熔炼", "锻造", "压铸", "拉拔", "分切", "组装", "装配"}
)

// prepare folds a record's fields and splits its scope into production items and trade
// items (an item naming 销售, 批发, 设计… and no production is about selling or a
// service, which places a firm in service segments only).
func (c *Classifier) prepare(r Record) text {
	t := text{name: foldWidth(r.Name), products: foldWidth(strings.Join(r.Products, "、")), code: r.IndustryCode}
	t.class = gbtClasses[r.IndustryCode]
	if t.class == "" {
		t.class = r.Industry
	}
	scope := boilerplate.ReplaceAllString(foldWidth(r.Scope), "")
	for _, item := range strings.FieldsFunc(scope, func(c rune) bool { return strings.ContainsRune("；;。,，", c) }) {
		if containsAny(item, tradeWords) != "" && containsAny(item, productionWords) == "" {
			t.trade += item + "；"
		} else {
			t.scope += item + "；"
		}
	}
	_, t.heads.products = c.index.scan(t.products)
	_, t.heads.name = c.index.scan(t.name)
	_, t.heads.scope = c.index.scan(t.scope)
	_, t.heads.trade = c.index.scan(t.trade)
	return t
}

func containsAny(s string, words []string) string {
	for _, w := range words {
		if w != "" && strings.Contains(s, w) {
			return w
		}
	}
	return ""
}

// candidate is a segment with its score for one record.
type candidate struct {
	rule     *rule
	score    int
	evidence []Evidence
	// matched is the length in characters of the words matched: between equal scores
	// the longer, more specific words win (药用铝箔 over 铝箔).
	matched int
	// item is where its first word is: field (products, name, scope) and item of the
	// field (split at 、，；): between equal scores the product named first wins, as lists
	// name the main business first (铝箔、铝带的生产 is a foil maker).
	item int
}

// Place decides where a record goes.
func (c *Classifier) Place(r Record) Placement {
	t := c.prepare(r)
	var cands []candidate
	var ruledOut []string
	for _, i := range c.rulesFor(t) {
		rl := &c.rules[i]
		cd := score(rl, t)
		if cd.score == 0 {
			continue
		}
		if why := guard(rl, t); why != "" {
			ruledOut = append(ruledOut, rl.seg.ID+": "+why)
			continue
		}
		cands = append(cands, cd)
	}
	inheritEvidence(cands)
	for i := range cands {
		cands[i].item = t.firstItem(cands[i].evidence)
	}
	slices.SortStableFunc(cands, func(a, b candidate) int {
		return cmp.Or(b.score-a.score, sameField(a.item, b.item), b.matched-a.matched, a.rule.depth-b.rule.depth, a.rule.index-b.rule.index)
	})
	return decide(cands, ruledOut)
}

// makesAround reports whether every production item holding the activity word term
// also makes something (X的设计、生产): the activity is then part of making X.
func (t text) makesAround(term string) bool {
	found := false
	for _, item := range strings.Split(t.scope, "；") {
		if strings.Contains(item, term) {
			if containsAny(item, makingWords) == "" {
				return false
			}
			found = true
		}
	}
	return found
}

// sameField compares two first items when they are of the same field (the earlier
// first), and leaves words of different fields to the other rules.
func sameField(a, b int) int {
	if a>>20 != b>>20 {
		return 0
	}
	return a - b
}

// firstItem is the position of the earliest item holding a word of the evidence:
// products' items first, then the name, then the scope's, then the trade items'.
func (t text) firstItem(ev []Evidence) int {
	best := math.MaxInt
	for _, e := range ev {
		var field string
		base := 0
		switch e.Field {
		case "products":
			field = t.products
		case "name":
			field, base = t.name, 1<<20
		case "scope":
			field, base = t.scope+t.trade, 2<<20
		default:
			continue
		}
		i := strings.Index(field, e.Word)
		if i < 0 {
			continue
		}
		n := base + strings.Count(field[:i], "、") + strings.Count(field[:i], "；") + strings.Count(field[:i], "，")
		best = min(best, n)
	}
	return best
}

// inheritEvidence gives each candidate the word evidence of its ancestors that are
// candidates too: what places a firm in 建筑及家居用铝 also supports its child 铝合金模板,
// so a child with words of its own ranks above its parent, while a child known only by a
// shared class ties with the parent and the parent (shallower) wins.
func inheritEvidence(cands []candidate) {
	own := make([][]Evidence, len(cands))
	for i := range cands {
		own[i] = slices.Clone(cands[i].evidence)
	}
	for i := range cands {
		for j := range cands {
			if i == j || !slices.Contains(cands[i].rule.ancestors, cands[j].rule.seg.ID) {
				continue
			}
			for _, e := range own[j] {
				if e.Field != "industry_code" && !slices.ContainsFunc(cands[i].evidence, func(o Evidence) bool { return o.Word == e.Word }) {
					cands[i].add(e)
				}
			}
		}
		cands[i].dropContained()
	}
}

// rulesFor lists, in taxonomy order, the rules the record has any evidence for.
func (c *Classifier) rulesFor(t text) []int {
	seen := map[int]bool{}
	var out []int
	add := func(ids []int) {
		for _, i := range ids {
			if !seen[i] {
				seen[i] = true
				out = append(out, i)
			}
		}
	}
	add(c.byCode[t.code])
	for _, m := range []map[string]bool{t.heads.products, t.heads.name, t.heads.scope, t.heads.trade} {
		for w := range m {
			add(c.byTerm[w])
		}
	}
	slices.Sort(out)
	return out
}

// score adds up the evidence for one segment: its GB/T class, and each of its words
// once, at the weight of the best field it appears in.
func score(rl *rule, t text) candidate {
	cd := candidate{rule: rl}
	if t.code != "" && slices.Contains(rl.seg.GBT, t.code) {
		cd.add(Evidence{Field: "industry_code", Word: t.code + " " + gbtClasses[t.code], Weight: weightCode})
	}
	service := rl.seg.Stage == chainmap.StageService
	fromScope := 0
	for _, term := range rl.terms {
		switch {
		case t.heads.products[term]:
			cd.add(Evidence{Field: "products", Word: term, Weight: weightProducts})
		case t.heads.name[term]:
			cd.add(Evidence{Field: "name", Word: term, Weight: weightName})
		case service && slices.Contains(activityWords, term) && t.makesAround(term):
			// 设计 or 检测 in an item that also produces (X的设计、生产) is part of making
			// X, not a design or testing service.
		case (t.heads.scope[term] || service && t.heads.trade[term]) && fromScope < scopeCap:
			fromScope += weightScope
			cd.add(Evidence{Field: "scope", Word: term, Weight: weightScope})
		}
	}
	cd.dropContained()
	return cd
}

// scopeFor is the part of the scope that counts for a segment: production items, and
// trade items too for service segments.
func (t text) scopeFor(rl *rule) string {
	if rl.seg.Stage == chainmap.StageService {
		return t.scope + t.trade
	}
	return t.scope
}

// dropContained removes a word matched inside a longer matched word (门窗 inside
// 铝合金门窗), so one phrase is not counted twice.
func (cd *candidate) dropContained() {
	kept := cd.evidence[:0]
	for _, e := range cd.evidence {
		inside := e.Field != "industry_code" && slices.ContainsFunc(cd.evidence, func(o Evidence) bool {
			return o.Field != "industry_code" && o.Word != e.Word && strings.Contains(o.Word, e.Word)
		})
		if inside {
			cd.score -= e.Weight
			cd.matched -= len([]rune(e.Word))
			continue
		}
		kept = append(kept, e)
	}
	cd.evidence = kept
}

func (cd *candidate) add(e Evidence) {
	cd.score += e.Weight
	if e.Field != "industry_code" {
		cd.matched += len([]rune(e.Word))
	}
	cd.evidence = append(cd.evidence, e)
}

// guard rules a segment out: an exclude keyword in the products or name, or a segment
// requiring a material (铝) the firm shows no sign of, in its name, products, GB/T class,
// or (when name and products name no other material) its scope.
func guard(rl *rule, t text) string {
	if w := containsAny(t.products+"|"+t.name, rl.exclude); w != "" {
		return "excluded by the word " + w
	}
	if len(rl.materials) == 0 {
		return ""
	}
	if containsAny(t.name+"|"+t.products+"|"+t.class, rl.materials) != "" {
		return ""
	}
	other := containsAny(t.name+"|"+t.products, withoutAll(otherMaterials, rl.materials))
	if other == "" && containsAny(t.scopeFor(rl), rl.materials) != "" {
		return ""
	}
	if other != "" {
		return fmt.Sprintf("made of %s, not %s (material guard)", other, strings.Join(rl.materials, "/"))
	}
	return fmt.Sprintf("no sign of %s in name, products or class (material guard)", strings.Join(rl.materials, "/"))
}

func withoutAll(words, drop []string) []string {
	out := make([]string, 0, len(words))
	for _, w := range words {
		if containsAny(w, drop) == "" {
			out = append(out, w)
		}
	}
	return out
}

// decide turns ranked candidates into a placement: the best is primary unless too
// weak; it is confirmed when strong, backed by products or name, and ahead of every
// unrelated rival.
func decide(cands []candidate, ruledOut []string) Placement {
	p := Placement{RuledOut: ruledOut, Decision: Rejected}
	if len(cands) == 0 {
		return p
	}
	best := cands[0]
	p.Primary, p.Score, p.Evidence = best.rule.seg.ID, best.score, best.evidence
	for _, c := range cands[1:] {
		if len(p.Alternatives) == 2 {
			break
		}
		if !slices.Contains(best.rule.ancestors, c.rule.seg.ID) && c.matched > 0 {
			p.Alternatives = append(p.Alternatives, c.rule.seg.ID)
		}
	}
	switch {
	case best.score < minPlaced:
		p.Decision = Rejected
	case best.score >= minConfirmed && strongEvidence(best) && !rivalled(best, cands[1:]):
		p.Decision = Confirmed
	default:
		p.Decision = Uncertain
	}
	return p
}

func strongEvidence(c candidate) bool {
	return slices.ContainsFunc(c.evidence, func(e Evidence) bool { return e.Field == "products" || e.Field == "name" })
}

// rivalled reports whether an unrelated segment (neither ancestor nor descendant) scores
// as high as the best.
func rivalled(best candidate, others []candidate) bool {
	for _, o := range others {
		if o.score < best.score {
			return false
		}
		if !slices.Contains(best.rule.ancestors, o.rule.seg.ID) && !slices.Contains(o.rule.ancestors, best.rule.seg.ID) {
			return true
		}
	}
	return false
}
