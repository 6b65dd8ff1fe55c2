package loaders

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
)

// boundaries reads GeoJSON files referenced by regions and parks ("file.geojson" or
// "file.geojson#featureId") once each, and hands out single features as compact JSON.
type boundaries struct {
	ctx  context.Context
	fsys fs.FS
	// total counts the bytes of the files read, bounded by maxBoundaryTotal.
	total int64
	files map[string]map[string]json.RawMessage // file → feature id (or "" for the whole file) → feature
	errs  map[string]error
}

func newBoundaries(ctx context.Context, fsys fs.FS) *boundaries {
	return &boundaries{ctx: ctx, fsys: fsys, files: map[string]map[string]json.RawMessage{}, errs: map[string]error{}}
}

type geoFeature struct {
	Type       string          `json:"type"`
	ID         any             `json:"id"`
	Properties map[string]any  `json:"properties"`
	Geometry   json.RawMessage `json:"geometry"`
}

// feature returns the GeoJSON Feature a reference points at. A feature is matched on
// its "id", or on the properties "adcode", "id" or "code", in that order.
func (b *boundaries) feature(ref string) (string, error) {
	file, id, _ := strings.Cut(ref, "#")
	if len(file) > maxBoundaryName {
		return "", fmt.Errorf("boundary file name is %d bytes long, more than the %d allowed", len(file), maxBoundaryName)
	}
	if !fs.ValidPath(file) {
		return "", fmt.Errorf("%q is not a file inside the dataset folder", clip(file))
	}
	feats, ok := b.files[file]
	if !ok {
		if err, bad := b.errs[file]; bad {
			return "", err
		}
		if len(b.files)+len(b.errs) >= maxBoundaryFiles {
			return "", fmt.Errorf("more than %d distinct boundary files are named", maxBoundaryFiles)
		}
		var err error
		feats, err = b.read(file)
		if err != nil {
			b.errs[file] = err
			return "", err
		}
		b.files[file] = feats
	}
	f, ok := feats[id]
	if !ok {
		return "", fmt.Errorf("no feature %q in %s (features are matched on id or properties.adcode)", clip(id), clip(file))
	}
	return string(f), nil
}

func (b *boundaries) read(file string) (map[string]json.RawMessage, error) {
	if b.total >= maxBoundaryTotal {
		return nil, fmt.Errorf("cannot read boundary file %s: the boundary files together pass %d bytes", clip(file), maxBoundaryTotal)
	}
	raw, err := readFile(b.ctx, b.fsys, file, min(maxBoundaryBytes, maxBoundaryTotal-b.total))
	if err != nil {
		return nil, fmt.Errorf("cannot read boundary file %s: %s", clip(file), why(file, err))
	}
	b.total += int64(len(raw))
	var doc struct {
		Type     string       `json:"type"`
		Features []geoFeature `json:"features"`
		geoFeature
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s is not valid GeoJSON: %v", clip(file), err)
	}
	out := map[string]json.RawMessage{}
	add := func(f geoFeature) error {
		if len(f.Geometry) == 0 || string(f.Geometry) == "null" {
			return nil
		}
		enc, err := json.Marshal(f)
		if err != nil {
			return err
		}
		for _, k := range []any{f.ID, f.Properties["adcode"], f.Properties["id"], f.Properties["code"]} {
			if k != nil {
				key := fmt.Sprint(k)
				if fl, ok := k.(float64); ok {
					key = fmt.Sprintf("%.0f", fl)
				}
				if _, dup := out[key]; !dup {
					out[key] = enc
				}
			}
		}
		return nil
	}
	switch doc.Type {
	case "FeatureCollection":
		for _, f := range doc.Features {
			if err := add(f); err != nil {
				return nil, err
			}
		}
		if len(doc.Features) == 1 {
			out[""] = out[fmt.Sprint(doc.Features[0].ID)]
		}
	case "Feature":
		f := doc.geoFeature
		f.Type = "Feature"
		if err := add(f); err != nil {
			return nil, err
		}
		enc, _ := json.Marshal(f)
		out[""] = enc
	default:
		return nil, fmt.Errorf("%s is not a GeoJSON Feature or FeatureCollection", clip(file))
	}
	return out, nil
}
