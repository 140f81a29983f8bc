package otelcli

import (
	"reflect"
	"sync"
	"unsafe"

	"github.com/spf13/cobra"
)

// subcommands returns c's subcommands in the order the CLI added them.
//
// cobra's Commands sorts the command's own slice in place (when
// cobra.EnableCommandSorting is on, its default), and cobra finds commands
// and makes its "Did you mean this?" suggestions from that slice: walking
// the tree with it would change the order of the CLI's suggestions and,
// between two commands of one name (a user's alias named like a command),
// which one runs. Nor may a library flip cobra's global switch around the
// walk: other goroutines read it. So the slice is read where cobra keeps
// it, found by name and type once; a cobra without that field is walked
// with Commands.
func subcommands(c *cobra.Command) []*cobra.Command {
	commandsField.once.Do(findCommandsField)
	if !commandsField.found {
		return c.Commands()
	}
	return *(*[]*cobra.Command)(unsafe.Add(unsafe.Pointer(c), commandsField.offset))
}

// commandsField is where cobra.Command keeps its subcommands, looked up at
// the first walk (not at init: an opted-out run walks nothing).
var commandsField struct {
	once   sync.Once
	offset uintptr
	found  bool
}

func findCommandsField() {
	f, ok := reflect.TypeOf(cobra.Command{}).FieldByName("commands")
	if ok && len(f.Index) == 1 && f.Type == reflect.TypeOf([]*cobra.Command(nil)) {
		commandsField.offset, commandsField.found = f.Offset, true
	}
}
