package importer

import (
	"strings"
	"testing"
)

func TestPlace(t *testing.T) {
	cl := NewClassifier(zhengzhou(t).Segments)
	cases := []struct {
		name     string
		rec      Record
		segment  string
		decision string
		evidence string // substring of the evidence, or of the ruled-out reasons when rejected
	}{
		{"aluminium foil by products and class", Record{Name: "巩义示例新材料有限公司", IndustryCode: "3252", Products: []string{"铝箔", "电池箔"}},
			"M1b", Confirmed, "铝箔 in products (+3)"},
		{"class only: the parent, not a guess among its children", Record{Name: "巩义示例新材料有限公司", IndustryCode: "3252"},
			"M1", Uncertain, "GB/T 3252 铝压延加工 (+2)"},
		{"copper foil: material guard", Record{Name: "示例铜箔有限公司", IndustryCode: "3251", Products: []string{"电解铜箔", "电池箔"}},
			"", Rejected, "M1b: made of 铜, not 铝 (material guard)"},
		{"steel structure shares 3311: material guard", Record{Name: "河南示例钢结构有限公司", IndustryCode: "3311", Scope: "钢结构工程施工；钢结构件制造"},
			"", Rejected, "E2.structure: made of 钢, not 铝 (material guard)"},
		{"car parts of steel share 3670", Record{Name: "示例汽车零部件有限公司", IndustryCode: "3670", Products: []string{"钢制轮毂", "制动盘"}},
			"", Rejected, "E1.wheel: made of 钢, not 铝 (material guard)"},
		{"car parts without a material", Record{Name: "示例汽车配件有限公司", IndustryCode: "3670", Products: []string{"汽车配件"}},
			"", Rejected, "no sign of 铝 in name, products or class (material guard)"},
		{"aluminium wheels", Record{Name: "示例铝轮毂有限公司", IndustryCode: "3670", Products: []string{"铝合金轮毂"}},
			"E1.wheel", Confirmed, "轮毂 in products (+3)"},
		{"graphite electrodes share 3091: exclude keyword", Record{Name: "示例炭素有限公司", IndustryCode: "3091", Products: []string{"石墨电极"}},
			"", Rejected, "U5: excluded by the word 石墨电极"},
		{"prebaked anodes", Record{Name: "示例炭素有限公司", IndustryCode: "3091", Products: []string{"预焙阳极"}},
			"U5", Confirmed, "预焙阳极 in products (+3)"},
		{"trade in scope places on trade only", Record{Name: "示例金属材料有限公司", IndustryCode: "5164", Scope: "铝锭、铝材销售；仓储服务（不含危险品）"},
			"S2", Uncertain, "铝材销售 in scope (+2)"},
		{"scope words weigh less than products", Record{Name: "示例铝业有限公司", Products: []string{"铝型材"}, Scope: "铝合金门窗制造"},
			"M1c", Uncertain, "铝型材 in products (+3)"},
		{"nothing on the chain", Record{Name: "示例食品有限公司", Products: []string{"方便面"}}, "", Rejected, ""},
	}
	for _, c := range cases {
		p := cl.Place(c.rec)
		got := p.Primary
		if p.Decision == Rejected {
			got = ""
		}
		where := p.EvidenceText()
		if c.decision == Rejected {
			where = strings.Join(p.RuledOut, "; ")
		}
		if got != c.segment || p.Decision != c.decision || !strings.Contains(where, c.evidence) {
			t.Errorf("%s: placed %q %s (%d) evidence %q ruled out %q; want %q %s with %q", c.name, p.Primary, p.Decision,
				p.Score, p.EvidenceText(), p.RuledOut, c.segment, c.decision, c.evidence)
		}
	}
}

func TestModifiersDoNotCount(t *testing.T) {
	terms := []string{"锂离子电池", "电解液", "铝箔", "餐盒", "锂电池"}
	cases := map[string][]string{
		"锂离子电池电解液": {"锂离子电池"},
		"锂电池用铝箔":   {"锂电池"},
		"铝箔餐盒、铝箔":  nil, // 铝箔 also stands alone
		"铝箔餐盒":     {"铝箔"},
		"锂离子电池":    nil,
	}
	for s, want := range cases {
		got := modifiersIn(s, terms)
		if len(got) != len(want) {
			t.Errorf("modifiersIn(%s) = %v, want %v", s, got, want)
		}
		for _, w := range want {
			if !got[w] {
				t.Errorf("modifiersIn(%s) = %v, want %v", s, got, want)
			}
		}
	}
}

// The third round of rules (issue 14): ties go to the product named first, design is an
// activity on its object (and a design-only item is a service), a qualifier before a
// product names the process that makes it, and a blank or tool for a product is not it.
func TestPlaceRound3(t *testing.T) {
	al := NewClassifier(zhengzhou(t).Segments)
	cases := []struct {
		name    string
		rec     Record
		segment string
	}{
		{"two products tie in one scope item: the first named wins",
			Record{Name: "示例新材料有限公司", Industry: "铝压延加工", Scope: "铝箔、铝带的生产、销售"}, "M1b"},
		{"the same, the other way round",
			Record{Name: "示例新材料有限公司", Industry: "铝压延加工", Scope: "铝带、铝箔的生产、销售"}, "M1a"},
		{"two products tie in the products column: the first named wins",
			Record{Name: "示例材料有限公司", Products: []string{"铝管", "铝型材"}}, "M1e"},
		{"X的设计、生产: X is the product, not a design service",
			Record{Name: "示例装饰工程有限公司", Scope: "铝单板幕墙的设计、生产、安装"}, "E2.panel"},
		{"design only: a design service",
			Record{Name: "示例设计有限公司", Scope: "铝合金门窗系统设计、技术咨询"}, "S7"},
		{"a qualifier before a product: recycled alloy ingot is recycling",
			Record{Name: "示例金属有限公司", Products: []string{"再生铝合金锭"}}, "U7"},
		{"an overlap ending in an activity keeps the later word as head",
			Record{Name: "示例环保有限公司", Scope: "动力电池回收；废铝回收"}, "U7"},
		{"a blank for a wheel is not a wheel",
			Record{Name: "示例锻造有限公司", IndustryCode: "3393", Products: []string{"铝合金锻造轮毂坯料"}}, "M3"},
		{"a mould for profiles is not a profile",
			Record{Name: "示例模具有限公司", IndustryCode: "3525", Products: []string{"铝型材模具"}}, ""},
	}
	for _, c := range cases {
		p := al.Place(c.rec)
		got := p.Primary
		if p.Decision == Rejected {
			got = ""
		}
		if got != c.segment {
			t.Errorf("%s: placed %q (%s, %d) %s; want %q", c.name, got, p.Decision, p.Score, p.EvidenceText(), c.segment)
		}
	}
}

func TestActivityObjects(t *testing.T) {
	bt := NewClassifier(hefei(t).Segments)
	al := NewClassifier(zhengzhou(t).Segments)
	cases := []struct {
		name    string
		cl      *Classifier
		rec     Record
		segment string
	}{
		{"what is tested is not made", al, Record{Name: "郑州示例铝材检测技术有限公司", Scope: "金属材料检测服务"}, "S5"},
		{"what is taken apart is not made", bt, Record{Name: "示例再生有限公司", Scope: "废旧锂电池拆解、再生利用"}, "bt.S1.2"},
		{"a list of activities is not an object: 回收、拆解", bt, Record{Name: "示例循环有限公司", Scope: "废旧动力电池回收、拆解"}, "bt.S1.2"},
	}
	for _, c := range cases {
		p := c.cl.Place(c.rec)
		got := p.Primary
		if p.Decision == Rejected {
			got = ""
		}
		if got != c.segment {
			t.Errorf("%s: placed %q (%s, %d) %s; want %q", c.name, got, p.Decision, p.Score, p.EvidenceText(), c.segment)
		}
	}
}

func hefei(t *testing.T) *Dataset {
	t.Helper()
	ds, err := OpenDataset(t.Context(), "../testdata/hefei-battery")
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// Round 4: a machine for a product is not the product; production verbs beyond 生产/制造
// make an item production; 型材 alone is a profile (门窗型材 is not a window).
func TestPlaceRound4(t *testing.T) {
	al := NewClassifier(zhengzhou(t).Segments)
	bt := NewClassifier(hefei(t).Segments)
	cases := []struct {
		name    string
		cl      *Classifier
		rec     Record
		segment string
	}{
		{"a winding machine for batteries is not a battery", bt, Record{Name: "示例设备有限公司", Products: []string{"锂电池卷绕机"}}, ""},
		{"a foil slitter is not foil", al, Record{Name: "示例机械有限公司", Products: []string{"铝箔分切机"}}, ""},
		{"an extrusion press is M4's own word", al, Record{Name: "示例机械有限公司", IndustryCode: "3422", Products: []string{"铝型材挤压机"}}, "M4"},
		{"挤压 is production: the item is not trade", al, Record{Name: "示例铝业有限公司", Industry: "铝压延加工", Scope: "铝型材挤压、表面处理、销售"}, "M1c"},
		{"profiles for windows are profiles", al, Record{Name: "示例铝业有限公司", IndustryCode: "3252", Products: []string{"铝合金门窗型材"}}, "M1c"},
		{"plastic-steel profiles are off the chain", al, Record{Name: "示例塑业有限公司", Products: []string{"塑钢型材"}}, ""},
		{"windows are still windows", al, Record{Name: "示例门窗有限公司", IndustryCode: "3312", Products: []string{"断桥铝门窗"}}, "E2.window"},
	}
	for _, c := range cases {
		p := c.cl.Place(c.rec)
		got := p.Primary
		if p.Decision == Rejected {
			got = ""
		}
		if got != c.segment {
			t.Errorf("%s: placed %q (%s, %d) %s; want %q", c.name, got, p.Decision, p.Score, p.EvidenceText(), c.segment)
		}
	}
}
