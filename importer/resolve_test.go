package importer

import (
	"slices"
	"strings"
	"testing"

	"github.com/chainmap/chainmap"
)

func TestNameKey(t *testing.T) {
	same := [][2]string{
		{"河南示例铝业有限责任公司", "河南示例铝业有限公司"},
		{"河南示例铝业（巩义）有限公司", "河南示例铝业有限公司"},
		{"河南 示例铝业 有限公司", "河南示例铝业有限公司"},
		{"ＡＢＣ铝业有限公司", "ABC铝业有限公司"},
		{"示例(郑州)铝业有限公司", "示例（郑州）铝业有限公司"},
	}
	for _, p := range same {
		if nameKey(p[0]) != nameKey(p[1]) {
			t.Errorf("nameKey(%s) = %s ≠ nameKey(%s) = %s", p[0], nameKey(p[0]), p[1], nameKey(p[1]))
		}
	}
	if nameKey("示例铝业股份有限公司") == nameKey("示例铝业有限公司") {
		t.Error("股份有限公司 and 有限公司 are different firms' forms, not merged by name")
	}
	if nameKey("示例铝业有限公司（第一分公司）") == nameKey("示例铝业有限公司") {
		t.Error("a bracketed 分公司 must not be dropped")
	}
	if a, b := nameKey("（巩义）"), nameKey("【郑州】"); a == "" || a == b {
		t.Errorf("names that are only a bracketed place: keys %q and %q, want two different non-empty keys", a, b)
	}
	if m := (chainmap.FirmKey{}).Match(chainmap.FirmKey{}); m != "" {
		t.Errorf("two firms without name or credit code matched by %q", m)
	}
}

func TestParentName(t *testing.T) {
	cases := map[string]string{
		"河南示例铝业股份有限公司郑州分公司": "河南示例铝业股份有限公司",
		"河南示例铝业有限公司第二分公司":   "河南示例铝业有限公司",
		"示例铝厂二分厂":           "示例铝厂",
		"示例铝业有限公司":          "",
		"河南示例铝业有限公司（郑州分公司）": "",
	}
	for in, want := range cases {
		if got := parentName(in); got != want {
			t.Errorf("parentName(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestResolve(t *testing.T) {
	codeA := composeCreditCode("91410181", "MA40AAA1")
	codeB := composeCreditCode("91410182", "MA40BBB2")
	codeC := composeCreditCode("91410182", "MA40CCC3")
	reg := List{Records: []Record{
		{File: "reg.csv", Line: 2, Name: "巩义示例铝业有限责任公司", CreditCode: codeA, County: "巩义市", Status: "active"},
		{File: "reg.csv", Line: 3, Name: "巩义示例铝业有限公司荥阳分公司", County: "荥阳市"},
		{File: "reg.csv", Line: 4, Name: "示例同名铝材有限公司", CreditCode: codeB},
		{File: "reg.csv", Line: 5, Name: "河南豫联能源集团有限公司", Scope: "铝"},
		{File: "reg.csv", Line: 6, Name: "豫联能源集团有限公司上街分公司"},
	}}
	stats := List{Records: []Record{
		{File: "stats.xlsx[名录]", Line: 5, Name: "巩义示例铝业有限公司", CreditCode: codeA, Products: []string{"铝板"}, Revenue: "1.2", RevenueYear: 2023, County: "回郭镇"},
		{File: "stats.xlsx[名录]", Line: 6, Name: "示例同名铝材有限公司", CreditCode: codeC},
		{File: "stats.xlsx[名录]", Line: 7, Name: "巩义示例铝业（巩义）有限公司", BadCode: "91410181MA40AAA100"},
	}}
	existing := []chainmap.Enterprise{{ID: "yulian", NameZh: "河南豫联能源集团有限责任公司", Region: "410181"}}
	rep := &Report{}
	ents := Resolve([]List{reg, stats}, existing, rep)
	ids := []string{}
	for _, e := range ents {
		ids = append(ids, e.ID)
	}
	branchID := entityID(Record{Name: "巩义示例铝业有限公司荥阳分公司"})
	want := []string{"yulian", codeA, branchID, codeB, entityID(Record{Name: "豫联能源集团有限公司上街分公司"}), codeC}
	if !slices.Equal(ids, want) {
		t.Fatalf("entities = %v, want %v", ids, want)
	}
	a := ents[1]
	if len(a.Rows) != 3 || a.Rec.Revenue != "1.2" || a.Rec.County != "巩义市" || !slices.Equal(a.Rec.Products, []string{"铝板"}) {
		t.Errorf("merged A = %+v (rows %d)", a.Rec, len(a.Rows))
	}
	if ents[2].Parent != codeA {
		t.Errorf("branch parent = %q, want %s", ents[2].Parent, codeA)
	}
	if !ents[0].Existing || len(ents[0].Rows) != 1 {
		t.Errorf("existing 豫联 = %+v", ents[0])
	}
	merges := strings.Join(rep.Merges, "\n")
	for _, w := range []string{
		"stats.xlsx[名录]:5 巩义示例铝业有限公司 = reg.csv:2 巩义示例铝业有限责任公司 → " + codeA + " (same credit code " + codeA + ")",
		"stats.xlsx[名录]:7 巩义示例铝业（巩义）有限公司 = reg.csv:2 巩义示例铝业有限责任公司 → " + codeA + " (same normalised name 巩义示例铝业有限公司)",
		"reg.csv:5 河南豫联能源集团有限公司 → existing enterprise yulian (same normalised name 河南豫联能源集团有限公司)",
		"reg.csv:3 巩义示例铝业有限公司荥阳分公司: branch of " + codeA,
	} {
		if !strings.Contains(merges, w) {
			t.Errorf("merges lack %q:\n%s", w, merges)
		}
	}
	notes := strings.Join(rep.Notes, "\n")
	for _, w := range []string{
		"stats.xlsx[名录]:6 示例同名铝材有限公司: same name as " + codeB + " but a different credit code",
		"stats.xlsx[名录]:5 巩义示例铝业有限公司: county \"回郭镇\" differs from \"巩义市\" already read: kept the first",
		"豫联能源集团有限公司上街分公司: a branch of 豫联能源集团有限公司, which is neither in the lists nor in the dataset",
	} {
		if !strings.Contains(notes, w) {
			t.Errorf("notes lack %q:\n%s", w, notes)
		}
	}
}
