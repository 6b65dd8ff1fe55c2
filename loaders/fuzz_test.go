package loaders_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/chainmap/chainmap/loaders"
)

// FuzzValidateTable feeds arbitrary bytes as a table to the validator (as if a user saved
// anything at all as enterprises.csv or taxonomy.yaml): it must never panic, must report
// problems with a file name, and never write (Validate writes nothing by construction).
func FuzzValidateTable(f *testing.F) {
	f.Add([]byte("id,name_zh,region\nacme,阿克米,110000\n"), true)
	f.Add([]byte("id,name_zh,region\n\"unbalanced,quote\n"), true)
	f.Add([]byte("\xef\xbb\xbfid,name_zh,region\nx,\xd6\xd0\xce\xc4,110000\n"), true)
	f.Add([]byte("\xff\xfeid"), true)
	f.Add([]byte("id,id\n1,2\n"), true)
	f.Add([]byte("chains:\n  - id: c\n    name_zh: 链\nsegments:\n  - {id: s, chain: c, name_zh: 段, stage: upstream, parent: s}\n"), false)
	f.Add([]byte("segments: [1, 2, {a: [b, {c: d}]}]\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, asEnterprises bool) {
		fsys := fstest.MapFS{
			"manifest.yaml":   {Data: []byte("format: chainmap-dataset/1\nid: fuzz\ntables:\n  sources: sources.csv\n  taxonomy: taxonomy.yaml\n  regions: regions.csv\n  enterprises: enterprises.csv\n")},
			"sources.csv":     {Data: []byte("id,title\nS,Source\n")},
			"regions.csv":     {Data: []byte("id,name_zh,level\n100000,中国,country\n110000,北京,province\n")},
			"taxonomy.yaml":   {Data: []byte("chains:\n  - id: c\n    name_zh: 链\nsegments:\n  - {id: s, chain: c, name_zh: 段, stage: upstream}\n")},
			"enterprises.csv": {Data: []byte("id,name_zh,region\nacme,阿克米,110000\n")},
		}
		if asEnterprises {
			fsys["enterprises.csv"] = &fstest.MapFile{Data: data}
		} else {
			fsys["taxonomy.yaml"] = &fstest.MapFile{Data: data}
		}
		d, err := loaders.OpenFS(fsys, "fuzz")
		if err != nil {
			t.Fatal(err)
		}
		rep, err := d.Validate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range rep.Problems {
			if p.File == "" || p.Line < 0 || p.Msg == "" {
				t.Fatalf("problem without a place: %+v", p)
			}
		}
	})
}
