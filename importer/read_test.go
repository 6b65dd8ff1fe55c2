package importer

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestParseMoney(t *testing.T) {
	cases := []struct {
		cell, unit string
		want       string // in 亿元; "" for empty
		foreign    string
		err        string
	}{
		{cell: "8000万元人民币", want: "0.8"},
		{cell: "8000万人民币", want: "0.8"},
		{cell: "人民币8000万元", want: "0.8"},
		{cell: "12345.678", unit: "千元", want: "0.12345678"},
		{cell: "8,000", unit: "万元", want: "0.8"},
		{cell: "１２０００", unit: "千元", want: "0.12"},
		{cell: "1.2亿元", unit: "千元", want: "1.2"}, // the cell's unit wins
		{cell: "3", unit: "亿元", want: "3"},
		{cell: "0.001", unit: "元", want: "0.00000000001"},
		{cell: "500万美元", foreign: "美元"},
		{cell: "100万港币", foreign: "港币"},
		{cell: "", want: ""},
		{cell: "-", want: ""},
		{cell: "100", err: `"100" has no unit: state it in the header (e.g. 营业收入（千元）), a unit row, or the mapping file's units`},
		{cell: "约100万", err: `"约100万" is not an amount of money (a number, optionally with 千元/万元/亿元)`},
		{cell: "-5", unit: "万元", err: `"-5" is not an amount of money (a number, optionally with 千元/万元/亿元)`},
	}
	for _, c := range cases {
		m, err := parseMoney(c.cell, c.unit)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("parseMoney(%q, %q) error = %v, want %s", c.cell, c.unit, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseMoney(%q, %q): %v", c.cell, c.unit, err)
			continue
		}
		switch {
		case c.want == "" && c.foreign == "":
			if m != nil {
				t.Errorf("parseMoney(%q) = %+v, want nothing", c.cell, m)
			}
		case c.foreign != "":
			if m == nil || m.Foreign != c.foreign || m.Yuan != nil {
				t.Errorf("parseMoney(%q) = %+v, want foreign %s", c.cell, m, c.foreign)
			}
		default:
			if got := inUnit(m.Yuan, "亿元"); got != c.want {
				t.Errorf("parseMoney(%q, %q) = %s 亿元, want %s", c.cell, c.unit, got, c.want)
			}
		}
	}
}

func TestStatusWords(t *testing.T) {
	cases := map[string]string{"存续": "active", "在业": "active", "开业": "active", "迁入": "active",
		"存续（在营、开业、在册）": "active", "注销": "closed", "吊销": "closed", "吊销，未注销": "closed",
		"停业": "closed", "清算": "closed", "迁出": "closed"}
	for w, want := range cases {
		if got, ok := statusOf(w); !ok || got != want {
			t.Errorf("statusOf(%q) = %q, %v; want %q", w, got, ok, want)
		}
	}
	if _, ok := statusOf("其他"); ok {
		t.Error("statusOf(其他) was recognised")
	}
}

func TestCreditCodeChecks(t *testing.T) {
	valid := composeCreditCode("91410181", "MA3X5K7B")
	if err := checkCreditCode(valid); err != nil {
		t.Fatalf("composed code %s: %v", valid, err)
	}
	if !validOrgCode("D2143569X") { // the example of GB 11714
		t.Error("GB 11714's example D2143569-X refused")
	}
	fullWidth := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' {
			return r + 0xFEE0
		}
		return r
	}, valid[9:])
	if got := normaliseCode(" " + strings.ToLower(valid[:9]) + " " + fullWidth); got != valid {
		t.Errorf("normaliseCode = %q, want %q", got, valid)
	}
	lastWrong := valid[:17] + string(creditAlphabet[(strings.IndexByte(creditAlphabet, valid[17])+1)%31])
	// An organisation code with a wrong check character, re-sealed with a correct
	// GB 32100 check character, so only the embedded check can catch it.
	orgWrong := resealed(valid[:16] + string("0123456789X"[(strings.IndexByte("0123456789X", valid[16])+1)%11]))
	cases := map[string]string{
		lastWrong:            `"` + lastWrong + `" fails its GB 32100 check character`,
		orgWrong:             `"` + orgWrong + `": the organisation code ` + orgWrong[8:17] + ` inside it fails its GB 11714 check character`,
		"91410181MA3X5K7":    `"91410181MA3X5K7" has 15 characters, a credit code has 18`,
		"9141018IMA3X5K7B01": `"9141018IMA3X5K7B01" holds 'I', which no credit code uses`,
	}
	for code, want := range cases {
		if err := checkCreditCode(code); err == nil || err.Error() != want {
			t.Errorf("checkCreditCode(%s) = %v, want %s", code, err, want)
		}
	}
}

// resealed sets the GB 32100 check character of the first 17 characters.
func resealed(body17 string) string {
	w := [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	total := 0
	for i := 0; i < 17; i++ {
		total += strings.IndexByte(creditAlphabet, body17[i]) * w[i]
	}
	return body17 + string(creditAlphabet[(31-total%31)%31])
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func problems(rep *Report) []string {
	var out []string
	for _, p := range rep.Problems {
		out = append(out, p.String())
	}
	return out
}

func TestReadRegistryCSV(t *testing.T) {
	code := composeCreditCode("91410181", "MA3X5K7B")
	csv := "企业查询结果导出（共4条）\n" +
		"序号,企业名称,登记状态,法定代表人,注册资本,统一社会信用代码,所属区县,企业地址,国标行业,经营范围\n" +
		"1,巩义市示例铝业有限公司,存续（在营、开业、在册）,张三,8000万元人民币," + strings.ToLower(code) + ",巩义市,河南省郑州市巩义市回郭镇,C3252 铝压延加工,铝板、铝带、铝箔生产销售\n" +
		"2,示例外资铝材有限公司,吊销，未注销,李四,500万美元,91410181MA3X5K7B00,,郑州市上街区,铝压延加工,\n" +
		"3,,存续,王五,100万元,,,,,\n" +
		"4,示例贸易有限公司,其他,赵六,十万,,,,,\n"
	for name, data := range map[string][]byte{
		"utf8.csv": []byte(csv),
		"bom.csv":  append([]byte{0xEF, 0xBB, 0xBF}, csv...),
		"gbk.csv":  mustGBK(t, csv),
	} {
		t.Run(name, func(t *testing.T) {
			p := writeFile(t, name, data)
			rep := &Report{}
			lists := ReadLists(context.Background(), []string{p}, ReadOptions{}, rep)
			if len(lists) != 1 || len(lists[0].Records) != 3 {
				t.Fatalf("lists = %+v, problems %v", lists, problems(rep))
			}
			rs := lists[0].Records
			r := rs[0]
			if r.Line != 3 || r.Name != "巩义市示例铝业有限公司" || r.CreditCode != code || r.Status != "active" ||
				r.Capital != "0.8" || r.County != "巩义市" || r.IndustryCode != "3252" || r.Scope == "" {
				t.Errorf("first record = %+v", r)
			}
			// The class name alone gives the code (bundled GB/T 4754 names).
			if rs[1].Status != "closed" || rs[1].CreditCode != "" || rs[1].BadCode != "91410181MA3X5K7B00" || rs[1].IndustryCode != "3252" || rs[1].Industry != "铝压延加工" {
				t.Errorf("second record = %+v", rs[1])
			}
			want := []string{
				p + `:4: 注册资本: "500万美元" is in 美元, not converted (no exchange rate is assumed)`,
				p + `:4: 统一社会信用代码: "91410181MA3X5K7B00" fails its GB 32100 check character: kept aside, not trusted`,
				p + `:5: 企业名称: no enterprise name: row skipped`,
				p + `:6: 注册资本: "十万" is not an amount of money (a number, optionally with 千元/万元/亿元)`,
				p + `:6: 登记状态: unknown status "其他" (kept as unknown)`,
			}
			got := problems(rep)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			notes := strings.Join(rep.Notes, "\n")
			if !strings.Contains(notes, "columns not used: 法定代表人") {
				t.Errorf("notes do not list the ignored column: %s", notes)
			}
			if gbk := strings.Contains(notes, "decoded as GBK/GB18030"); gbk != (name == "gbk.csv") {
				t.Errorf("GBK note present = %v for %s: %s", gbk, name, notes)
			}
		})
	}
}

func mustGBK(t *testing.T, s string) []byte {
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadStatisticsXLSX(t *testing.T) {
	f := excelize.NewFile()
	f.SetSheetName("Sheet1", "说明")
	f.SetCellValue("说明", "A1", "本表为示例，数据为虚构。")
	f.NewSheet("名录")
	set := func(cell string, v any) { f.SetCellValue("名录", cell, v) }
	set("A1", "2023年郑州市规模以上工业企业名录")
	f.MergeCell("名录", "A1", "G1")
	set("A2", "单位：千元")
	for i, h := range []string{"序号", "单位详细名称", "统一社会信用代码", "行业代码", "主要产品1", "主要产品2", "2023年营业收入", "所属区县"} {
		c, _ := excelize.CoordinatesToCellName(i+1, 3)
		set(c, h)
	}
	for i, u := range []string{"甲", "乙", "丙", "丁", "", "", "千元", ""} { // a unit row
		c, _ := excelize.CoordinatesToCellName(i+1, 4)
		set(c, u)
	}
	row := func(n int, vals ...any) {
		for i, v := range vals {
			c, _ := excelize.CoordinatesToCellName(i+1, n)
			set(c, v)
		}
	}
	row(5, 1, "示例铝箔有限公司", "", "3252", "铝箔", "电池箔", 12345.678, "巩义市")
	row(6, 2, "示例型材有限公司", "", "C3252", "铝型材", "", nil, "")
	f.SetCellFormula("名录", "G6", "G5*2") // cached value below
	set("G6", 24691.356)
	f.SetCellFormula("名录", "G6", "G5*2")
	f.MergeCell("名录", "H5", "H6") // 所属区县 merged over both rows
	row(7, "注：数据来源于统计部门。")
	p := filepath.Join(t.TempDir(), "名录.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	rep := &Report{}
	lists := ReadLists(context.Background(), []string{p}, ReadOptions{}, rep)
	if len(rep.Problems) != 0 {
		t.Fatalf("problems: %v", problems(rep))
	}
	rs := lists[0].Records
	if len(rs) != 2 {
		t.Fatalf("records = %+v", rs)
	}
	if rs[0].Line != 5 || rs[0].Revenue != "0.12345678" || rs[0].RevenueYear != 2023 || !slices.Equal(rs[0].Products, []string{"铝箔", "电池箔"}) {
		t.Errorf("first = %+v", rs[0])
	}
	if rs[1].Revenue != "0.24691356" || rs[1].County != "巩义市" || rs[1].IndustryCode != "3252" {
		t.Errorf("second (formula, merged county) = %+v", rs[1])
	}
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "[说明]: no header row") {
		t.Errorf("notes = %v", rep.Notes)
	}
	// --sheet picks the sheet; a missing one is reported.
	rep = &Report{}
	ReadLists(context.Background(), []string{p}, ReadOptions{Sheet: "其他"}, rep)
	if got := problems(rep); len(got) != 1 || got[0] != p+`: no sheet named "其他" (sheets: 说明, 名录)` {
		t.Errorf("problems = %v", got)
	}
}

func TestReadRefusals(t *testing.T) {
	dir := t.TempDir()
	target := writeFile(t, "real.csv", []byte("企业名称,所属区县\nA,B\n"))
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symlinks here")
	}
	rep := &Report{}
	ReadLists(context.Background(), []string{link, filepath.Join(dir, "missing.csv")}, ReadOptions{}, rep)
	got := problems(rep)
	if len(got) != 2 || !strings.Contains(got[0], "link.csv: cannot read: link.csv: resolves outside the folder") ||
		!strings.Contains(got[1], "missing.csv: cannot read: missing.csv: file does not exist") {
		t.Errorf("problems = %v", got)
	}
	big := writeFile(t, "big.csv", []byte("企业名称,所属区县\n"+strings.Repeat("x", 100)+",B\nok,B\n"))
	// A file over the size bound is refused before it is read.
	rep = &Report{}
	tiny := DefaultLimits
	tiny.FileBytes = 10
	ReadLists(context.Background(), []string{target}, ReadOptions{Limits: tiny}, rep)
	if got := problems(rep); len(got) != 1 || !strings.Contains(got[0], "file is larger than 10 bytes") {
		t.Errorf("problems = %v", got)
	}
	rep = &Report{}
	lim := DefaultLimits
	lim.CellBytes = 50
	lists := ReadLists(context.Background(), []string{big}, ReadOptions{Limits: lim}, rep)
	if got := problems(rep); len(got) != 1 || got[0] != big+":2: a cell is 100 bytes long, more than the 50 allowed: row skipped" {
		t.Errorf("problems = %v", got)
	}
	if len(lists[0].Records) != 1 {
		t.Errorf("the good row was not kept: %+v", lists[0].Records)
	}
	utf16 := writeFile(t, "u16.csv", []byte{0xFF, 0xFE, 'a', 0})
	rep = &Report{}
	ReadLists(context.Background(), []string{utf16}, ReadOptions{}, rep)
	if got := problems(rep); len(got) != 1 || !strings.Contains(got[0], "UTF-16") {
		t.Errorf("problems = %v", got)
	}
}

func TestMappingFile(t *testing.T) {
	m, err := ReadMapping("m.yaml", strings.NewReader("columns:\n  公司全称: name\n  注册区县: county\n  营收: revenue\n  联系人: ignore\nunits:\n  营收: 万元\nrevenue_year: 2024\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, "台账.csv", []byte("公司全称,注册区县,营收,联系人\n示例公司,荥阳市,5000,某人\n"))
	rep := &Report{}
	lists := ReadLists(context.Background(), []string{p}, ReadOptions{Mapping: m}, rep)
	if len(rep.Problems) != 0 || len(rep.Notes) != 0 {
		t.Fatalf("problems %v notes %v", problems(rep), rep.Notes)
	}
	if r := lists[0].Records[0]; r.Name != "示例公司" || r.County != "荥阳市" || r.Revenue != "0.5" || r.RevenueYear != 2024 {
		t.Errorf("record = %+v", r)
	}
	for in, want := range map[string]string{
		"columns:\n  a: nom\n": `m.yaml: columns: a: unknown field "nom"`,
		"units:\n  a: 美元\n":    `m.yaml: units: a: unknown unit "美元" (元, 千元, 万元 or 亿元)`,
		"colums:\n  a: name\n": "field colums not found",
		"revenue_year: 23\n":   "m.yaml: revenue_year: 23 is not a year",
	} {
		if _, err := ReadMapping("m.yaml", strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadMapping(%q) = %v, want %s", in, err, want)
		}
	}
}
