package importer

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadCSV: whatever bytes a list holds, reading, resolving and placing it reports
// problems and never panics.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte(registryList))
	f.Add([]byte("序号,企业名称,统一社会信用代码,营业收入（千元）\n1,\"a\"\"b\",９１,１２\n"))
	f.Add([]byte("企业名称,所属区县\n\"unterminated\n"))
	f.Add([]byte{0xEF, 0xBB, 0xBF, 0xC4, 0xE3})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "list.csv")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		rep := &Report{}
		lists := ReadLists(context.Background(), []string{p}, ReadOptions{}, rep)
		ents := Resolve(lists, nil, rep)
		cl := NewClassifier(nil)
		for _, e := range ents {
			cl.Place(e.Rec)
			parentName(e.Rec.Name)
		}
	})
}

// FuzzFields: the field parsers never panic.
func FuzzFields(f *testing.F) {
	for _, s := range []string{"8000万元人民币", "９１４１０１８１MA", "河南XX（巩义）有限公司郑州分公司", "C3252 铝压延加工", "((()))"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parseMoney(s, "千元")
		nameKey(s)
		parentName(s)
		classOf(s)
		checkCreditCode(normaliseCode(s))
		statusOf(s)
		normaliseHeader(s)
	})
}
