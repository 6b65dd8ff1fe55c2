package safefile_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/chainmap/chainmap/internal/safefile"
)

// Reading an untrusted CSV from a folder: open it inside the folder, guard the stream,
// then parse. A bound passed is a *LimitError naming the file, line and column.
func Example() {
	dir, _ := os.MkdirTemp("", "safefile-example")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "list.csv"), []byte("name,city\n"+`"a very long name",x`+"\n"), 0o644)

	root, err := safefile.OpenDir(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer root.Close()
	f, err := root.Open("list.csv") // refuses links leaving dir, FIFOs, devices
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	lim := safefile.CSVLimits{File: 1 << 30, Row: 1 << 20, Cell: 10}
	cr := csv.NewReader(safefile.NewCSVGuard(context.Background(), f, "list.csv", lim))
	for {
		rec, err := cr.Read()
		var le *safefile.LimitError
		if errors.As(err, &le) {
			fmt.Println(le)
			return
		}
		if err != nil {
			return
		}
		fmt.Println(rec)
	}
	// Output:
	// [name city]
	// list.csv:2: cell in column 1 is longer than 10 bytes (reading stopped here)
}
