// Package controller holds berth's controllers, one package each
// (controller.go: informers, queue, workers; reconcile.go: the
// level-based logic), and Run, which starts the enabled ones.
package controller
