//go:build go1.25

package store

import "os"

// root is the handle a Dir works through: with Go 1.25 and later, an
// os.Root, whose operations cannot leave the directory, not even through a
// directory swapped for a link after it was checked.
type root = os.Root

func openRoot(path string) (*root, error) { return os.OpenRoot(path) }
