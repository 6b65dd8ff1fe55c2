package importer

import (
	"fmt"
	"strings"

	"github.com/chainmap/chainmap"
	"golang.org/x/text/width"
)

// creditAlphabet is the character set of GB 32100 (no I, O, Z, S, V).
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// normaliseCode folds what real exports hold (full-width characters, lower case,
// spaces) into the written form of a credit code.
func normaliseCode(v string) string {
	v = width.Fold.String(v)
	v = strings.ToUpper(strings.Join(strings.Fields(v), ""))
	return v
}

// checkCreditCode says what is wrong with a normalised unified social credit code, or
// nil: its length and characters, its GB 32100 check character (the loader's rule), and
// the GB 11714 check character of the organisation code embedded at positions 9–17.
func checkCreditCode(code string) error {
	if len(code) != 18 {
		return fmt.Errorf("%q has %d characters, a credit code has 18", code, len([]rune(code)))
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(creditAlphabet, code[i]) < 0 {
			return fmt.Errorf("%q holds %q, which no credit code uses", code, code[i])
		}
	}
	if !chainmap.ValidCreditCode(code) {
		return fmt.Errorf("%q fails its GB 32100 check character", code)
	}
	if !validOrgCode(code[8:17]) {
		return fmt.Errorf("%q: the organisation code %s inside it fails its GB 11714 check character", code, code[8:17])
	}
	return nil
}

// validOrgCode checks a 9-character organisation code (GB 11714): weights 3 7 9 10 5 8
// 4 2 over the first eight (digits are their value, letters 10–35), check = 11 − sum mod
// 11, written X for 10 and 0 for 11.
func validOrgCode(s string) bool {
	weights := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	if len(s) != 9 {
		return false
	}
	sum := 0
	for i := 0; i < 8; i++ {
		c := s[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		default:
			return false
		}
		sum += v * weights[i]
	}
	var want byte
	switch c := 11 - sum%11; c {
	case 10:
		want = 'X'
	case 11:
		want = '0'
	default:
		want = byte('0' + c)
	}
	return s[8] == want
}

// readCode reads the credit code; a code that fails its checks is reported and kept
// aside in BadCode, never used to merge or as an id.
func (r *Record) readCode(t *table, rec []string, rep *Report) {
	v, c := t.get(rec, FieldCreditCode)
	if c == nil {
		return
	}
	code := normaliseCode(v)
	if err := checkCreditCode(code); err != nil {
		rep.problem(t.label, r.Line, c.header, "%v: kept aside, not trusted", err)
		r.BadCode = code
		return
	}
	r.CreditCode = code
}

// composeCreditCode builds a valid credit code from its first 8 characters (authority,
// type, adcode) and an 8-character organisation code body, adding both check
// characters. It makes synthetic test codes; it never stands for a real firm.
func composeCreditCode(head8, org8 string) string {
	weights := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 8; i++ {
		c := org8[i]
		v := int(c - '0')
		if c >= 'A' {
			v = int(c-'A') + 10
		}
		sum += v * weights[i]
	}
	check := "0123456789X0"[11-sum%11]
	body := head8 + org8 + string(check)
	w := [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	total := 0
	for i := 0; i < 17; i++ {
		total += strings.IndexByte(creditAlphabet, body[i]) * w[i]
	}
	return body + string(creditAlphabet[(31-total%31)%31])
}
