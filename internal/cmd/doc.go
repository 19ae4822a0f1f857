// Package cmd holds berth's cobra commands. Each command parses flags into
// a component's Config and hands over to internal/app.
package cmd
