package chainmap

import (
	"strings"

	"golang.org/x/text/width"
)

// FirmNameKey is the form two firm names are compared in, wherever the project asks
// whether two names are one firm (the importer's matching, the pipeline's double-counting
// check): full-width folded to half-width, brackets unified, spaces removed, 有限责任公司
// written 有限公司, and a short place name in brackets (河南XX（巩义）有限公司) dropped.
func FirmNameKey(v string) string {
	v = width.Fold.String(v)
	v = strings.Join(strings.Fields(v), "")
	v = bracketFolder.Replace(v)
	v = strings.ReplaceAll(v, "有限责任公司", "有限公司")
	if k := dropBracketedPlace(v); k != "" {
		return k
	}
	// A name that is nothing but bracketed places ("（巩义）") keeps them: dropped, every
	// such name would have the same empty key and count as one firm.
	return v
}

var bracketFolder = strings.NewReplacer("〔", "(", "〕", ")", "[", "(", "]", ")", "【", "(", "】", ")")

// dropBracketedPlace removes "(巩义)"-style brackets of up to six characters that do
// not hold 分公司 or 集团 (those change which firm it is).
func dropBracketedPlace(v string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(v, '(')
		if i < 0 {
			break
		}
		j := strings.IndexByte(v[i:], ')')
		if j < 0 {
			break
		}
		inner := v[i+1 : i+j]
		b.WriteString(v[:i])
		if n := len([]rune(inner)); n == 0 || n > 6 || strings.Contains(inner, "分公司") || strings.Contains(inner, "集团") {
			b.WriteString(v[i : i+j+1])
		}
		v = v[i+j+1:]
	}
	b.WriteString(v)
	return b.String()
}
