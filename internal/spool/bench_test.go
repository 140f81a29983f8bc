package spool

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkWriteFullSpool is a command's spool write while the backend is
// away for long: the spool is at its cap (about 950 invocations of 1.1 KB),
// and every write pushes it over (amortized: a size trim goes down to 90%).
func BenchmarkWriteFullSpool(b *testing.B) {
	d := b.TempDir()
	os.Chmod(d, 0o700)
	sp := New(d)
	data := make([]byte, 1100)
	for i := range 1000 {
		sp.Write(data, fmt.Sprint("fill", i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sp.Write(data, "bench")
	}
}

// BenchmarkWriteEmptySpool is the usual case: the uploader keeps the spool
// empty.
func BenchmarkWriteEmptySpool(b *testing.B) {
	d := b.TempDir()
	os.Chmod(d, 0o700)
	sp := New(d)
	data := make([]byte, 1100)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p, _ := sp.Write(data, "bench")
		sp.Remove([]Entry{{Name: filepath.Base(p)}})
	}
}
