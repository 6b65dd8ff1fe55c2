// Package loaders reads a chainmap dataset folder (a manifest and its CSV, XLSX or YAML
// tables), validates every row, and streams typed batches of records into a store's load
// session (chainmap.Loader): the embedded store and the Neo4j store both load through it,
// so both hold the same graph.
package loaders

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"github.com/chainmap/chainmap"
	"go.yaml.in/yaml/v3"
)

// FormatVersion is the manifest "format" value this package reads.
const FormatVersion = "chainmap-dataset/1"

const manifestFile = "manifest.yaml"

// Manifest is the parsed manifest.yaml of a dataset folder.
type Manifest struct {
	Format    string `yaml:"format"`
	ID        string `yaml:"id"`
	TitleZh   string `yaml:"title_zh"`
	TitleEn   string `yaml:"title_en"`
	Version   string `yaml:"version"`
	Licence   string `yaml:"licence"`
	Synthetic bool   `yaml:"synthetic"`
	Encoding  string `yaml:"encoding"`
	Focus     struct {
		Chain  string   `yaml:"chain"`
		Region string   `yaml:"region"`
		Parks  []string `yaml:"parks"`
	} `yaml:"focus"`
	Tables      map[string]string `yaml:"tables"`
	Workbook    string            `yaml:"workbook"`
	Description string            `yaml:"description"`
}

// Info returns the dataset description stores keep.
func (m *Manifest) Info() chainmap.DatasetInfo {
	return chainmap.DatasetInfo{
		ID: m.ID, TitleZh: m.TitleZh, TitleEn: m.TitleEn, Version: m.Version, Licence: m.Licence,
		Synthetic: m.Synthetic, FocusChain: m.Focus.Chain, FocusRegion: m.Focus.Region,
		FocusParks: m.Focus.Parks,
	}
}

var datasetIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// readManifest parses and checks the manifest; problems are appended to rep.
func readManifest(fsys fs.FS, rep *Report) (*Manifest, bool) {
	raw, err := readFile(context.Background(), fsys, manifestFile, maxManifestBytes)
	if err != nil {
		rep.add(manifestFile, 0, "", "cannot read the manifest: %s", text(why(manifestFile, err)))
		return nil, false
	}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		rep.add(manifestFile, yamlErrLine(err), "", "not valid YAML: %v", err)
		return nil, false
	}
	var m Manifest
	if err := root.Decode(&m); err != nil {
		rep.add(manifestFile, yamlErrLine(err), "", "%v", err)
		return nil, false
	}
	ok := true
	// Unknown top-level keys are usually typos: report them with their line.
	known := map[string]bool{"format": true, "id": true, "title_zh": true, "title_en": true,
		"version": true, "licence": true, "license": true, "synthetic": true, "encoding": true,
		"focus": true, "tables": true, "workbook": true, "description": true}
	if len(root.Content) == 1 && root.Content[0].Kind == yaml.MappingNode {
		mp := root.Content[0]
		for i := 0; i+1 < len(mp.Content); i += 2 {
			k := mp.Content[i]
			if !known[k.Value] {
				rep.add(manifestFile, k.Line, k.Value, "unknown key")
				ok = false
			}
			if k.Value == "license" && m.Licence == "" {
				m.Licence = mp.Content[i+1].Value
			}
		}
	}
	line := func(key string) int { return yamlKeyLine(&root, key) }
	if m.Format != FormatVersion {
		rep.add(manifestFile, line("format"), "format", "must be %q, got %q", FormatVersion, m.Format)
		ok = false
	}
	if !datasetIDPattern.MatchString(m.ID) {
		rep.add(manifestFile, line("id"), "id", "must match [a-z0-9-]+ (at most 64 characters), got %q", m.ID)
		ok = false
	}
	switch strings.ToLower(m.Encoding) {
	case "", "utf-8", "utf8":
		m.Encoding = "utf-8"
	case "gb18030", "gbk", "gb2312":
		m.Encoding = "gb18030"
	default:
		rep.add(manifestFile, line("encoding"), "encoding", "must be utf-8 or gb18030, got %q", m.Encoding)
		ok = false
	}
	tl := line("tables")
	validKinds := map[string]bool{"taxonomy": true}
	for _, k := range chainmap.Kinds {
		validKinds[string(k)] = true
	}
	names := make([]string, 0, len(m.Tables))
	for k := range m.Tables {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if !validKinds[k] {
			rep.add(manifestFile, tl, "tables."+k, "unknown table (known: taxonomy, %s)", joinKinds())
			ok = false
			continue
		}
		if f := m.Tables[k]; !fs.ValidPath(f) {
			rep.add(manifestFile, tl, "tables."+k, "must be a file inside the dataset folder, got %q", f)
			ok = false
		}
	}
	if m.Tables["taxonomy"] != "" {
		for _, k := range []chainmap.Kind{chainmap.KindChains, chainmap.KindSegments, chainmap.KindFlows} {
			if m.Tables[string(k)] != "" {
				rep.add(manifestFile, tl, "tables."+string(k), "given both in the taxonomy file and as its own table")
				ok = false
			}
		}
	}
	return &m, ok
}

func joinKinds() string {
	s := make([]string, len(chainmap.Kinds))
	for i, k := range chainmap.Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// yamlKeyLine finds the line of a top-level key in a YAML document, or 0.
func yamlKeyLine(root *yaml.Node, key string) int {
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return 0
	}
	mp := root.Content[0]
	for i := 0; i+1 < len(mp.Content); i += 2 {
		if mp.Content[i].Value == key {
			return mp.Content[i].Line
		}
	}
	return 0
}

var yamlLineRe = regexp.MustCompile(`line (\d+)`)

func yamlErrLine(err error) int {
	if m := yamlLineRe.FindStringSubmatch(err.Error()); m != nil {
		var n int
		fmt.Sscanf(m[1], "%d", &n)
		return n
	}
	return 0
}
