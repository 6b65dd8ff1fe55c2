package importer

import (
	"fmt"
	"io"
	"os"
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
}

// DefaultLimits suit a city's lists: a 256 MiB file, 64 KiB cells (a long 经营范围 is a
// few KiB), 1 MiB rows, two million rows, 1 GiB decompressed XLSX.
var DefaultLimits = Limits{
	FileBytes: 256 << 20, RowBytes: 1 << 20, CellBytes: 64 << 10, Rows: 2_000_000,
	UnzipBytes: 1 << 30, UnzipXMLBytes: 512 << 20,
}

// openBounded opens path for reading only if it is a regular file (not a symlink,
// device or folder) no larger than the file limit. It is the one place the importer
// opens an input, so a shared bounded opener can replace it.
func openBounded(path string, lim Limits) (io.ReadCloser, int64, error) {
	st, err := os.Lstat(path)
	if err != nil {
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("%s is not a regular file (symlinks, folders and devices are refused)", path)
	}
	if st.Size() > lim.FileBytes {
		return nil, 0, fmt.Errorf("%s is %d bytes, more than the %d allowed", path, st.Size(), lim.FileBytes)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	// Re-check on the opened file: the path may have been swapped since Lstat.
	if st2, err := f.Stat(); err != nil || !os.SameFile(st, st2) {
		f.Close()
		return nil, 0, fmt.Errorf("%s changed while it was being opened", path)
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(f, lim.FileBytes+1), f}, st.Size(), nil
}
