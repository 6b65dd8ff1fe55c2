package importer

import (
	"context"
	"sync"
	"testing"
)

var (
	zzOnce sync.Once
	zz     *Dataset
	zzErr  error
)

// zhengzhou is the bundled dataset, read once for the tests.
func zhengzhou(t *testing.T) *Dataset {
	t.Helper()
	zzOnce.Do(func() { zz, zzErr = OpenDataset(context.Background(), "../data/zhengzhou-aluminium") })
	if zzErr != nil {
		t.Fatal(zzErr)
	}
	return zz
}

func TestLocate(t *testing.T) {
	ix := newRegionIndex(zhengzhou(t))
	code := composeCreditCode("91410183", "MA40DDD4") // registered in 新密市
	cases := []struct {
		name       string
		rec        Record
		want, note string
	}{
		{"county column", Record{County: "荥阳市", Address: "郑州市上街区"}, "410182", ""},
		{"county short name", Record{County: "巩义"}, "410181", ""},
		{"full address", Record{Address: "河南省郑州市巩义市回郭镇工业园区"}, "410181", ""},
		{"city omitted", Record{Address: "巩义市回郭镇"}, "410181", ""},
		{"zone by its short name", Record{Address: "郑州经开区第八大街"}, "410171", ""},
		{"zone by its full name", Record{Address: "郑州经济技术开发区航海东路"}, "410171", ""},
		{"airport zone", Record{Address: "郑州市航空港区新港大道"}, "410173", ""},
		{"hi-tech zone", Record{Address: "郑州高新区科学大道"}, "410172", ""},
		{"a district name used as a road", Record{Address: "郑州市中原路88号"}, "410100", ""},
		{"two counties", Record{Address: "郑州市金水区，生产基地在管城回族区"}, "410100",
			"address names 郑州市, 金水区, 管城回族区, which do not nest: placed at 郑州市"},
		{"division code", Record{Division: "410185100000", Address: "某地"}, "410185", ""},
		{"credit code hint", Record{CreditCode: code, Address: "回郭镇"}, "410183",
			"region from the registering adcode inside the credit code (where it registered, not necessarily where it operates)"},
		{"nothing known", Record{Address: "某工业园"}, "410100",
			"no county or address found: placed at the dataset's focus region 郑州市"},
	}
	for _, c := range cases {
		got, note := ix.locate(c.rec)
		if got != c.want || note != c.note {
			t.Errorf("%s: locate = %s, %q; want %s, %q", c.name, got, note, c.want, c.note)
		}
	}
	if p := ix.parkOf("巩义市回郭镇清易路", "410181"); p != "huiguo-park" {
		t.Errorf("park of 回郭镇 = %q, want huiguo-park", p)
	}
	if p := ix.parkOf("巩义市回郭镇清易路", "410182"); p != "" {
		t.Errorf("park outside its region = %q", p)
	}
}
