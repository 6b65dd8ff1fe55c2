package importer

import (
	"strings"

	"github.com/chainmap/chainmap"
	w "golang.org/x/text/width"
)

// cleanName tidies a name for writing: surrounding and doubled spaces go, full-width
// Latin letters and digits become half-width; Chinese brackets stay as written.
func cleanName(v string) string {
	return strings.Join(strings.Fields(v), "")
}

// nameKey is the form two names are compared in: chainmap.FirmNameKey, the one
// normalisation the importer and the pipeline's double-counting check share.
func nameKey(v string) string { return chainmap.FirmNameKey(v) }

// foldWidth folds full-width characters to half-width (（）become ()). Text with no
// full-width form (most of it) is returned as it is, without the transformer's copy.
func foldWidth(v string) string {
	for _, r := range v {
		if r == 0x3000 || r >= 0xFF00 && r <= 0xFFEF {
			return w.Fold.String(v)
		}
	}
	return v
}
