//go:build unix

package store

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestReadBound: a file that grew since fstat is read on up to the bound
// and refused past it, however far past fstat's size it grew.
func TestReadBound(t *testing.T) {
	const max = 65536
	for _, tt := range []struct {
		name       string
		size, stat int64 // the file's real size, and what fstat said
		refused    bool
	}{
		{"as announced", 1000, 1000, false},
		{"empty", 0, 0, false},
		{"exactly the bound", max, max, false},
		{"grew, within the bound", 50000, 40000, false},
		{"grew to the bound", max, 1, false},
		{"grew one byte past the bound", max + 1, max, true},
		{"grew far past the bound", 70000, 40000, true},
		{"grew from nothing past the bound", 3 * max, 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(private(t), "f")
			if err := os.WriteFile(p, make([]byte, tt.size), 0o600); err != nil {
				t.Fatal(err)
			}
			fd, err := syscall.Open(p, syscall.O_RDONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer syscall.Close(fd)
			b, err := readAll(fdReader(fd), tt.stat, max)
			if tt.refused {
				if !errors.Is(err, ErrUnsafe) || b != nil {
					t.Fatalf("read %d bytes of %d past the bound of %d: %v", len(b), tt.size, max, err)
				}
				return
			}
			if err != nil || int64(len(b)) != tt.size {
				t.Fatalf("read %d of %d bytes: %v", len(b), tt.size, err)
			}
		})
	}
}
