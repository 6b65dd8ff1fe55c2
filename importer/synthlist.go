package importer

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
)

// listKinds are the kinds of firm a synthetic registry list is drawn from: aluminium
// firms and neighbours that share words or classes with the chain, as in a real city
// export. Every firm generated is invented.
var listKinds = []struct {
	word, class, scope string
}{
	{"铝业", "铝压延加工", "铝板、铝带、铝卷的生产、销售"},
	{"铝箔", "铝压延加工", "双零箔、电池箔生产；铝箔销售"},
	{"铝型材", "铝压延加工", "建筑铝型材、工业铝型材生产"},
	{"轮毂", "汽车零部件及配件制造", "铝合金轮毂的研发、生产、销售"},
	{"门窗", "金属门窗制造", "铝合金门窗制造、安装"},
	{"铜箔", "铜压延加工", "电解铜箔生产、销售"},
	{"钢结构", "金属结构制造", "钢结构工程施工；钢结构件制造"},
	{"汽车部件", "汽车零部件及配件制造", "汽车座椅、钢制冲压件生产"},
	{"炭素", "石墨及碳素制品制造", "预焙阳极、石墨电极生产"},
	{"电缆", "电线、电缆制造", "电线电缆、铝合金电缆制造"},
	{"商贸", "金属及金属矿批发", "铝锭、钢材、建材销售"},
	{"食品", "", "食品生产；预包装食品销售"},
	{"科技", "", "软件开发；信息技术咨询服务"},
	{"物流", "", "普通货运；仓储服务（不含危险品）"},
}

var (
	listCounties = []string{"巩义市", "荥阳市", "新密市", "新郑市", "登封市", "上街区", "中牟县", "金水区", "二七区", ""}
	listSyllable = []rune("华恒瑞鑫金宏昌泰源达盛通兴隆丰远嘉德信和安康永顺祥中新宇博创")
	listStatus   = []string{"存续", "存续", "存续", "在业", "开业", "注销", "吊销，未注销", "迁出"}
)

// WriteSyntheticList writes a deterministic registry-style CSV of n invented firms
// (title row, header, 序号, credit codes with valid check characters, 注册资本 as text)
// for measuring the import at scale. The same seed gives the same file.
func WriteSyntheticList(w io.Writer, n int, seed uint64) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	rng := rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))
	fmt.Fprintf(bw, "企业查询结果导出（合成数据，虚构企业，共%d条）\n", n)
	cw := csv.NewWriter(bw)
	cw.Write([]string{"序号", "企业名称", "登记状态", "注册资本", "统一社会信用代码", "所属区县", "企业地址", "国标行业", "经营范围"})
	for i := 1; i <= n; i++ {
		k := listKinds[rng.IntN(len(listKinds))]
		county := listCounties[rng.IntN(len(listCounties))]
		name := fmt.Sprintf("%s%s%s%s有限公司", county, syllables(rng, i), k.word, []string{"", "新材料", "科技"}[rng.IntN(3)])
		code := ""
		if rng.IntN(10) < 8 {
			code = composeCreditCode("91410100", syntheticOrg(i))
		}
		cw.Write([]string{fmt.Sprint(i), name, listStatus[rng.IntN(len(listStatus))],
			fmt.Sprintf("%d万元人民币", 50*(1+rng.IntN(400))), code, county,
			fmt.Sprintf("河南省郑州市%s示例路%d号", county, rng.IntN(999)+1), k.class, k.scope})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// syllables makes a distinct three-character name part for row i.
func syllables(rng *rand.Rand, i int) string {
	n := len(listSyllable)
	return string([]rune{listSyllable[i%n], listSyllable[(i/n)%n], listSyllable[(i/(n*n)+rng.IntN(n))%n]})
}

// syntheticOrg is an 8-character organisation code body unique per row number.
func syntheticOrg(i int) string {
	const digits = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	b := []byte("MA000000")
	for p := 7; p >= 2 && i > 0; p-- {
		b[p] = digits[i%len(digits)]
		i /= len(digits)
	}
	return string(b)
}
