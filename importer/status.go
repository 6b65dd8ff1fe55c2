package importer

import "strings"

// statusWords maps registry status words to the dataset's status. 迁出 is a firm that
// moved its registration away: it no longer operates here.
var statusWords = []struct {
	word   string
	status string
}{
	{"存续", "active"}, {"在业", "active"}, {"开业", "active"}, {"迁入", "active"}, {"正常", "active"},
	{"在营", "active"}, {"登记成立", "active"}, {"营业", "active"},
	{"注销", "closed"}, {"吊销", "closed"}, {"停业", "closed"}, {"清算", "closed"}, {"迁出", "closed"},
	{"撤销", "closed"}, {"歇业", "closed"}, {"责令关闭", "closed"},
}

// statusOf maps a status word ("存续（在营、开业、在册）", "吊销，未注销") to active or
// closed. The first word found decides, so "吊销，未注销" is closed; an unknown word
// gives ("", false).
func statusOf(v string) (string, bool) {
	best, at := "", -1
	for _, s := range statusWords {
		if i := strings.Index(v, s.word); i >= 0 && (at < 0 || i < at) {
			best, at = s.status, i
		}
	}
	return best, at >= 0
}
