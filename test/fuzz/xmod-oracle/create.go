package main

import (
	"os"
	"path/filepath"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

// createAnswer is what x/mod's zip creation gives for a folder or a git revision: the
// h1: hash of the zip and the files CheckDir keeps (relative, slash-separated), or the error.
type createAnswer struct {
	Hash  string   `json:"hash,omitempty"`
	Valid []string `json:"valid,omitempty"`
	Error string   `json:"error,omitempty"`
}

// create runs zip.CreateFromDir (r.Rev empty) or zip.CreateFromVCS (r.Rev, r.Subdir) on
// r.S for module r.Path at version r.V, writing the zip to r.File.
func create(r request) createAnswer {
	f, err := os.Create(r.File)
	if err != nil {
		return createAnswer{Error: err.Error()}
	}
	m := module.Version{Path: r.Path, Version: r.V}
	if r.Rev != "" {
		err = modzip.CreateFromVCS(f, m, r.S, r.Rev, r.Subdir)
	} else {
		err = modzip.CreateFromDir(f, m, r.S)
	}
	f.Close()
	if err != nil {
		return createAnswer{Error: err.Error()}
	}
	var a createAnswer
	if a.Hash, err = dirhash.HashZip(r.File, dirhash.Hash1); err != nil {
		return createAnswer{Error: err.Error()}
	}
	if r.Rev == "" {
		checked, _ := modzip.CheckDir(r.S)
		for _, p := range checked.Valid {
			rel, _ := filepath.Rel(r.S, p)
			a.Valid = append(a.Valid, filepath.ToSlash(rel))
		}
	}
	return a
}
