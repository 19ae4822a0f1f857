// Package storage is the narrow key-value contract the API server needs from
// etcd: get, list by prefix (with limit and revision), count, optimistic
// create/put/delete, and watch. Keys are opaque strings; values are encoded
// objects. Revisions are etcd revisions and become resourceVersions.
package storage
