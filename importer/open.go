package importer

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"

	"github.com/chainmap/chainmap/internal/safefile"
)

// Limits bound what one import reads, so that a careless or hostile export cannot
// exhaust memory: the file, one row, one cell, and an XLSX's decompressed size.
type Limits struct {
	FileBytes     int64 // largest input file
	RowBytes      int   // largest row (all cells together)
	CellBytes     int   // largest cell
	Rows          int   // most data rows per sheet or CSV
	UnzipBytes    int64 // largest total decompressed XLSX
	UnzipXMLBytes int64 // largest single decompressed XML part of an XLSX
	Columns       int   // most cells in one row, trailing empty cells aside (0: 256)
}

// DefaultLimits suit a city's lists: a 256 MiB file, 64 KiB cells (a long 经营范围 is a
// few KiB), 1 MiB rows, two million rows, 1 GiB decompressed XLSX.
var DefaultLimits = Limits{
	FileBytes: 256 << 20, RowBytes: 1 << 20, CellBytes: 64 << 10, Rows: 2_000_000,
	UnzipBytes: 1 << 30, UnzipXMLBytes: 512 << 20, Columns: maxColumns,
}

// maxColumns bounds the cells of one row (registry exports have a few dozen columns). A
// row is held as one string per cell, so width multiplies memory: a 37 KB workbook whose
// rows reach column XFD (excelize returns 16,384 cells for each) took 6 GB, and a 60 MB
// CSV of 100,000 empty columns per row 1 GB.
const maxColumns = 256

// readBounded reads the input file path whole, through internal/safefile: a regular
// file only (FIFOs, devices and folders are refused without blocking; a symbolic link
// leaving the file's folder or absolute is refused), at most lim.FileBytes. A workbook's
// declared part sizes and compression ratios are checked before anything inflates it.
// It is the one place the importer opens an input.
func readBounded(ctx context.Context, path string, lim Limits) ([]byte, error) {
	f, err := safefile.Open(filepath.Dir(path), filepath.Base(path))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := safefile.ReadAll(ctx, f, path, lim.FileBytes)
	if err != nil {
		return nil, err
	}
	if isZip(raw) || strings.EqualFold(filepath.Ext(path), ".xlsx") {
		zl := safefile.ZipLimits{Part: lim.UnzipXMLBytes, Total: lim.UnzipBytes, Entries: 10000, Ratio: 100, RatioFloor: 1 << 20}
		if err := safefile.CheckZip(bytes.NewReader(raw), int64(len(raw)), path, zl); err != nil {
			return nil, err
		}
	}
	return raw, nil
}
