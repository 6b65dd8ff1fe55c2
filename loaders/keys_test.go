package loaders_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/loaders"
)

func appendLines(lines ...string) func(string) string {
	return func(s string) string { return s + strings.Join(lines, "\n") + "\n" }
}

// TestKeyMessages pins the messages that come out of the compact key sets, word for word
// as the map-based checker gave them: duplicate operations and supply links (composite
// keys stored by entry number, as text when a part is unknown or holds a '>', with an
// empty segment), credit codes used twice (also by a row without id), and hierarchy
// cycles in a table with many parents and with few.
func TestKeyMessages(t *testing.T) {
	many := []string{}
	for i := 1; i <= 100; i++ {
		many = append(many, fmt.Sprintf("f%d,企业%d,,,110105,,,,,,,active,", i, i))
	}
	cases := []struct {
		name  string
		edits map[string]func(string) string
		want  []string
	}{{
		name: "composite keys, credit codes, dense hierarchy",
		edits: map[string]func(string) string{
			"enterprises.csv": appendLines(
				"cyc1,环一,,,110105,,cyc2,,,,,active,",
				"cyc2,环二,,,110105,,cyc1,,,,,active,",
				",无名,,91110000600000000J,110105,,,,,,,active,",
				"eps,伊普,,91110000600000000J,110105,,,,,,,active,",
				"zeta,泽塔,,91110000600000000J,110105,,,,,,,active,",
				"acme-parts,重复,,,110105,,beta,,,,,active,",
				"omega,欧米伽,,91340100MA2TEST01Q,110105,,later,,,,,active,",
				"psi,普西,,91340100MA2TEST01Q,110105,,,,,,,active,",
				"later,后来,,,110105,,,,,,,active,"),
			"operations.csv": appendLines(
				"acme,W3,producer,,,,,,verified,",
				"ghost,W3,producer,,,,,,verified,",
				"ghost,W3,producer,,,,,,verified,",
				"a>b,W1,producer,,,,,,verified,",
				"a,b>W1,producer,,,,,,verified,"),
			"supply_links.csv": appendLines(
				"gamma,beta,W1,ore,,,,verified,",
				"beta,gamma,,,,,,suggested,",
				"beta,gamma,,,,,,suggested,",
				"beta,gamma>,,,,,,suggested,",
				"beta>gamma,,,,,,,suggested,"),
		},
		want: []string{
			`enterprises.csv:7: parent: cycle in the enterprise hierarchy: cyc1 → cyc2 → cyc1`,
			`enterprises.csv:9: id: is required`,
			`enterprises.csv:10: credit_code: credit code 91110000600000000J is also used by enterprise ""`,
			`enterprises.csv:11: credit_code: credit code 91110000600000000J is also used by enterprise ""`,
			`enterprises.csv:12: id: duplicate enterprise "acme-parts" (first defined at enterprises.csv:3)`,
			`enterprises.csv:13: credit_code: "91340100MA2TEST01Q" is not a valid unified social credit code (18 characters with a check character)`,
			`enterprises.csv:14: credit_code: "91340100MA2TEST01Q" is not a valid unified social credit code (18 characters with a check character)`,
			`enterprises.csv:14: credit_code: credit code 91340100MA2TEST01Q is also used by enterprise "omega"`,
			`operations.csv:7: segment: duplicate operation "acme>W3" (first defined at operations.csv:2)`,
			`operations.csv:8: enterprise: unknown enterprise "ghost"`,
			`operations.csv:9: segment: duplicate operation "ghost>W3" (first defined at operations.csv:8)`,
			`operations.csv:9: enterprise: unknown enterprise "ghost"`,
			`operations.csv:10: enterprise: "a>b" is not a valid id (letters, digits and . _ : - only, at most 128)`,
			`operations.csv:10: enterprise: unknown enterprise "a>b"`,
			`operations.csv:11: segment: "b>W1" is not a valid id (letters, digits and . _ : - only, at most 128)`,
			`operations.csv:11: segment: duplicate operation "a>b>W1" (first defined at operations.csv:10)`,
			`operations.csv:11: enterprise: unknown enterprise "a"`,
			`operations.csv:11: segment: unknown segment "b>W1"`,
			`supply_links.csv:4: customer: duplicate supply link "gamma>beta>W1" (first defined at supply_links.csv:2)`,
			`supply_links.csv:6: customer: duplicate supply link "beta>gamma>" (first defined at supply_links.csv:5)`,
			`supply_links.csv:7: customer: "gamma>" is not a valid id (letters, digits and . _ : - only, at most 128)`,
			`supply_links.csv:7: customer: unknown enterprise "gamma>"`,
			`supply_links.csv:8: supplier: "beta>gamma" is not a valid id (letters, digits and . _ : - only, at most 128)`,
			`supply_links.csv:8: customer: is required`,
			`supply_links.csv:8: customer: duplicate supply link "beta>gamma>>" (first defined at supply_links.csv:7)`,
			`supply_links.csv:8: supplier: unknown enterprise "beta>gamma"`,
		},
	}, {
		name: "sparse hierarchy",
		edits: map[string]func(string) string{
			"enterprises.csv": appendLines(append(many,
				"g1,环,,,110105,,g3,,,,,active,",
				"g2,环,,,110105,,g1,,,,,active,",
				"g3,环,,,110105,,g2,,,,,active,",
				"g4,环,,,110105,,nobody,,,,,active,")...),
		},
		want: []string{
			`enterprises.csv:107: parent: cycle in the enterprise hierarchy: g1 → g3 → g2 → g1`,
			`enterprises.csv:110: parent: unknown enterprise "nobody"`,
		},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, err := loaders.Validate(context.Background(), copyDataset(t, minimal, c.edits))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range rep.Problems {
				got = append(got, p.String())
			}
			if g, w := strings.Join(got, "\n"), strings.Join(c.want, "\n"); g != w {
				t.Errorf("problems:\n%s\nwant:\n%s", g, w)
			}
		})
	}
}

// TestLoadKeysHas checks the keys a load hands its sink, composite ones included.
func TestLoadKeysHas(t *testing.T) {
	sink := &recordingSink{}
	if _, err := loaders.Load(context.Background(), minimal, sink, loaders.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		kind chainmap.Kind
		key  string
		want bool
	}{
		{chainmap.KindEnterprises, "acme-parts", true},
		{chainmap.KindEnterprises, "acme-part", false},
		{chainmap.KindOperations, "acme-parts>W2a", true},
		{chainmap.KindOperations, "acme-parts>W2", false},
		{chainmap.KindOperations, "acme-parts>W2a>", false},
		{chainmap.KindSupplyLinks, "gamma>beta>W1", true},
		{chainmap.KindSupplyLinks, "acme-parts>acme>W2a", true},
		{chainmap.KindSupplyLinks, "beta>gamma>W1", false},
		{chainmap.KindSupplyLinks, "gamma>beta", false},
		{chainmap.KindFlows, "W1>W2", true},
		{chainmap.KindSegments, "W2a", true},
		{chainmap.KindSegments, "", false},
	} {
		if got := sink.keys.Has(c.kind, c.key); got != c.want {
			t.Errorf("Has(%s, %q) = %v, want %v", c.kind, c.key, got, c.want)
		}
	}
	if n := sink.keys.(loaders.Keys).Len(chainmap.KindEnterprises); n != 5 {
		t.Errorf("Len(enterprises) = %d, want 5", n)
	}
}
