package loaders

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"reflect"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/internal/safefile"
	"github.com/xuri/excelize/v2"
)

// Batch is a slice of records of one kind, as the typed slice of the domain (for
// KindEnterprises, Rows is a []chainmap.Enterprise).
type Batch struct {
	Kind Kind
	Rows any
}

// Len returns the number of records in the batch.
func (b Batch) Len() int { return reflect.ValueOf(b.Rows).Len() }

// Sink receives a validated dataset in batches. The embedded store and the Neo4j store
// implement it. Begin is called once before any batch, End once after the last one
// with every key of the dataset.
type Sink interface {
	Begin(ctx context.Context, info chainmap.DatasetInfo) error
	Write(ctx context.Context, b Batch) error
	End(ctx context.Context, keys Keys) error
}

// Aborter is implemented by sinks that hold state between Begin and End: Load calls Abort
// when a load that began fails or is cancelled, so the sink drops what it built (the data
// it already served stays) and accepts the next Begin.
type Aborter interface {
	Abort(ctx context.Context)
}

// Encoder is implemented by sinks that turn a batch into their own representation before
// writing it. Load calls Encode on its reading goroutine and hands the result to Write,
// so encoding the next batch overlaps with the sink writing the previous one.
type Encoder interface {
	Encode(b Batch) (Batch, error)
}

// Options tune a load.
type Options struct {
	// BatchSize is the number of records per Write (default 2000).
	BatchSize int
	// Progress, if set, is called after each batch with the kind and the rows written
	// so far for it.
	Progress func(k Kind, written int)
}

// Dataset is an opened dataset folder.
type Dataset struct {
	// Dir names the dataset in messages (its folder, or "bundled").
	Dir      string
	fsys     fs.FS
	Manifest *Manifest
	tables   map[Kind]*tableSource
	workbook string
}

// Open reads the manifest of the dataset folder dir. Problems in the manifest are
// returned as a *ValidationError.
//
// Every file of the dataset is opened through internal/safefile: it must resolve inside
// the folder (a symbolic link leading outside it, or an absolute one, is refused; dir
// itself may be a link, resolved once here) and be a regular file (a FIFO, device or
// socket is refused without blocking), and it is read within the bounds of limits.go.
func Open(dir string) (*Dataset, error) {
	fsys, err := safefile.DirFS(dir)
	if err != nil {
		return nil, fmt.Errorf("open dataset: %w", err)
	}
	return OpenFS(fsys, dir)
}

// OpenFS reads the manifest of a dataset held in fsys (a folder, or a dataset embedded
// in the binary); name labels it in messages.
func OpenFS(fsys fs.FS, name string) (*Dataset, error) {
	rep := &Report{Rows: map[Kind]int{}}
	m, ok := readManifest(fsys, rep)
	if !ok {
		return nil, &ValidationError{Report: rep}
	}
	if m.Workbook != "" && !fs.ValidPath(m.Workbook) {
		rep.add(manifestFile, 0, "workbook", "must be a file inside the dataset folder, got %q", m.Workbook)
		return nil, &ValidationError{Report: rep}
	}
	d := &Dataset{Dir: name, fsys: fsys, Manifest: m, tables: map[Kind]*tableSource{}, workbook: m.Workbook}
	for _, k := range Kinds {
		if f := m.Tables[string(k)]; f != "" {
			d.tables[k] = &tableSource{fsys: fsys, file: f, encoding: m.Encoding}
		}
	}
	if tax := m.Tables["taxonomy"]; tax != "" {
		for _, k := range []Kind{KindChains, KindSegments, KindFlows} {
			d.tables[k] = &tableSource{fsys: fsys, file: tax, yamlKey: string(k)}
		}
	}
	return d, nil
}

// each iterates the rows of every table in load order, parsing each into its record.
// With c set, cross-row checks run too. fn receives the records.
func (d *Dataset) each(ctx context.Context, rep *Report, c *checker, fn func(k Kind, rec any, line int) error) error {
	var wb *excelize.File
	if d.workbook != "" {
		f, err := d.openWorkbook(ctx)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			rep.add(d.workbook, 0, "", "cannot open the workbook: %s", text(why(d.workbook, err)))
			return nil
		}
		defer f.Close()
		wb = f
	}
	geo := newBoundaries(ctx, d.fsys)
	for _, k := range Kinds {
		t := d.tables[k]
		if wb != nil {
			if idx, _ := wb.GetSheetIndex(string(k)); idx >= 0 {
				if t != nil {
					if c != nil {
						rep.add(d.workbook, 0, string(k), "sheet %q duplicates table %s given in the manifest: keep one", k, t.file)
					}
				} else {
					t = &tableSource{fsys: d.fsys, file: d.workbook, sheet: string(k), wb: wb}
				}
			}
		}
		if t == nil {
			if c != nil && (k == KindSources || k == KindSegments || k == KindRegions) {
				rep.add(manifestFile, 0, "tables."+string(k), "is required")
			}
			continue
		}
		if c != nil {
			c.files[k] = t.label()
		}
		allowed := allowedColumns(k)
		err := t.each(ctx, rep, allowed, func(r *rawRow) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			f := &fields{rep: rep, row: r, kind: k}
			rec := parseRecord(k, f)
			f.checkRequiredWhen()
			if r, ok := rec.(chainmap.Region); ok && r.Boundary != "" {
				feat, err := geo.feature(r.Boundary)
				if err != nil {
					f.fail("boundary", "%v", err)
				}
				r.BoundaryGeoJSON = feat
				rec = r
			}
			if c != nil {
				c.check(k, rec, f)
			}
			rep.Rows[k]++
			if f.bad {
				return nil
			}
			return fn(k, rec, r.line)
		})
		if err != nil {
			return err
		}
		if c != nil {
			c.unreadable[k] = t.aborted
			c.finishTable(k)
		}
	}
	return nil
}

// openWorkbook reads the workbook within maxWorkbookBytes, checks every part's size and
// compression ratio (safefile.CheckZip) before anything is inflated, and opens it with
// excelize bounded the same way: a zip bomb or a sheet bloated with whitespace is
// refused naming the part, instead of filling memory or the temporary folder.
func (d *Dataset) openWorkbook(ctx context.Context) (*excelize.File, error) {
	raw, err := readFile(ctx, d.fsys, d.workbook, maxWorkbookBytes)
	if err != nil {
		return nil, err
	}
	if err := safefile.CheckZip(bytes.NewReader(raw), int64(len(raw)), d.workbook, workbookLimits); err != nil {
		return nil, err
	}
	return excelize.OpenReader(bytes.NewReader(raw), excelize.Options{
		UnzipSizeLimit: workbookLimits.Total, UnzipXMLSizeLimit: workbookInMemory})
}

// Validate reads every table of the dataset in dir and reports every problem. It writes
// nothing. The returned error is for failures to read at all; problems are in the report.
func Validate(ctx context.Context, dir string) (*Report, error) {
	d, err := Open(dir)
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return ve.Report, nil
		}
		return nil, err
	}
	return d.Validate(ctx)
}

// Validate reads every table and reports every problem; it writes nothing.
func (d *Dataset) Validate(ctx context.Context) (*Report, error) {
	rep, _, err := d.validate(ctx)
	return rep, err
}

func (d *Dataset) validate(ctx context.Context) (*Report, Keys, error) {
	rep := &Report{Rows: map[Kind]int{}}
	c := newChecker(rep)
	if err := d.each(ctx, rep, c, func(Kind, any, int) error { return nil }); err != nil {
		return rep, Keys{}, fmt.Errorf("validate %s: %w", d.Dir, err)
	}
	if f := d.Manifest.Focus; f.Chain != "" {
		if !c.keys.has(KindChains, f.Chain) {
			rep.add(manifestFile, 0, "focus.chain", "unknown chain %q", f.Chain)
		}
	}
	if f := d.Manifest.Focus; f.Region != "" {
		if !c.keys.has(KindRegions, f.Region) {
			rep.add(manifestFile, 0, "focus.region", "unknown region %q", f.Region)
		}
	}
	for _, p := range d.Manifest.Focus.Parks {
		if !c.keys.has(KindParks, p) {
			rep.add(manifestFile, 0, "focus.parks", "unknown park %q", p)
		}
	}
	rep.Sort()
	return rep, c.keys, nil
}

// Load validates the dataset in dir and, only if it has no problem, streams it to sink
// in batches. On problems it returns a *ValidationError and writes nothing. The dataset
// is read twice (validate, then write) so memory stays bounded by the batch size and the
// id sets, not by the size of the files.
func Load(ctx context.Context, dir string, sink Sink, opt Options) (*Report, error) {
	d, err := Open(dir)
	if err != nil {
		return nil, err
	}
	return d.Load(ctx, sink, opt)
}

// Load validates the dataset and, only if it has no problem, streams it to sink.
func (d *Dataset) Load(ctx context.Context, sink Sink, opt Options) (*Report, error) {
	dir := d.Dir
	rep, keys, err := d.validate(ctx)
	if err != nil {
		return rep, err
	}
	if !rep.OK() {
		return rep, &ValidationError{Report: rep}
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 2000
	}
	if err := sink.Begin(ctx, d.Manifest.Info()); err != nil {
		return rep, fmt.Errorf("load %s: begin: %w", dir, err)
	}
	ended := false
	defer func() {
		if a, ok := sink.(Aborter); ok && !ended {
			a.Abort(context.WithoutCancel(ctx))
		}
	}()
	second := &Report{Rows: map[Kind]int{}}
	// Reading and encoding the next batch overlaps with the sink writing the previous
	// one: a single writer goroutine takes batches in order from a channel holding one,
	// so the database never waits for the CSV parser and memory holds at most three
	// batches. When a write fails, wctx stops the reader.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan Batch, 1)
	writeErr := make(chan error, 1)
	go func() {
		var err error
		written := map[Kind]int{}
		for b := range batches {
			if err != nil {
				continue // drain after a failure
			}
			if err = sink.Write(wctx, b); err != nil {
				err = fmt.Errorf("write %s: %w", b.Kind, err)
				cancel()
				continue
			}
			written[b.Kind] += b.Len()
			if opt.Progress != nil {
				opt.Progress(b.Kind, written[b.Kind])
			}
		}
		writeErr <- err
	}()
	var cur Kind
	var buf reflect.Value
	flush := func() error {
		if !buf.IsValid() || buf.Len() == 0 {
			return nil
		}
		b := Batch{Kind: cur, Rows: buf.Interface()}
		if enc, ok := sink.(Encoder); ok {
			var err error
			if b, err = enc.Encode(b); err != nil {
				return fmt.Errorf("encode %s: %w", cur, err)
			}
		}
		select {
		case batches <- b:
		case <-wctx.Done():
			return wctx.Err()
		}
		buf = reflect.Value{}
		return nil
	}
	err = d.each(wctx, second, nil, func(k Kind, rec any, _ int) error {
		if k != cur {
			if err := flush(); err != nil {
				return err
			}
			cur = k
		}
		v := reflect.ValueOf(rec)
		if !buf.IsValid() {
			buf = reflect.MakeSlice(reflect.SliceOf(v.Type()), 0, opt.BatchSize)
		}
		buf = reflect.Append(buf, v)
		if buf.Len() >= opt.BatchSize {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	close(batches)
	if werr := <-writeErr; werr != nil {
		err = werr // the writer's failure, not the reader's "context canceled" it caused
	}
	if err == nil && !second.OK() {
		err = fmt.Errorf("the dataset changed while it was being loaded: %s", second.Problems[0])
	}
	if err != nil {
		return rep, fmt.Errorf("load %s: %w", dir, err)
	}
	if err := sink.End(ctx, keys); err != nil {
		return rep, fmt.Errorf("load %s: end: %w", dir, err)
	}
	ended = true
	return rep, nil
}
