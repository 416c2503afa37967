package main

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestLayout holds the packages to the layout of DESIGN.md §1 (version
// 2), reading their imports from `go list`: the domain imports no
// adapter, only the wiring and the service reach storage, only exports
// writes Excel. Test files are left out: tests may open a real database
// wherever they run.
func TestLayout(t *testing.T) {
	imports := packageImports(t)
	if len(imports) < 10 {
		t.Fatalf("go list found %d packages", len(imports))
	}
	adapters := []string{"frontline/store", "frontline/api", "frontline/exports", "frontline/formats", "frontline/service",
		"github.com/uptrace/bun", "github.com/danielgtaylor/huma/v2", "github.com/xuri/excelize/v2", "net/http",
		"database/sql", "github.com/jackc/pgx/v5", "modernc.org/sqlite"}
	for _, domain := range []string{"frontline/evaluation", "frontline/scoring", "frontline/audit", "frontline/rbac", "frontline/fault"} {
		deps, ok := imports[domain]
		if !ok {
			t.Errorf("%s: not found", domain)
		}
		for _, dep := range deps {
			for _, a := range adapters {
				if dep == a || strings.HasPrefix(dep, a+"/") {
					t.Errorf("%s imports %s: the domain imports no adapter", domain, dep)
				}
			}
		}
	}
	// Who may import what (a module's packages under a path count as it).
	only := map[string][]string{
		"frontline/store":                  {"frontline/service", "frontline/cmd/frontline"},
		"github.com/xuri/excelize/v2":      {"frontline/exports"},
		"github.com/uptrace/bun":           {"frontline/store"},
		"github.com/danielgtaylor/huma/v2": {"frontline/api"},
		"frontline/api":                    {"frontline/cmd/frontline"},
		// The JSON API and the pages each call the service; neither calls the other.
		"frontline/api/dashboard": {"frontline/api"},
		"frontline/api/auth":      {"frontline/api", "frontline/api/dashboard", "frontline/api/present"},
	}
	for pkg, deps := range imports {
		for _, dep := range deps {
			for ruled, allowed := range only {
				if (dep == ruled || strings.HasPrefix(dep, ruled+"/") && !strings.HasPrefix(ruled, "frontline/")) && !slices.Contains(allowed, pkg) {
					t.Errorf("%s imports %s: only %v may", pkg, dep, allowed)
				}
			}
		}
	}
}

// packageImports lists each of the module's packages with what its
// non-test files import.
func packageImports(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports", "frontline/...")
	out, err := cmd.Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("go list: %v\n%s", err, exit.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	imports := map[string][]string{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return imports
		} else if err != nil {
			t.Fatal(err)
		}
		imports[p.ImportPath] = p.Imports
	}
}
