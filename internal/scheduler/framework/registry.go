package framework

import (
	"context"
	"fmt"
)

// PluginFactory builds a plugin. args is the plugin's own arguments type
// (a pointer to a struct its package declares), or nil for the defaults.
type PluginFactory func(ctx context.Context, args any, h Handle) (Plugin, error)

// Registry maps plugin names to factories. It is a plain map built by one
// function, so duplicate names are compile errors in the literal.
type Registry map[string]PluginFactory

// Merge adds the entries of other to r; a name already in r is an error.
func (r Registry) Merge(other Registry) error {
	for name, f := range other {
		if _, ok := r[name]; ok {
			return fmt.Errorf("merge registry: plugin %q already registered", name)
		}
		r[name] = f
	}
	return nil
}
