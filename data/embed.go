// Package data embeds the bundled datasets, so that `chainmap serve` runs with no
// files beside the binary.
package data

import (
	"embed"
	"io/fs"
)

//go:embed all:zhengzhou-aluminium
var bundled embed.FS

// BundledName names the dataset served by default.
const BundledName = "zhengzhou-aluminium"

// Bundled returns the Zhengzhou aluminium dataset as a file system rooted at its folder.
func Bundled() fs.FS {
	sub, err := fs.Sub(bundled, BundledName)
	if err != nil {
		panic(err) // constant, valid path
	}
	return sub
}
