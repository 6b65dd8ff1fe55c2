package importer

import "strings"

// gbtClasses names the GB/T 4754-2017 classes (小类) the bundled chains use and their
// close neighbours, so that a list giving only the class name (国标行业 "铝压延加工") is
// mapped to its code, and evidence can show both. Names as the compiler knows the
// standard: the aluminium classes are those listed in the project's reference on
// enterprise lists; the others are unverified against the standard's text.
var gbtClasses = map[string]string{
	"0610": "烟煤和无烟煤开采洗选",
	"0916": "铝矿采选",
	"2130": "金属家具制造",
	"2613": "无机盐制造",
	"2669": "其他专用化学产品制造",
	"2921": "塑料薄膜制造",
	"3091": "石墨及碳素制品制造",
	"3110": "炼铁",
	"3120": "炼钢",
	"3130": "钢压延加工",
	"3211": "铜冶炼",
	"3212": "铅锌冶炼",
	"3213": "镍钴冶炼",
	"3216": "铝冶炼",
	"3240": "有色金属合金制造",
	"3251": "铜压延加工",
	"3252": "铝压延加工",
	"3311": "金属结构制造",
	"3312": "金属门窗制造",
	"3331": "集装箱制造",
	"3333": "金属包装容器及材料制造",
	"3360": "金属表面处理及热处理加工",
	"3391": "黑色金属铸造",
	"3392": "有色金属铸造",
	"3393": "锻件及粉末冶金制品制造",
	"3399": "其他未列明金属制品制造",
	"3422": "金属成形机床制造",
	"3611": "汽柴油车整车制造",
	"3612": "新能源车整车制造",
	"3660": "汽车车身、挂车制造",
	"3670": "汽车零部件及配件制造",
	"3831": "电线、电缆制造",
	"3841": "锂离子电池制造",
	"3849": "其他电池制造",
	"3985": "电子专用材料制造",
	"4210": "金属废料和碎屑加工处理",
	"4220": "非金属废料和碎屑加工处理",
	"4411": "火力发电",
	"4412": "热电联产",
	"5164": "金属及金属矿批发",
}

// gbtByName maps a class name to its code.
var gbtByName = func() map[string]string {
	m := make(map[string]string, len(gbtClasses))
	for c, n := range gbtClasses {
		m[n] = c
	}
	return m
}()

// classOf returns the class code a 国标行业 cell names: its code if it holds one, else
// the code of the class name it contains (the longest, so 铝压延加工 is not read as a
// shorter name inside it).
func classOf(cell string) string {
	if c := industryCode(cell); c != "" {
		return c
	}
	best := ""
	for name, code := range gbtByName {
		if strings.Contains(cell, name) && len(name) > len(gbtClasses[best]) {
			best = code
		}
	}
	return best
}
