package registry

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/berth-dev/berth/internal/storage"
	"github.com/berth-dev/berth/internal/storage/cacher"
)

// Get returns one object. resourceVersion "" reads etcd (consistent); any
// other value may be served by the watch cache.
func (s *Store) Get(ctx context.Context, namespace, name string, opts *metav1.GetOptions) (runtime.Object, error) {
	key := s.res.Key(namespace, name)
	if opts != nil && opts.ResourceVersion != "" {
		obj, err := s.cache.Get(ctx, key, opts.ResourceVersion)
		if err != nil {
			return nil, s.storageError(err, name)
		}
		return obj, nil
	}
	kv, err := s.storage.Get(ctx, key)
	if err != nil {
		return nil, s.storageError(err, name)
	}
	return s.decode(kv)
}

// Predicate builds the filter for label and field selectors, rejecting
// selectors the resource cannot serve with 400 BadRequest.
func (s *Store) Predicate(opts *metav1.ListOptions) (cacher.Predicate, error) {
	lsel, fsel := labels.Everything(), fields.Everything()
	var err error
	if opts.LabelSelector != "" {
		if lsel, err = labels.Parse(opts.LabelSelector); err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("unable to parse requirement: %v", err))
		}
	}
	if opts.FieldSelector != "" {
		if fsel, err = fields.ParseSelector(opts.FieldSelector); err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		for _, req := range fsel.Requirements() {
			if !s.res.SupportsField(req.Field) {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("field label not supported: %s", req.Field))
			}
		}
	}
	if lsel.Empty() && fsel.Empty() {
		return nil, nil
	}
	return func(obj runtime.Object) bool {
		m, err := meta.Accessor(obj)
		if err != nil {
			return false
		}
		if !lsel.Matches(labels.Set(m.GetLabels())) {
			return false
		}
		return fsel.Empty() || fsel.Matches(s.res.ObjectFields(obj))
	}, nil
}

// List returns a list object (e.g. *corev1.PodList) as upstream would:
// from the watch cache when possible, from etcd for paginated consistent
// reads, continuations and exact-revision reads.
func (s *Store) List(ctx context.Context, namespace string, opts *metav1.ListOptions) (runtime.Object, error) {
	pred, err := s.Predicate(opts)
	if err != nil {
		return nil, err
	}
	if err := validateListRV(opts); err != nil {
		return nil, err
	}
	prefix := s.res.NamespacePrefix(namespace)
	fromEtcd := opts.Continue != "" ||
		(opts.Limit > 0 && opts.ResourceVersion == "") ||
		opts.ResourceVersionMatch == metav1.ResourceVersionMatchExact
	if !fromEtcd {
		res, err := s.cache.List(ctx, cacher.ListOptions{KeyPrefix: prefix, ResourceVersion: opts.ResourceVersion,
			ResourceVersionMatch: opts.ResourceVersionMatch, Predicate: pred})
		if err == nil {
			return s.newList(res.Objects, res.Revision, "", nil)
		}
		if !isErr(err, cacher.ErrNotServable) {
			return nil, s.storageError(err, "")
		}
	}
	return s.listEtcd(ctx, prefix, opts, pred)
}

func validateListRV(opts *metav1.ListOptions) error {
	if opts.ResourceVersion != "" {
		if _, err := strconv.ParseUint(opts.ResourceVersion, 10, 64); err != nil {
			return apierrors.NewBadRequest(fmt.Sprintf("invalid resource version: %s", opts.ResourceVersion))
		}
	}
	if match := opts.ResourceVersionMatch; match != "" {
		// Upstream's ValidateListOptions: 422 with causes on resourceVersionMatch.
		p := field.NewPath("resourceVersionMatch")
		var errs field.ErrorList
		if opts.ResourceVersion == "" {
			errs = append(errs, field.Forbidden(p, "resourceVersionMatch is forbidden unless resourceVersion is provided"))
		}
		if opts.Continue != "" {
			errs = append(errs, field.Forbidden(p, "resourceVersionMatch is forbidden when continue is provided"))
		}
		if match != metav1.ResourceVersionMatchExact && match != metav1.ResourceVersionMatchNotOlderThan {
			errs = append(errs, field.NotSupported(p, match, []string{string(metav1.ResourceVersionMatchExact), string(metav1.ResourceVersionMatchNotOlderThan), ""}))
		}
		if match == metav1.ResourceVersionMatchExact && opts.ResourceVersion == "0" {
			errs = append(errs, field.Forbidden(p, "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""))
		}
		if len(errs) > 0 {
			return apierrors.NewInvalid(schema.GroupKind{Group: "meta.k8s.io", Kind: "ListOptions"}, "", errs)
		}
	}
	if opts.Continue != "" && opts.ResourceVersion != "" && opts.ResourceVersion != "0" {
		return apierrors.NewBadRequest("specifying resource version is not allowed when using continue")
	}
	return nil
}

// continueToken is upstream's continue format: base64 JSON with the list
// revision and the key (relative to the resource prefix) to resume at.
type continueToken struct {
	APIVersion string `json:"v"`
	Revision   int64  `json:"rv"`
	StartKey   string `json:"start"`
}

func encodeContinue(rev int64, key, prefix string) string {
	b, _ := json.Marshal(continueToken{APIVersion: "meta.k8s.io/v1", Revision: rev, StartKey: strings.TrimPrefix(key, prefix)})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeContinue(token, prefix string) (rev int64, key string, err error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, "", apierrors.NewBadRequest(fmt.Sprintf("continue key is not valid: %v", err))
	}
	var t continueToken
	if err := json.Unmarshal(raw, &t); err != nil || t.APIVersion != "meta.k8s.io/v1" {
		return 0, "", apierrors.NewBadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
	}
	// -1 is the token handed out with a 410: continue at the newest revision.
	if t.Revision == 0 || t.Revision < -1 {
		return 0, "", apierrors.NewBadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
	}
	if strings.Contains(t.StartKey, "..") || strings.HasPrefix(t.StartKey, "/") {
		return 0, "", apierrors.NewBadRequest("continue key is not valid: path traversal")
	}
	return max(t.Revision, 0), prefix + t.StartKey, nil
}

// listEtcd reads pages from etcd until limit matching objects are found.
func (s *Store) listEtcd(ctx context.Context, prefix string, opts *metav1.ListOptions, pred cacher.Predicate) (runtime.Object, error) {
	var rev int64
	start := ""
	if opts.Continue != "" {
		r, key, err := decodeContinue(opts.Continue, prefix)
		if err != nil {
			return nil, err
		}
		rev, start = r, key
	} else if opts.ResourceVersionMatch == metav1.ResourceVersionMatchExact {
		rev, _ = strconv.ParseInt(opts.ResourceVersion, 10, 64)
	}
	var items []runtime.Object
	var next string
	var remaining *int64
	pageSize := opts.Limit
	for {
		res, err := s.storage.List(ctx, prefix, storage.ListOptions{Revision: rev, Limit: pageSize, StartKey: start})
		if err != nil {
			if isErr(err, storage.ErrCompacted) {
				if opts.Continue != "" {
					// As upstream: a fresh token continues at the newest revision.
					expired := apierrors.NewResourceExpired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
					expired.ErrStatus.Continue = encodeContinue(-1, start, prefix)
					return nil, expired
				}
				return nil, apierrors.NewResourceExpired(fmt.Sprintf("too old resource version: %d", rev))
			}
			if isErr(err, storage.ErrFutureRevision) {
				return nil, tooLargeResourceVersion(fmt.Sprintf("Too large resource version: %d, current: unknown", rev))
			}
			return nil, s.storageError(err, "")
		}
		rev = res.Revision
		for i, kv := range res.KVs {
			obj, err := s.decode(kv)
			if err != nil {
				return nil, apierrors.NewInternalError(err)
			}
			if pred == nil || pred(obj) {
				items = append(items, obj)
			}
			if opts.Limit > 0 && int64(len(items)) == opts.Limit {
				more := res.More || i < len(res.KVs)-1
				if more {
					next = encodeContinue(rev, kv.Key+"\x00", prefix)
					if pred == nil {
						n := res.Remaining + int64(len(res.KVs)-1-i)
						remaining = &n
					}
				}
				return s.newList(items, rev, next, remaining)
			}
		}
		if !res.More || len(res.KVs) == 0 {
			break
		}
		start = res.KVs[len(res.KVs)-1].Key + "\x00"
		if pageSize > 0 && pageSize < 10000 {
			pageSize *= 2
		}
	}
	return s.newList(items, rev, "", nil)
}

func (s *Store) newList(items []runtime.Object, rev int64, next string, remaining *int64) (runtime.Object, error) {
	list := s.res.NewList()
	if err := meta.SetList(list, items); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	lm, err := meta.ListAccessor(list)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	lm.SetResourceVersion(strconv.FormatInt(rev, 10))
	lm.SetContinue(next)
	lm.SetRemainingItemCount(remaining)
	list.GetObjectKind().SetGroupVersionKind(s.res.GroupVersion().WithKind(s.res.Kind + "List"))
	return list, nil
}

// Watch opens a watch on the cache.
func (s *Store) Watch(ctx context.Context, namespace string, opts *metav1.ListOptions) (cacher.Watcher, error) {
	pred, err := s.Predicate(opts)
	if err != nil {
		return nil, err
	}
	if opts.ResourceVersion != "" {
		if _, err := strconv.ParseUint(opts.ResourceVersion, 10, 64); err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid resource version: %s", opts.ResourceVersion))
		}
	}
	if opts.SendInitialEvents != nil {
		var errs field.ErrorList
		if opts.ResourceVersionMatch != metav1.ResourceVersionMatchNotOlderThan {
			errs = append(errs, field.Forbidden(field.NewPath("resourceVersionMatch"), "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
		}
		if !opts.AllowWatchBookmarks {
			errs = append(errs, field.Forbidden(field.NewPath("allowWatchBookmarks"), "sendInitialEvents requires setting allowWatchBookmarks to true"))
		}
		if len(errs) > 0 {
			return nil, apierrors.NewInvalid(schema.GroupKind{Group: "meta.k8s.io", Kind: "ListOptions"}, "", errs)
		}
	} else if opts.ResourceVersionMatch != "" {
		return nil, apierrors.NewInvalid(schema.GroupKind{Group: "meta.k8s.io", Kind: "ListOptions"}, "",
			field.ErrorList{field.Forbidden(field.NewPath("resourceVersionMatch"), "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided")})
	}
	w, err := s.cache.Watch(ctx, cacher.WatchOptions{
		KeyPrefix:         s.res.NamespacePrefix(namespace),
		ResourceVersion:   opts.ResourceVersion,
		Predicate:         pred,
		SendInitialEvents: opts.SendInitialEvents,
		AllowBookmarks:    opts.AllowWatchBookmarks,
	})
	if err != nil {
		var old *cacher.TooOldError
		if errors.As(err, &old) {
			return nil, apierrors.NewResourceExpired(old.Error())
		}
		return nil, s.storageError(err, "")
	}
	return w, nil
}
