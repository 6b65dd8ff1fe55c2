package loaders

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/internal/safefile"
	"github.com/xuri/excelize/v2"
)

// Options tune a load.
type Options struct {
	// BatchSize is the number of records per Write (default 2000).
	BatchSize int
	// Progress, if set, is called after each batch with the kind and the rows written
	// so far for it.
	Progress func(k chainmap.Kind, written int)
	// Prune and DryRun are passed to the store (chainmap.LoadOptions).
	Prune, DryRun bool
}

// Dataset is an opened dataset folder.
type Dataset struct {
	// Dir names the dataset in messages (its folder, or "bundled").
	Dir      string
	fsys     fs.FS
	Manifest *Manifest
	tables   map[chainmap.Kind]*tableSource
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
	rep := &Report{Rows: map[chainmap.Kind]int{}}
	m, ok := readManifest(fsys, rep)
	if !ok {
		return nil, &ValidationError{Report: rep}
	}
	if m.Workbook != "" && !fs.ValidPath(m.Workbook) {
		rep.add(manifestFile, 0, "workbook", "must be a file inside the dataset folder, got %q", m.Workbook)
		return nil, &ValidationError{Report: rep}
	}
	d := &Dataset{Dir: name, fsys: fsys, Manifest: m, tables: map[chainmap.Kind]*tableSource{}, workbook: m.Workbook}
	for _, k := range chainmap.Kinds {
		if f := m.Tables[string(k)]; f != "" {
			d.tables[k] = &tableSource{fsys: fsys, file: f, encoding: m.Encoding}
		}
	}
	if tax := m.Tables["taxonomy"]; tax != "" {
		for _, k := range []chainmap.Kind{chainmap.KindChains, chainmap.KindSegments, chainmap.KindFlows} {
			d.tables[k] = &tableSource{fsys: fsys, file: tax, yamlKey: string(k)}
		}
	}
	return d, nil
}

// each iterates the rows of every table in load order, parsing each into its record.
// With c set, cross-row checks run too. fn receives the records.
func (d *Dataset) each(ctx context.Context, rep *Report, c *checker, fn func(k chainmap.Kind, rec any, line int) error) error {
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
	for _, k := range chainmap.Kinds {
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
			if c != nil && (k == chainmap.KindSources || k == chainmap.KindSegments || k == chainmap.KindRegions) {
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
	rep := &Report{Rows: map[chainmap.Kind]int{}}
	c := newChecker(rep)
	if err := d.each(ctx, rep, c, func(chainmap.Kind, any, int) error { return nil }); err != nil {
		return rep, Keys{}, fmt.Errorf("validate %s: %w", d.Dir, err)
	}
	d.finish(rep, c)
	return rep, c.keys, nil
}

// finish runs the checks that need the whole dataset read (the manifest's focus) and
// sorts the report.
func (d *Dataset) finish(rep *Report, c *checker) {
	if f := d.Manifest.Focus; f.Chain != "" {
		if !c.keys.has(chainmap.KindChains, f.Chain) {
			rep.add(manifestFile, 0, "focus.chain", "unknown chain %q", f.Chain)
		}
	}
	if f := d.Manifest.Focus; f.Region != "" {
		if !c.keys.has(chainmap.KindRegions, f.Region) {
			rep.add(manifestFile, 0, "focus.region", "unknown region %q", f.Region)
		}
	}
	for _, p := range d.Manifest.Focus.Parks {
		if !c.keys.has(chainmap.KindParks, p) {
			rep.add(manifestFile, 0, "focus.parks", "unknown park %q", p)
		}
	}
	rep.Sort()
}

// Load validates the dataset in dir and, only if it has no problem, streams it to store
// in batches. On problems it returns a *ValidationError and writes nothing. The dataset
// is read twice (validate, then write) so memory stays bounded by the batch size and the
// id sets, not by the size of the files.
func Load(ctx context.Context, dir string, store chainmap.Loader, opt Options) (*Report, error) {
	d, err := Open(dir)
	if err != nil {
		return nil, err
	}
	return d.Load(ctx, store, opt)
}

// Load validates the dataset and, only if it has no problem, streams it to store in one
// load session: BeginLoad, the batches in load order, Commit; a load that fails or is
// cancelled after BeginLoad is aborted, so the store drops its half-built data. When the
// session counts its changes (chainmap.ChangeCounter), the report's Changes holds them.
//
// A store whose sessions build the new data aside, invisible until Commit
// (chainmap.StagedLoader), gets the dataset validated and written in one reading: the
// rows go to the session as they pass the checks, and any problem aborts the session
// before Commit. Reading once halves the parsing of a large dataset (the embedded store's
// start-up); the store then gets no key set (LoadOptions.Keys is nil).
func (d *Dataset) Load(ctx context.Context, store chainmap.Loader, opt Options) (*Report, error) {
	dir := d.Dir
	staged := false
	if sl, ok := store.(chainmap.StagedLoader); ok {
		staged = sl.StagesLoads()
	}
	lo := chainmap.LoadOptions{Dataset: d.Manifest.Info(), Prune: opt.Prune, DryRun: opt.DryRun}
	rep := &Report{Rows: map[chainmap.Kind]int{}}
	// second reports the reading that writes, when it is not the validating one: a
	// problem there means the files changed after they were validated.
	second := &Report{Rows: map[chainmap.Kind]int{}}
	var c *checker
	if staged {
		c, second = newChecker(rep), rep
	} else {
		var keys Keys
		var err error
		if rep, keys, err = d.validate(ctx); err != nil {
			return rep, err
		}
		if !rep.OK() {
			return rep, &ValidationError{Report: rep}
		}
		lo.Keys = keys
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 2000
	}
	sess, err := store.BeginLoad(ctx, lo)
	if err != nil {
		return rep, fmt.Errorf("load %s: begin: %w", dir, err)
	}
	committed := false
	defer func() {
		if !committed {
			sess.Abort(context.WithoutCancel(ctx))
		}
	}()
	prep, _ := sess.(chainmap.BatchPreparer)
	// Reading and preparing the next batch overlaps with the store writing the previous
	// one: a single writer goroutine takes batches in order from a channel holding one,
	// so the database never waits for the CSV parser and memory holds at most three
	// batches. When a write fails, wctx stops the reader.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan chainmap.Batch, 1)
	writeErr := make(chan error, 1)
	go func() {
		var err error
		written := map[chainmap.Kind]int{}
		for b := range batches {
			if err != nil {
				continue // drain after a failure
			}
			if err = sess.Write(wctx, b); err != nil {
				err = fmt.Errorf("write %s: %w", b.Kind(), err)
				cancel()
				continue
			}
			written[b.Kind()] += b.Len()
			if opt.Progress != nil {
				opt.Progress(b.Kind(), written[b.Kind()])
			}
		}
		writeErr <- err
	}()
	var buf batcher
	flush := func() error {
		if buf == nil || buf.len() == 0 {
			return nil
		}
		b := buf.take()
		if prep != nil {
			var err error
			if b, err = prep.Prepare(b); err != nil {
				return fmt.Errorf("prepare %s: %w", buf.kind(), err)
			}
		}
		select {
		case batches <- b:
		case <-wctx.Done():
			return wctx.Err()
		}
		return nil
	}
	err = d.each(wctx, second, c, func(k chainmap.Kind, rec any, _ int) error {
		if buf == nil || buf.kind() != k {
			if err := flush(); err != nil {
				return err
			}
			buf = recordKinds[k].batcher(opt.BatchSize)
		}
		buf.add(rec)
		if buf.len() >= opt.BatchSize {
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
	if err != nil {
		return rep, fmt.Errorf("load %s: %w", dir, err)
	}
	if staged {
		if d.finish(rep, c); !rep.OK() {
			return rep, &ValidationError{Report: rep} // the deferred Abort drops what was written
		}
	} else if !second.OK() {
		return rep, fmt.Errorf("load %s: the dataset changed while it was being loaded: %s", dir, second.Problems[0])
	}
	if err := sess.Commit(ctx); err != nil {
		return rep, fmt.Errorf("load %s: commit: %w", dir, err)
	}
	committed = true
	if c, ok := sess.(chainmap.ChangeCounter); ok {
		rep.Changes = c.Changes()
	}
	return rep, nil
}
