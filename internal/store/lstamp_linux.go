package store

import "syscall"

// lstamp describes the file at path without following a link: its stamp,
// and whether it is a regular file. It is one lstat and no allocation but
// the path's: it runs at the start and the end of every command.
func lstamp(path string) (Stamp, bool) {
	var st syscall.Stat_t
	if lstat(path, &st) != nil {
		return Stamp{}, false
	}
	return Stamp{
		id: st.Ino, size: st.Size, mtime: st.Mtim.Nano(), exists: true,
	}, st.Mode&syscall.S_IFMT == syscall.S_IFREG
}

// fstamp is the stamp of the file fstat described: of the bytes just read,
// not of whatever is at the path a moment later.
func fstamp(st *syscall.Stat_t, _ string) Stamp {
	return Stamp{id: st.Ino, size: st.Size, mtime: st.Mtim.Nano(), exists: true}
}
