// Command sumdb-reference is a checksum database peer built from golang.org/x/mod/sumdb, the
// code the go command itself runs, for cross-checking the registry's TypeScript port:
//
//	sumdb-reference keygen NAME
//	    prints a new signer key and its verifier key, one a line
//	sumdb-reference serve -skey-file F -records F [-addr 127.0.0.1:0] [-preload N]
//	    serves a checksum database (sumdb.Server over sumdb.TestServer) of the go.sum lines in
//	    the records file, one record per module version in order of first appearance; the first
//	    N (default all) are in the log at start, the others join it when first looked up.
//	    Prints "listening http://ADDR" once it serves; runs until killed or stdin closes.
//	sumdb-reference lookup -url URL -vkey VKEY [-tile-height 8] [-state DIR] PATH@VERSION...
//	    verifies lookups with sumdb.Client (VERSION may end in /go.mod) and prints the go.sum
//	    lines; -state keeps the latest tree and the verified tiles across runs. Errors go to
//	    stderr: exit 2 for a security error (x/mod's report first), 1 for any other.
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/note"
)

func main() {
	if len(os.Args) < 2 {
		fail(1, "usage: sumdb-reference keygen|serve|lookup ...")
	}
	var err error
	switch os.Args[1] {
	case "keygen":
		err = keygen(os.Args[2:])
	case "serve":
		err = serve(os.Args[2:])
	case "lookup":
		os.Exit(lookup(os.Args[2:]))
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fail(1, err.Error())
	}
}

func fail(code int, msg string) {
	fmt.Fprintln(os.Stderr, "sumdb-reference:", msg)
	os.Exit(code)
}

func keygen(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: keygen NAME")
	}
	skey, vkey, err := note.GenerateKey(nil, args[0])
	if err != nil {
		return err
	}
	fmt.Printf("%s\n%s\n", skey, vkey)
	return nil
}

// records reads go.sum lines into one record text per module@version, in order of first appearance.
func records(file string) (keys []string, texts map[string][]byte, err error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	texts = make(map[string][]byte)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 3 {
			return nil, nil, fmt.Errorf("%s: malformed go.sum line %q", file, line)
		}
		key := fields[0] + "@" + strings.TrimSuffix(fields[1], "/go.mod")
		if _, ok := texts[key]; !ok {
			keys = append(keys, key)
		}
		texts[key] = append(texts[key], line+"\n"...)
	}
	return keys, texts, sc.Err()
}

func serve(args []string) error {
	flags := newFlags("serve")
	addr := flags.String("addr", "127.0.0.1:0", "listen address")
	skeyFile := flags.String("skey-file", "", "file holding the signer key")
	recordsFile := flags.String("records", "", "file of go.sum lines")
	preload := flags.Int("preload", -1, "records in the log at start (default all)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	skey, err := os.ReadFile(*skeyFile)
	if err != nil {
		return err
	}
	keys, texts, err := records(*recordsFile)
	if err != nil {
		return err
	}
	ts := sumdb.NewTestServer(strings.TrimSpace(string(skey)), func(path, vers string) ([]byte, error) {
		if text, ok := texts[path+"@"+vers]; ok {
			return text, nil
		}
		return nil, &fs.PathError{Op: "lookup", Path: path + "@" + vers, Err: fs.ErrNotExist}
	})
	if *preload < 0 || *preload > len(keys) {
		*preload = len(keys)
	}
	for _, key := range keys[:*preload] {
		path, vers, _ := strings.Cut(key, "@")
		if _, err := ts.Lookup(context.Background(), module.Version{Path: path, Version: vers}); err != nil {
			return err
		}
	}
	return listenAndServe(*addr, sumdb.NewServer(ts))
}

func listenAndServe(addr string, srv http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	for _, p := range sumdb.ServerPaths {
		mux.Handle(p, srv)
	}
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	fmt.Printf("listening http://%s\n", ln.Addr())
	return http.Serve(ln, mux)
}
