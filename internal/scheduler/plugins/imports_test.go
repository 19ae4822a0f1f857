package plugins

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/berth-dev/berth/internal/scheduler/"

// TestImportBoundaries keeps the layering: the framework knows no plugin,
// and a plugin knows no other plugin (shared code belongs in framework).
func TestImportBoundaries(t *testing.T) {
	check := func(dir, self string, forbidden func(path string) bool) {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range files {
			f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if path != self && forbidden(path) {
					t.Errorf("%s imports %s", file, path)
				}
			}
		}
	}
	check("../framework", module+"framework", func(p string) bool {
		return strings.HasPrefix(p, module+"plugins")
	})
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		self := module + "plugins/" + e.Name()
		check(e.Name(), self, func(p string) bool {
			return strings.HasPrefix(p, module+"plugins")
		})
	}
}
