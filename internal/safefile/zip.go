package safefile

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
)

// ZipLimits bound an archive (an XLSX workbook is a zip of XML parts) before anything
// decompresses it.
type ZipLimits struct {
	Part    int64 // declared uncompressed bytes of one part
	Total   int64 // declared uncompressed bytes of all parts
	Entries int   // parts in the archive
	// Ratio bounds uncompressed / compressed bytes of any part larger than RatioFloor.
	// Deflate reaches about 1,000:1 on repeated bytes (a whitespace-bloated sheet); real
	// spreadsheet XML stays well under 100:1, the bound Apache POI uses by default.
	Ratio      int64
	RatioFloor int64
}

// CheckZip checks every part's declared size and compression ratio, and their total,
// against lim, without decompressing anything. The declared sizes cannot lie to readers
// built on archive/zip (excelize is): it fails a part that inflates past its declared
// size. Errors are *LimitError naming the file and the part, or say why the archive is
// unreadable.
func CheckZip(ra io.ReaderAt, size int64, name string, lim ZipLimits) error {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		if errors.Is(err, zip.ErrFormat) {
			return fmt.Errorf("%s: not a zip archive (an .xlsx workbook is one): %w", name, err)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	if lim.Entries > 0 && len(zr.File) > lim.Entries {
		return &LimitError{File: name, What: "entries", Limit: int64(lim.Entries)}
	}
	var total uint64
	for _, f := range zr.File {
		u, c := f.UncompressedSize64, f.CompressedSize64
		if lim.Part > 0 && u > uint64(lim.Part) {
			return &LimitError{File: name, Part: f.Name, What: "part (uncompressed)", Limit: lim.Part}
		}
		total += u
		if lim.Total > 0 && total > uint64(lim.Total) {
			return &LimitError{File: name, Part: f.Name, What: "archive (uncompressed, all parts)", Limit: lim.Total}
		}
		if lim.Ratio > 0 && u > uint64(lim.RatioFloor) && (c == 0 || u/c > uint64(lim.Ratio)) {
			return &LimitError{File: name, Part: f.Name, What: "ratio", Limit: lim.Ratio}
		}
	}
	return nil
}
