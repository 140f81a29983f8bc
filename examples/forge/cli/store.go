package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// forge talks to no server in this example: the host's repositories are a
// file in the configuration directory, repos.json, keyed "owner/repo".

// Issue is an issue of a repository.
type Issue struct {
	Number int      `json:"number"`
	Title  string   `json:"title"`
	State  string   `json:"state"` // open or closed
	Labels []string `json:"labels,omitempty"`
	Body   string   `json:"body,omitempty"`
}

// Pull is a pull request.
type Pull struct {
	Number int    `json:"number"`
	Title  string `json:"title"`
	Checks string `json:"checks"` // pass, fail or pending
}

// Repo is one repository on the host.
type Repo struct {
	Issues []Issue `json:"issues"`
	Pulls  []Pull  `json:"pulls"`
}

type store struct {
	path  string
	repos map[string]*Repo
}

func openStore(dir string) (*store, error) {
	s := &store{path: filepath.Join(dir, "repos.json"), repos: map[string]*Repo{}}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &s.repos); err != nil {
		return nil, fmt.Errorf("%s: %w", s.path, err)
	}
	return s, nil
}

func (s *store) repo(name string) (*Repo, error) {
	r, ok := s.repos[name]
	if !ok {
		return nil, &NotFoundError{What: "repository " + name}
	}
	return r, nil
}

func (s *store) save() error {
	b, err := json.MarshalIndent(s.repos, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(s.path, append(b, '\n'))
}

// hosts.json holds the login.
type login struct {
	User     string `json:"user"`
	Hostname string `json:"hostname"`
}

func loadLogin(dir string) (login, bool) {
	var l login
	b, err := os.ReadFile(filepath.Join(dir, "hosts.json"))
	if err != nil || json.Unmarshal(b, &l) != nil || l.User == "" {
		return login{}, false
	}
	return l, true
}

func saveLogin(dir string, l login) error {
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, "hosts.json"), append(b, '\n'))
}

func removeFile(dir, name string) error {
	err := os.Remove(filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
