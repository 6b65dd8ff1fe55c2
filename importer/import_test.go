package importer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainmap/chainmap/internal/neotest"
)

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !e.IsDir() {
			raw, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			out[e.Name()] = string(raw)
		}
	}
	return out
}

func changed(a, b map[string]string) []string {
	var out []string
	for k, v := range b {
		if a[k] != v {
			out = append(out, k)
		}
	}
	return out
}

const registryList = "企业查询导出（共5条）\n" +
	"序号,企业名称,登记状态,注册资本,所属区县,企业地址,国标行业,经营范围\n" +
	"1,巩义市示例铝箔有限公司,存续,8000万元人民币,巩义市,巩义市回郭镇,铝压延加工,铝箔、电池箔生产销售\n" +
	"2,郑州示例铜箔科技有限公司,在业,5000万元,,郑州市上街区,铜压延加工,电解铜箔生产\n" +
	"3,河南示例钢结构工程有限公司,存续,2000万元,荥阳市,荥阳市,金属结构制造,钢结构工程施工；钢结构件制造\n" +
	"4,河南豫联能源集团有限责任公司,存续,,巩义市,,铝冶炼,电解铝\n" +
	"5,巩义市示例铝箔有限公司郑州分公司,存续,,,郑州经开区第八大街,铝压延加工,铝箔销售\n"

func TestImportIsIdempotentAndSuggested(t *testing.T) {
	dir := neotest.CopyDataset(t, "../data/zhengzhou-aluminium")
	list := writeFile(t, "registry.csv", []byte(registryList))
	before := snapshot(t, dir)
	ctx := context.Background()

	res, err := Import(ctx, []string{list}, dir, Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if c := changed(before, snapshot(t, dir)); len(c) != 0 {
		t.Fatalf("--dry-run changed %v", c)
	}
	// The foil maker and its branch; not the copper-foil or steel firms, nor 豫联 (already on U6).
	if res.AddedEnterprises != 2 || res.AddedOperations != 2 || res.AddedSources != 1 {
		t.Errorf("dry run would add %d enterprises, %d operations, %d sources; want 2, 2, 1", res.AddedEnterprises, res.AddedOperations, res.AddedSources)
	}

	if _, err := Import(ctx, []string{list}, dir, Options{}); err != nil {
		t.Fatal(err)
	}
	after := snapshot(t, dir)
	ops := after["operations.csv"]
	foil := entityID(Record{Name: "巩义市示例铝箔有限公司"})
	if !strings.Contains(ops, foil+",M1b,producer,") || !strings.Contains(ops, ",suggested,IMPORT-") {
		t.Errorf("operations.csv lacks the suggested M1b placement:\n%s", lastLines(ops, 3))
	}
	if strings.Contains(after["enterprises.csv"], "铜箔") || strings.Contains(after["enterprises.csv"], "钢结构") {
		t.Error("a firm not on the chain was added")
	}
	ent := after["enterprises.csv"]
	branch := entityID(Record{Name: "巩义市示例铝箔有限公司郑州分公司"})
	if !strings.Contains(ent, foil+",巩义市示例铝箔有限公司,") || !strings.Contains(ent, "huiguo-park") ||
		!strings.Contains(ent, branch+",巩义市示例铝箔有限公司郑州分公司,,,,410171,,,,"+foil+",") {
		t.Errorf("enterprises.csv:\n%s", lastLines(ent, 3))
	}

	res, err = Import(ctx, []string{list}, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := changed(after, snapshot(t, dir)); len(c) != 0 || res.AddedEnterprises+res.AddedOperations+res.AddedSources != 0 {
		t.Errorf("importing again changed %v (added %d/%d/%d)", c, res.AddedEnterprises, res.AddedOperations, res.AddedSources)
	}
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

func TestImportStrictWritesNothing(t *testing.T) {
	dir := neotest.CopyDataset(t, "../data/zhengzhou-aluminium")
	list := writeFile(t, "registry.csv", []byte(registryList+"6,,存续,,,,,\n"))
	before := snapshot(t, dir)
	res, err := Import(context.Background(), []string{list}, dir, Options{Strict: true})
	if !errors.Is(err, ErrStrict) {
		t.Fatalf("err = %v, want ErrStrict", err)
	}
	if got := problems(res.Report); len(got) != 1 || !strings.HasSuffix(got[0], ":8: 企业名称: no enterprise name: row skipped") {
		t.Errorf("problems = %v", got)
	}
	if c := changed(before, snapshot(t, dir)); len(c) != 0 {
		t.Errorf("--strict with a problem changed %v", c)
	}
	// Without --strict the good rows go in and the bad one is reported.
	if _, err := Import(context.Background(), []string{list}, dir, Options{}); err != nil {
		t.Fatal(err)
	}
	if c := changed(before, snapshot(t, dir)); len(c) != 3 {
		t.Errorf("changed %v, want enterprises, operations and sources", c)
	}
}

// A firm placed on the chain but with no region (no county, no address match, no focus
// region) is reported and not written, and the rest of the import goes in.
func TestImportSkipsFirmsWithoutRegion(t *testing.T) {
	dir := neotest.CopyDataset(t, "../testdata/hefei-battery")
	manifest := filepath.Join(dir, "manifest.yaml")
	raw, _ := os.ReadFile(manifest)
	os.WriteFile(manifest, []byte(strings.Replace(string(raw), `  region: "340100"`+"\n", "", 1)), 0o644)
	list := writeFile(t, "list.csv", []byte("企业名称,主要产品,所属区县\n某地电芯有限公司,磷酸铁锂电池电芯,某县\n肥东示例电芯有限公司,三元电芯,肥东县\n"))
	res, err := Import(context.Background(), []string{list}, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := problems(res.Report); len(got) != 1 || !strings.HasSuffix(got[0], ":2: no region found for 某地电芯有限公司 and the dataset has no focus region") {
		t.Errorf("problems = %v", got)
	}
	if res.AddedEnterprises != 1 || res.Rows[0].Skipped != "no region could be found for it" {
		t.Errorf("added %d, first row %+v", res.AddedEnterprises, res.Rows[0])
	}
}

// A result that would not validate leaves the dataset as it was: the tables are put back
// from their hard-linked backups, and no backup or temporary file is left behind.
func TestImportRestoresTablesWhenInvalid(t *testing.T) {
	dir := neotest.CopyDataset(t, "../data/zhengzhou-aluminium")
	before := snapshot(t, dir)
	ds, err := OpenDataset(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	tabs, err := openTables(ds)
	if err != nil {
		t.Fatal(err)
	}
	defer tabs.close()
	tmp := t.TempDir()
	tabs.ensureEnterprise(map[string]string{"id": "imp-test", "name_zh": "示例铝业有限公司", "region": ds.Regions[0].ID}, tmp)
	tabs.ops.appendRow(map[string]string{"enterprise": "imp-test", "segment": "NO-SUCH-SEGMENT", "verification": "suggested"}, tmp)
	err = tabs.commit(context.Background(), dir)
	if err == nil || !strings.Contains(err.Error(), "would not validate") {
		t.Fatalf("commit of an operation on an unknown segment: %v", err)
	}
	after := snapshot(t, dir)
	if c := changed(before, after); len(c) != 0 || len(after) != len(before) {
		t.Errorf("the dataset changed after a refused import: %v (%d files, was %d)", c, len(after), len(before))
	}
}

// With OnRow the placements are handed over as they are made and not held in the result.
func TestImportOnRowHoldsNoRows(t *testing.T) {
	dir := neotest.CopyDataset(t, "../data/zhengzhou-aluminium")
	list := writeFile(t, "registry.csv", []byte(registryList))
	var got []string
	res, err := Import(context.Background(), []string{list}, dir, Options{DryRun: true, TempDir: t.TempDir(),
		OnRow: func(r Row) { got = append(got, r.Entity.Rec.Name) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 0 || res.Firms != 5 || len(got) != 5 || got[0] != "河南豫联能源集团有限责任公司" { // the dataset's enterprises come first
		t.Errorf("rows held %d, firms %d, handed over %q", len(res.Rows), res.Firms, got)
	}
}

// A firm repeated on many rows names the first 20 in its note, then counts the rest.
func TestEnterpriseNoteNamesBoundedRows(t *testing.T) {
	e := &Entity{ID: "imp-x", Rec: Record{Name: "示例铝业有限公司"}}
	for i := range 5000 {
		e.Rows = append(e.Rows, Record{File: "/some/dir/a.csv", Line: i + 2, Source: "IMPORT-A"})
	}
	note := enterpriseRow(e)["note"]
	if !strings.HasPrefix(note, "imported from a.csv:2, a.csv:3,") || !strings.Contains(note, "a.csv:21, and 4980 more rows") || len(note) > 1000 {
		t.Errorf("note of %d bytes: %.300s", len(note), note)
	}
}

// A cancelled import stops while placing and writes nothing.
func TestImportCancelledWritesNothing(t *testing.T) {
	dir := neotest.CopyDataset(t, "../data/zhengzhou-aluminium")
	list := writeFile(t, "registry.csv", []byte(registryList))
	before := snapshot(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	_, err := Import(ctx, []string{list}, dir, Options{ReadProgress: func(int) {}, Progress: func(int, int) {},
		OnRow: func(Row) { cancel() }})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the cancellation", err)
	}
	if c := changed(before, snapshot(t, dir)); len(c) != 0 {
		t.Errorf("a cancelled import changed %v", c)
	}
}
