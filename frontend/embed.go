// Package frontend embeds the built web front end (frontend/dist, produced by
// `npm run build` in this folder) so that one chainmap binary serves the whole product.
package frontend

import (
	"embed"
	"io/fs"
)

// The all: prefix keeps dist/.gitkeep, so the package builds before the front end is.
//
//go:embed all:dist
var dist embed.FS

// Dist returns the built front end, rooted at its index.html (which may be missing
// when the front end has not been built yet).
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a constant, valid path
	}
	return sub
}
