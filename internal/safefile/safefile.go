// Package safefile opens and reads untrusted input files (dataset folders, imported
// registry lists) so that one careless export or one hostile folder cannot make a reader
// leave its folder, hang, or exhaust memory or disk. It is the one place that decides how
// an input file is opened:
//
//   - Paths are resolved inside a root folder with os.Root: a symbolic link (or "..")
//     that leads outside the root is refused, and so is an absolute symbolic link, even
//     one pointing back inside. Relative links that stay inside are followed.
//   - Only regular files are read: a FIFO, device, socket or directory is refused after
//     a Stat and before any read, and the open itself cannot block (O_NONBLOCK); the
//     opened file is checked again (fstat) so that swapping it in between is caught.
//   - Every read is bounded while it streams (Reader, ReadFile, CSVGuard, CheckZip), and
//     honours a context, so a long read stops when the caller is cancelled.
//
// Errors name the file and say why, so they can be shown to the person who made it.
package safefile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrOutside is returned (wrapped) for a path that resolves outside its root folder.
var ErrOutside = errors.New("resolves outside the folder")

// ErrNotRegular is returned (wrapped) for a FIFO, device, socket, directory or other
// file that is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// Dir is a folder that untrusted files are read from. It holds an open os.Root: close it.
type Dir struct {
	root *os.Root
	// path is the folder's resolved path, for messages and diagnostics.
	path string
}

// OpenDir opens the folder dir as a root. dir itself may be a symbolic link (the person
// running the command named it); it is resolved once, and everything read through the
// Dir must then stay inside the resolved folder.
func OpenDir(dir string) (*Dir, error) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, unwrapPath(err))
	}
	st, err := os.Stat(real)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, unwrapPath(err))
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: is %s, not a folder", dir, kindOf(st.Mode()))
	}
	root, err := os.OpenRoot(real)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, unwrapPath(err))
	}
	return &Dir{root: root, path: real}, nil
}

// Close releases the folder.
func (d *Dir) Close() error { return d.root.Close() }

// Path returns the resolved path of the folder.
func (d *Dir) Path() string { return d.path }

// Open opens the regular file rel (slash-separated, relative to the folder) for reading.
// It refuses a path that leaves the folder (by "..", an absolute path, or a symbolic
// link pointing outside or absolute) with ErrOutside, and anything but a regular file
// with ErrNotRegular, without blocking on a FIFO or device.
func (d *Dir) Open(rel string) (*os.File, error) {
	if !fs.ValidPath(rel) || rel == "." {
		return nil, fmt.Errorf("%s: %w (must be a relative path inside the folder, without ..)", rel, ErrOutside)
	}
	st, err := d.root.Stat(rel)
	if err != nil {
		return nil, d.explain(rel, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w: it is %s", rel, ErrNotRegular, kindOf(st.Mode()))
	}
	f, err := d.root.OpenFile(rel, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, d.explain(rel, err)
	}
	fst, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", rel, unwrapPath(err))
	}
	if !fst.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: %w: it is %s", rel, ErrNotRegular, kindOf(fst.Mode()))
	}
	if !os.SameFile(st, fst) {
		f.Close()
		return nil, fmt.Errorf("%s: the file was replaced while it was being opened", rel)
	}
	return f, nil
}

// ReadFile reads the whole regular file rel, refusing it (with a *LimitError) if it is
// larger than max bytes: checked from its size before reading and again while reading,
// since a file can grow.
func (d *Dir) ReadFile(ctx context.Context, rel string, max int64) ([]byte, error) {
	f, err := d.Open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadAll(ctx, f, rel, max)
}

// FS returns the folder as an fs.FS whose Open is Dir.Open: it opens regular files only
// (a directory is refused too, so ReadDir and WalkDir do not work through it).
func (d *Dir) FS() fs.FS { return dirFS{d} }

type dirFS struct{ d *Dir }

func (f dirFS) Open(name string) (fs.File, error) { return f.d.Open(name) }

// Open opens the regular file rel inside the folder root (see Dir.Open). The returned
// file stays valid after the root is released.
func Open(root, rel string) (*os.File, error) {
	d, err := OpenDir(root)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Open(rel)
}

// explain turns an error of os.Root into one that says why: outside the folder, missing,
// not permitted.
func (d *Dir) explain(rel string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", rel, fs.ErrNotExist)
	}
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("%s: %w", rel, fs.ErrPermission)
	}
	// os.Root's escape error is not exported: tell it apart by where the path leads.
	if strings.Contains(err.Error(), "escapes") || d.leadsOutside(rel) {
		return fmt.Errorf("%s: %w (symbolic links must be relative and stay inside the folder)", rel, ErrOutside)
	}
	return fmt.Errorf("%s: %w", rel, unwrapPath(err))
}

// leadsOutside reports whether rel, resolved outside os.Root, lands outside the folder
// or goes through an absolute symbolic link; it only improves messages.
func (d *Dir) leadsOutside(rel string) bool {
	p := d.path
	for _, part := range strings.Split(rel, "/") {
		p = filepath.Join(p, part)
		if t, err := os.Readlink(p); err == nil && filepath.IsAbs(t) {
			return true
		}
	}
	real, err := filepath.EvalSymlinks(filepath.Join(d.path, filepath.FromSlash(rel)))
	if err != nil {
		return false
	}
	r, err := filepath.Rel(d.path, real)
	return err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator))
}

// unwrapPath drops the *PathError wrapper, whose path is absolute and repeats what the
// caller's message already names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// kindOf names a file mode in words.
func kindOf(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "not a regular file"
}

// LimitError says that an input went past one of its bounds. Reading stops there.
type LimitError struct {
	File  string
	Line  int    // 1-based line where the bound was passed, 0 if not known
	Field int    // 1-based column (CSV) when a cell passed its bound, else 0
	What  string // "file", "row", "cell", "part", "workbook", "parts"
	Limit int64
	// Part names the member of an archive (a workbook's sheet XML), if any.
	Part string
}

func (e *LimitError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	b.WriteString(e.Message())
	return b.String()
}

// Message is the error without its file and line, for reports that print them apart.
func (e *LimitError) Message() string {
	if e.Part != "" {
		return "part " + e.Part + ": " + e.message()
	}
	return e.message()
}

func (e *LimitError) message() string {
	switch e.What {
	case "cell":
		return fmt.Sprintf("cell in column %d is longer than %d bytes (reading stopped here)", e.Field, e.Limit)
	case "row":
		return fmt.Sprintf("row is longer than %d bytes (reading stopped here)", e.Limit)
	case "file":
		return fmt.Sprintf("file is larger than %d bytes (reading stopped here)", e.Limit)
	case "ratio":
		return fmt.Sprintf("compressed part expands more than %d times: refused as a zip bomb", e.Limit)
	case "entries":
		return fmt.Sprintf("archive has more than %d parts", e.Limit)
	default:
		return fmt.Sprintf("%s is larger than %d bytes", e.What, e.Limit)
	}
}

// Reader bounds the bytes read from an input and checks a context on every read.
type Reader struct {
	ctx  context.Context
	r    io.Reader
	name string
	max  int64
	n    int64
}

// NewReader returns a reader of r that fails with a *LimitError once more than max bytes
// have been read (max < 0: no bound), and with ctx's error once ctx is done.
func NewReader(ctx context.Context, r io.Reader, name string, max int64) *Reader {
	return &Reader{ctx: ctx, r: r, name: name, max: max}
}

// Read implements io.Reader.
func (r *Reader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	if r.max >= 0 {
		if r.n > r.max {
			return 0, &LimitError{File: r.name, What: "file", Limit: r.max}
		}
		// Read at most one byte past the bound, to tell "exactly max" from "more".
		if rem := r.max - r.n + 1; int64(len(p)) > rem {
			p = p[:rem]
		}
	}
	n, err := r.r.Read(p)
	r.n += int64(n)
	if r.max >= 0 && r.n > r.max {
		return n - int(r.n-r.max), &LimitError{File: r.name, What: "file", Limit: r.max}
	}
	return n, err
}

// N returns the bytes read so far.
func (r *Reader) N() int64 { return r.n }

// ReadAll reads r to its end, refusing more than max bytes with a *LimitError before
// buffering them: when r is a file its size is checked first.
func ReadAll(ctx context.Context, r io.Reader, name string, max int64) ([]byte, error) {
	size := int64(512)
	if st, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if fi, err := st.Stat(); err == nil && fi.Mode().IsRegular() {
			if fi.Size() > max {
				return nil, &LimitError{File: name, What: "file", Limit: max}
			}
			size += fi.Size() // one allocation of the right size, not io.ReadAll's doublings
		}
	}
	var buf bytes.Buffer
	buf.Grow(int(min(size, max+1)))
	if _, err := buf.ReadFrom(NewReader(ctx, r, name, max)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DirFS returns the folder dir as an fs.FS that opens each file with Open (inside the
// folder, regular files only, never blocking). dir is resolved once, here, so that a
// folder given as a symbolic link keeps meaning the folder it named; no descriptor is
// held between calls.
func DirFS(dir string) (fs.FS, error) {
	d, err := OpenDir(dir)
	if err != nil {
		return nil, err
	}
	path := d.path
	d.Close()
	return pathFS(path), nil
}

type pathFS string

func (p pathFS) Open(name string) (fs.File, error) { return Open(string(p), name) }
