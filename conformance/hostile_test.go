package conformance

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainmap/chainmap"
)

// hostile holds Cypher, GraphQL, HTML and spreadsheet metacharacters.
const hostile = `<img src=x onerror=alert(1)>' OR 1=1 //"}) DETACH DELETE n; {__schema} $x =HYPERLINK("http://e")`

// TestHostileNamesAreData loads names full of metacharacters into both stores: they come
// back byte for byte, filters on them match as plain text, and nothing else changes.
func TestHostileNamesAreData(t *testing.T) {
	defer failOnMust(t)
	dir := t.TempDir()
	copyDir(t, "../testdata/minimal", dir)
	csvCell := `"` + strings.ReplaceAll(hostile, `"`, `""`) + `"`
	rewrite(t, filepath.Join(dir, "enterprises.csv"), func(s string) string {
		return strings.Replace(s, "beta,贝塔,Beta,", "beta,"+csvCell+","+csvCell+",", 1)
	})
	stores := loadAll(t, dir)
	each(t, stores, func(t *testing.T, s chainmap.Store) {
		e := must(s.Enterprises(ctxT(t), chainmap.EnterpriseQuery{IDs: []string{"beta"}})).Enterprises[0]
		if e.NameZh != hostile || e.NameEn != hostile {
			t.Errorf("name came back as %q", e.NameZh)
		}
		for _, text := range []string{hostile, "DETACH DELETE", "' OR 1=1", "<img"} {
			p := must(s.Enterprises(ctxT(t), chainmap.EnterpriseQuery{Text: text}))
			if p.Total != 1 || p.Enterprises[0].ID != "beta" {
				t.Errorf("search %q found %d", text, p.Total)
			}
		}
		if n := must(s.Counts(ctxT(t)))["enterprises"]; n != 5 {
			t.Errorf("enterprises = %d after hostile names, want 5", n)
		}
		p := must(s.Enterprises(ctxT(t), chainmap.EnterpriseQuery{Designation: `规上' OR '1'='1`}))
		if p.Total != 0 {
			t.Errorf("an injected designation matched %d", p.Total)
		}
	})
}
