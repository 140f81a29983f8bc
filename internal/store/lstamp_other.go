//go:build !linux

package store

import "os"

// lstamp describes the file at path without following a link: its stamp,
// and whether it is a regular file.
func lstamp(path string) (Stamp, bool) {
	fi, err := os.Lstat(path)
	if err != nil {
		return Stamp{}, false
	}
	return Stamp{id: fileID(fi), size: fi.Size(), mtime: fi.ModTime().UnixNano(), exists: true}, fi.Mode().IsRegular()
}
