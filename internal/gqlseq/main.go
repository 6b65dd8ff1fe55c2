// Command gqlseq rewrites gqlgen's generated executor so that lists whose elements
// cannot block are marshalled on the calling goroutine (graph/listmarshal) instead of a
// goroutine per element. go generate runs it right after gqlgen (graph/resolver.go), so
// the generated file is still only ever regenerated, never edited by hand.
//
// An element can block when marshalling it may reach a resolver: the generated code of
// an object type dispatches its resolver fields with ResolveConcurrently (or calls
// ec.resolvers / ec.directives), and those may wait on a dataloader's batch, which the
// element goroutines exist to fill together. gqlseq follows every call from a list's
// element marshaller through the generated methods; only a list none of whose reachable
// methods does any of that is rewritten.
//
// Usage: gqlseq [-check] FILE
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"slices"
	"strconv"
)

// helperPath and helperName are the package and function the rewritten calls use.
const (
	helperPath = "github.com/chainmap/chainmap/graph/listmarshal"
	helperPkg  = "listmarshal"
	helperName = "Sequential"
)

func main() {
	check := flag.Bool("check", false, "change nothing; fail when FILE is not what gqlseq would write")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gqlseq [-check] FILE")
		os.Exit(2)
	}
	path := flag.Arg(0)
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gqlseq:", err)
		os.Exit(1)
	}
	out, st, err := Rewrite(path, src)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gqlseq:", err)
		os.Exit(1)
	}
	if *check {
		if !bytes.Equal(out, src) {
			fmt.Fprintf(os.Stderr, "gqlseq: %s is not up to date: %d list marshallers would change (run go generate ./graph)\n", path, st.Rewritten)
			os.Exit(1)
		}
		return
	}
	if !bytes.Equal(out, src) {
		if err := os.WriteFile(path, out, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gqlseq:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("gqlseq: %s: %d of %d list marshallers sequential (%d rewritten now)\n", path, st.Sequential, st.Lists, st.Rewritten)
}

// Stats says what Rewrite found: lists of objects, those marshalled sequentially after
// the rewrite, and those it changed.
type Stats struct {
	Lists, Sequential, Rewritten int
}

// Rewrite returns src with every list marshaller whose elements cannot block calling
// listmarshal.Sequential. It is idempotent: a rewritten file comes back unchanged.
func Rewrite(filename string, src []byte) ([]byte, Stats, error) {
	var st Stats
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.ParseComments)
	if err != nil {
		return nil, st, fmt.Errorf("parse: %w", err)
	}
	g := callGraph(f)
	if u := g.unknown(); len(u) > 0 {
		return nil, st, fmt.Errorf("the generated code calls methods gqlseq does not know: %v (add them to embedded after reading what they do)", u)
	}
	blocking := g.blocking()
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			pkg, name, ok := pkgCall(call)
			if !ok {
				return true
			}
			switch {
			case pkg == "graphql" && name == "MarshalSliceConcurrently":
				st.Lists++
				if len(call.Args) == 0 {
					return true
				}
				lit, ok := call.Args[len(call.Args)-1].(*ast.FuncLit)
				if !ok {
					return true
				}
				recv := receiverName(fn)
				for _, c := range methodCalls(lit.Body, recv) {
					if blocking[c] {
						return true
					}
				}
				if marker(lit.Body, recv) {
					return true
				}
				call.Fun = &ast.SelectorExpr{X: ast.NewIdent(helperPkg), Sel: ast.NewIdent(helperName)}
				st.Rewritten++
				st.Sequential++
			case pkg == helperPkg && name == helperName:
				st.Lists++
				st.Sequential++
			}
			return true
		})
	}
	var buf bytes.Buffer
	if err := format.Node(&buf, fset, f); err != nil {
		return nil, st, fmt.Errorf("format: %w", err)
	}
	if st.Sequential == 0 || hasImport(f, helperPath) {
		return buf.Bytes(), st, nil
	}
	out, err := addImport(buf.Bytes(), helperPath)
	return out, st, err
}

// graph is the generated methods' call graph: for each method of the execution context,
// the methods it calls on it and whether it may block by itself.
type graph struct {
	calls  map[string][]string
	blocks map[string]bool
}

// embedded are the methods the generated code calls on its execution context that the
// file does not define (they come from gqlgen's embedded types), with why none can wait
// on a resolver. A method outside this list stops the rewrite: a new gqlgen version must
// be looked at, not guessed about.
var embedded = map[string]string{
	"Error":                "records a field error",
	"Recover":              "turns a panic into an error",
	"IntrospectSchema":     "reads the parsed schema",
	"IntrospectType":       "reads the parsed schema",
	"ProcessDeferredGroup": "starts a @defer group on a goroutine of its own and returns",
}

// unknown lists the methods called but neither defined in the file nor in embedded.
func (g graph) unknown() []string {
	var out []string
	for _, callees := range g.calls {
		for _, c := range callees {
			if _, def := g.calls[c]; !def && embedded[c] == "" {
				out = append(out, c)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func callGraph(f *ast.File) graph {
	g := graph{calls: map[string][]string{}, blocks: map[string]bool{}}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv == nil || fn.Body == nil {
			continue
		}
		recv := receiverName(fn)
		if recv == "" {
			continue
		}
		name := fn.Name.Name
		g.calls[name] = methodCalls(fn.Body, recv)
		g.blocks[name] = marker(fn.Body, recv)
	}
	return g
}

// blocking closes "may block" over the call graph: a method blocks when it blocks by
// itself or calls one that does (recursion through self-referencing types included).
func (g graph) blocking() map[string]bool {
	b := map[string]bool{}
	for name, v := range g.blocks {
		b[name] = v
	}
	for changed := true; changed; {
		changed = false
		for name, callees := range g.calls {
			if b[name] {
				continue
			}
			for _, c := range callees {
				if b[c] {
					b[name], changed = true, true
					break
				}
			}
		}
	}
	return b
}

// marker reports whether body dispatches a field concurrently (ResolveConcurrently and
// its kin) or calls a resolver or directive: what may wait on a loader.
func marker(body ast.Node, recv string) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if found {
			return false
		}
		switch x := n.(type) {
		case *ast.CallExpr:
			if sel, ok := x.Fun.(*ast.SelectorExpr); ok {
				name := sel.Sel.Name
				if name != "MarshalSliceConcurrently" && (bytes.Contains([]byte(name), []byte("Concurrently")) || name == "ResolveFieldStream") {
					found = true
				}
			}
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok && id.Name == recv && (x.Sel.Name == "resolvers" || x.Sel.Name == "directives") {
				found = true
			}
		}
		return true
	})
	return found
}

// methodCalls lists, sorted and without repeats, the methods body calls on recv.
func methodCalls(body ast.Node, recv string) []string {
	var out []string
	ast.Inspect(body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == recv && recv != "" {
				out = append(out, sel.Sel.Name)
			}
		}
		return true
	})
	slices.Sort(out)
	return slices.Compact(out)
}

func receiverName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 || len(fn.Recv.List[0].Names) == 0 {
		return ""
	}
	return fn.Recv.List[0].Names[0].Name
}

// pkgCall returns pkg and name of a call pkg.name(…).
func pkgCall(call *ast.CallExpr) (pkg, name string, ok bool) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return "", "", false
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return "", "", false
	}
	return id.Name, sel.Sel.Name, true
}

func hasImport(f *ast.File, path string) bool {
	return slices.ContainsFunc(f.Imports, func(imp *ast.ImportSpec) bool { return imp.Path.Value == strconv.Quote(path) })
}

// addImport adds path as the last line of the file's import block (gqlgen's generated
// file has one, its last group the non-standard packages) and formats the file, which
// sorts it into that group.
func addImport(src []byte, path string) ([]byte, error) {
	start := bytes.Index(src, []byte("\nimport (\n"))
	if start < 0 {
		return nil, fmt.Errorf("no import block to add %s to", path)
	}
	end := bytes.Index(src[start:], []byte("\n)\n"))
	if end < 0 {
		return nil, fmt.Errorf("import block not closed")
	}
	at := start + end + 1
	out := slices.Concat(src[:at], []byte("\t"+strconv.Quote(path)+"\n"), src[at:])
	formatted, err := format.Source(out)
	if err != nil {
		return nil, fmt.Errorf("format after adding the import: %w", err)
	}
	return formatted, nil
}
