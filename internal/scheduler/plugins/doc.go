// Package plugins lists berth's in-tree scheduler plugins (Registry) and
// the default profile that enables them (DefaultPlugins).
package plugins
