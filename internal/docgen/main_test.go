package main

import (
	"bytes"
	"os"
	"testing"
)

// TestGeneratedPartsAreFresh fails when the README's table or the
// collector's allowed keys no longer match the field registry.
func TestGeneratedPartsAreFresh(t *testing.T) {
	files, _, err := generate("../..")
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range files {
		got, err := os.ReadFile("../../" + path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run `make generate`", path)
		}
	}
}

func TestReplaceBlock(t *testing.T) {
	doc := []byte("a\n  # B x\n  old\n  # E\nz\n")
	got, err := replaceBlock(doc, "# B", "# E", "new\n")
	if err != nil || string(got) != "a\n  # B x\n  new\n  # E\nz\n" {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := replaceBlock(doc, "# missing", "# E", ""); err == nil {
		t.Fatal("missing block accepted")
	}
}
