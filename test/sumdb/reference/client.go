package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb"
)

func newFlags(name string) *flag.FlagSet {
	return flag.NewFlagSet(name, flag.ContinueOnError)
}

// ops is sumdb.ClientOps over HTTP, with config and cache in memory or under a state folder.
type ops struct {
	url, vkey, state string
	mu               sync.Mutex
	mem              map[string][]byte
	security         strings.Builder
}

func (o *ops) ReadRemote(path string) ([]byte, error) {
	resp, err := http.Get(o.url + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", o.url+path, resp.Status, bytes.TrimSpace(data))
	}
	return data, nil
}

func (o *ops) read(kind, file string) ([]byte, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.state != "" {
		return os.ReadFile(filepath.Join(o.state, kind, filepath.FromSlash(file)))
	}
	data, ok := o.mem[kind+"/"+file]
	if !ok {
		return nil, os.ErrNotExist
	}
	return data, nil
}

func (o *ops) write(kind, file string, data []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.state == "" {
		o.mem[kind+"/"+file] = data
		return nil
	}
	name := filepath.Join(o.state, kind, filepath.FromSlash(file))
	if err := os.MkdirAll(filepath.Dir(name), 0o777); err != nil {
		return err
	}
	return os.WriteFile(name, data, 0o666)
}

func (o *ops) ReadConfig(file string) ([]byte, error) {
	if file == "key" {
		return []byte(o.vkey), nil
	}
	data, err := o.read("config", file)
	if errors.Is(err, os.ErrNotExist) {
		return []byte{}, nil // start from the empty tree
	}
	return data, err
}

func (o *ops) WriteConfig(file string, old, new []byte) error {
	if cur, err := o.ReadConfig(file); err != nil || !bytes.Equal(cur, old) {
		return sumdb.ErrWriteConflict
	}
	return o.write("config", file, new)
}

func (o *ops) ReadCache(file string) ([]byte, error) { return o.read("cache", file) }
func (o *ops) WriteCache(file string, data []byte)   { o.write("cache", file, data) }
func (o *ops) Log(msg string)                        { fmt.Fprintln(os.Stderr, msg) }
func (o *ops) SecurityError(msg string)              { o.security.WriteString(msg) }

func lookup(args []string) int {
	flags := newFlags("lookup")
	o := &ops{mem: make(map[string][]byte)}
	flags.StringVar(&o.url, "url", "", "checksum database URL")
	flags.StringVar(&o.vkey, "vkey", "", "verifier key")
	flags.StringVar(&o.state, "state", "", "folder keeping the latest tree and verified tiles")
	height := flags.Int("tile-height", 8, "tile height")
	if err := flags.Parse(args); err != nil {
		return 1
	}
	o.url = strings.TrimSuffix(o.url, "/")
	client := sumdb.NewClient(o)
	client.SetTileHeight(*height)
	for _, arg := range flags.Args() {
		path, vers, ok := strings.Cut(arg, "@")
		if !ok {
			fmt.Fprintf(os.Stderr, "sumdb-reference: %q is not PATH@VERSION\n", arg)
			return 1
		}
		lines, err := client.Lookup(path, vers)
		if err != nil {
			fmt.Fprint(os.Stderr, o.security.String())
			fmt.Fprintln(os.Stderr, "sumdb-reference:", err)
			if errors.Is(err, sumdb.ErrSecurity) || o.security.Len() > 0 {
				return 2
			}
			return 1
		}
		for _, line := range lines {
			fmt.Println(line)
		}
	}
	return 0
}
