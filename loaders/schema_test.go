package loaders_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// TestSchemasMatchDatasets keeps the machine-readable schemas in docs/schema honest:
// every bundled and test manifest and YAML taxonomy must validate against them.
func TestSchemasMatchDatasets(t *testing.T) {
	c := jsonschema.NewCompiler()
	manifest, err := c.Compile("../docs/schema/manifest.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	taxonomy, err := c.Compile("../docs/schema/taxonomy.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	asJSON := func(path string) any {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := yaml.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	for _, dir := range []string{"../data/zhengzhou-aluminium", "../testdata/minimal", "../testdata/hefei-battery"} {
		if err := manifest.Validate(asJSON(filepath.Join(dir, "manifest.yaml"))); err != nil {
			t.Errorf("%s/manifest.yaml: %v", dir, err)
		}
		if tax := filepath.Join(dir, "taxonomy.yaml"); fileExists(tax) {
			if err := taxonomy.Validate(asJSON(tax)); err != nil {
				t.Errorf("%s: %v", tax, err)
			}
		}
	}
	// And the schema refuses what the loader refuses.
	bad := map[string]any{"format": "chainmap-dataset/1", "id": "Bad Id", "tables": map[string]any{"sources": "s.csv", "regions": "r.csv", "segments": "g.csv"}}
	if err := manifest.Validate(bad); err == nil {
		t.Error("schema accepted an invalid dataset id")
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
