// Command xmod-oracle answers questions about module paths, versions, go.mod files and
// module zips with golang.org/x/mod, the code the go command itself runs, so the
// registry's TypeScript ports can be checked against it case by case. It reads one JSON
// request per line on stdin and writes one JSON answer per line on stdout, in order.
package main

import (
	"archive/zip"
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

type request struct {
	Op   string `json:"op"`
	S    string `json:"s"`
	V    string `json:"v"`
	W    string `json:"w"`
	Path string `json:"path"`
	File string `json:"file"`
	// For "create": a git revision and the module's subdirectory (create.go).
	Rev    string `json:"rev"`
	Subdir string `json:"subdir"`
}

// result is a function's value and its error text ("" when it succeeded).
type result struct {
	Value string `json:"value"`
	Err   string `json:"err"`
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func of(v string, err error) result { return result{v, errText(err)} }

func pathAnswer(s string) map[string]any {
	prefix, major, ok := module.SplitPathVersion(s)
	return map[string]any{
		"checkPath":       errText(module.CheckPath(s)),
		"checkImportPath": errText(module.CheckImportPath(s)),
		"checkFilePath":   errText(module.CheckFilePath(s)),
		"escapePath":      of(module.EscapePath(s)),
		"unescapePath":    of(module.UnescapePath(s)),
		"split":           map[string]any{"prefix": prefix, "pathMajor": major, "ok": ok},
	}
}

func versionAnswer(r request) map[string]any {
	return map[string]any{
		"isValid":          semver.IsValid(r.V),
		"canonical":        semver.Canonical(r.V),
		"canonicalVersion": module.CanonicalVersion(r.V),
		"major":            semver.Major(r.V),
		"prerelease":       semver.Prerelease(r.V),
		"build":            semver.Build(r.V),
		"compare":          semver.Compare(r.V, r.W),
		"isPseudo":         module.IsPseudoVersion(r.V),
		"escapeVersion":    of(module.EscapeVersion(r.V)),
		"unescapeVersion":  of(module.UnescapeVersion(r.V)),
		"check":            errText(checkModule(r.Path, r.V)),
	}
}

// checkModule is what the go command accepts as a module version served by a proxy:
// module.Check and a canonical version (zip.checkZip's opening), plus cmd/go's
// +incompatible rules (modfetch's coderepo), which x/mod does not have.
func checkModule(path, v string) error {
	if cv := module.CanonicalVersion(v); cv != v {
		return fmt.Errorf("version %q is not canonical (should be %q)", v, cv)
	}
	if err := module.Check(path, v); err != nil {
		return err
	}
	if semver.Build(v) != "+incompatible" {
		return nil
	}
	if _, pathMajor, _ := module.SplitPathVersion(path); pathMajor != "" {
		return errors.New("+incompatible suffix not allowed: module path includes a major version suffix")
	}
	if m := semver.Major(v); m == "v0" || m == "v1" {
		return fmt.Errorf("+incompatible suffix not allowed: major version %s is compatible", m)
	}
	return nil
}

var prefixPattern = regexp.MustCompile(`^([^@]+)@([^/]+)/`)

// moduleOf finds the module version a zip is for the way the registry does: the
// {module}@{version}/ prefix of its first entry that has one. The go command is told it
// by the request instead; everything after this is what go checks.
func moduleOf(z *zip.Reader) (module.Version, error) {
	for _, f := range z.File {
		if m := prefixPattern.FindStringSubmatch(f.Name); m != nil {
			return module.Version{Path: m[1], Version: m[2]}, nil
		}
	}
	return module.Version{}, errors.New("no entry has a {module}@{version}/ prefix")
}

type zipAnswer struct {
	OK      bool   `json:"ok"`
	Err     string `json:"err"`
	Module  string `json:"module"`
	Version string `json:"version"`
	Hash    string `json:"hash"`
}

// checkZipFile runs what go does with a downloaded module zip: zip.CheckZip, the reads
// of zip.Unzip (declared sizes enforced, CRC-32 checked by archive/zip), the go.mod
// checks of cmd/go and dirhash.HashZip for go.sum.
func checkZipFile(file string) zipAnswer {
	z, err := zip.OpenReader(file)
	if err != nil {
		return zipAnswer{Err: err.Error()}
	}
	defer z.Close()
	m, err := moduleOf(&z.Reader)
	if err != nil {
		return zipAnswer{Err: err.Error()}
	}
	if err := checkModule(m.Path, m.Version); err != nil {
		return zipAnswer{Err: err.Error(), Module: m.Path, Version: m.Version}
	}
	if _, err := modzip.CheckZip(m, file); err != nil {
		return zipAnswer{Err: err.Error(), Module: m.Path, Version: m.Version}
	}
	if err := readLikeUnzip(&z.Reader, m); err != nil {
		return zipAnswer{Err: err.Error(), Module: m.Path, Version: m.Version}
	}
	h, err := dirhash.HashZip(file, dirhash.Hash1)
	if err != nil {
		return zipAnswer{Err: err.Error(), Module: m.Path, Version: m.Version}
	}
	return zipAnswer{OK: true, Module: m.Path, Version: m.Version, Hash: h}
}

// readLikeUnzip reads every file as zip.Unzip extracts it, and checks the root go.mod.
func readLikeUnzip(z *zip.Reader, m module.Version) error {
	prefix := m.Path + "@" + m.Version + "/"
	for _, zf := range z.File {
		name := zf.Name[len(prefix):]
		if name == "" || strings.HasSuffix(name, "/") {
			continue
		}
		r, err := zf.Open()
		if err != nil {
			return err
		}
		var kept strings.Builder
		var w io.Writer = io.Discard
		if name == "go.mod" {
			w = &kept
		}
		lr := &io.LimitedReader{R: r, N: int64(zf.UncompressedSize64) + 1}
		_, err = io.Copy(w, lr)
		r.Close()
		if err != nil {
			return err
		}
		if lr.N <= 0 {
			return fmt.Errorf("uncompressed size of file %s is larger than declared size (%d bytes)", zf.Name, zf.UncompressedSize64)
		}
		if name == "go.mod" {
			if err := checkGoMod(m, []byte(kept.String())); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkGoMod: cmd/go refuses a go.mod whose module directive names another path, and a
// go.mod in a +incompatible version.
func checkGoMod(m module.Version, data []byte) error {
	if semver.Build(m.Version) == "+incompatible" {
		return errors.New("go.mod in a +incompatible version")
	}
	if got := modfile.ModulePath(data); got != m.Path {
		return fmt.Errorf("go.mod says module %q, want %q", got, m.Path)
	}
	return nil
}

func answer(r request) any {
	switch r.Op {
	case "path":
		return pathAnswer(r.S)
	case "version":
		return versionAnswer(r)
	case "gomod":
		return map[string]any{"modulePath": modfile.ModulePath([]byte(r.S))}
	case "zip":
		return checkZipFile(r.File)
	case "create":
		return create(r)
	case "ping":
		return map[string]any{"pong": true}
	}
	return map[string]any{"error": "unknown op " + r.Op}
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriterSize(os.Stdout, 1<<16)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for in.Scan() {
		var r request
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			enc.Encode(map[string]any{"error": err.Error()})
		} else {
			enc.Encode(answer(r))
		}
		out.Flush()
	}
	out.Flush()
}
