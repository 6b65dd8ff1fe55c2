package importer

import (
	"context"
	"fmt"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/loaders"
)

// Dataset is what the import needs of the target dataset: its taxonomy, regions, parks,
// enterprises and operations, read through the loader so that the dataset is validated
// first and the import never builds on a broken one.
type Dataset struct {
	Dir         string
	Manifest    *loaders.Manifest
	Segments    []chainmap.Segment
	Regions     []chainmap.Region
	Parks       []chainmap.Park
	Enterprises []chainmap.Enterprise
	Operations  []chainmap.Operation
	Sources     []chainmap.Source
}

// OpenDataset validates and reads the dataset folder dir.
func OpenDataset(ctx context.Context, dir string) (*Dataset, error) {
	d, err := loaders.Open(dir)
	if err != nil {
		return nil, err
	}
	ds := &Dataset{Dir: dir, Manifest: d.Manifest}
	if _, err := d.Load(ctx, (*collector)(ds), loaders.Options{}); err != nil {
		return nil, fmt.Errorf("import into %s: %w", dir, err)
	}
	return ds, nil
}

// collector is a load target (chainmap.Loader, and its own session) keeping the records
// the import needs.
type collector Dataset

func (c *collector) BeginLoad(context.Context, chainmap.LoadOptions) (chainmap.LoadSession, error) {
	return c, nil
}
func (c *collector) Commit(context.Context) error { return nil }
func (c *collector) Abort(context.Context)        {}

func (c *collector) Write(_ context.Context, b chainmap.Batch) error {
	switch rows := b.(type) {
	case chainmap.Rows[chainmap.Segment]:
		c.Segments = append(c.Segments, rows...)
	case chainmap.Rows[chainmap.Region]:
		c.Regions = append(c.Regions, rows...)
	case chainmap.Rows[chainmap.Park]:
		c.Parks = append(c.Parks, rows...)
	case chainmap.Rows[chainmap.Enterprise]:
		c.Enterprises = append(c.Enterprises, rows...)
	case chainmap.Rows[chainmap.Operation]:
		c.Operations = append(c.Operations, rows...)
	case chainmap.Rows[chainmap.Source]:
		c.Sources = append(c.Sources, rows...)
	}
	return nil
}
