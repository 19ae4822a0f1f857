package daemonset

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/berth-dev/berth/internal/controller/claim"
	"github.com/berth-dev/berth/internal/controller/history"
)

// history finds or records the revision of the set's current template and
// sets s.hash from it. It returns the other (old) revisions. As upstream:
// revisions whose data equal the template are current; duplicates are
// merged into the newest, whose number is raised above every old one.
func (s *syncer) history(ctx context.Context) ([]*appsv1.ControllerRevision, error) {
	ds := s.ds
	all, err := s.d.ListRevisions(ds.Namespace)
	if err != nil {
		return nil, err
	}
	m := s.manager(func(ctx context.Context, name string, patch []byte) error {
		return s.d.PatchRevision(ctx, ds.Namespace, name, patch)
	})
	revs, err := claim.Claim(ctx, m, all)
	if err != nil {
		return nil, err
	}
	data, err := history.Patch(&ds.Spec.Template)
	if err != nil {
		return nil, err
	}
	var cur, old []*appsv1.ControllerRevision
	for _, r := range revs {
		if bytes.Equal(r.Data.Raw, data) {
			cur = append(cur, r)
		} else {
			old = append(old, r)
		}
	}
	next := int64(1)
	for _, r := range old {
		next = max(next, r.Revision+1)
	}
	if ds.Status.CollisionCount != nil {
		s.collisions = *ds.Status.CollisionCount
	}
	var keep *appsv1.ControllerRevision
	if len(cur) == 0 {
		rev := history.New(ds, kind, ds.Spec.Template.Labels, data, next, &s.collisions)
		// Upstream labels DaemonSet revisions with the pods' label only.
		rev.Labels[hashLabel] = rev.Labels[history.HashLabel]
		delete(rev.Labels, history.HashLabel)
		rev.Annotations = ds.Annotations
		if keep, err = history.Create(ctx, s.d.Revisions, ds.Name, rev, &s.collisions); err != nil {
			return nil, err
		}
	} else {
		if keep, err = s.dedup(ctx, cur); err != nil {
			return nil, err
		}
		if keep.Revision < next {
			bumped := keep.DeepCopy()
			bumped.Revision = next
			if keep, err = s.d.UpdateRevision(ctx, bumped); err != nil {
				return nil, fmt.Errorf("renumber revision %s: %w", bumped.Name, err)
			}
		}
	}
	s.hash = keep.Labels[hashLabel]
	if s.hash == "" {
		// Revisions made before the label existed: upstream labels them
		// with their name.
		s.hash = keep.Name
	}
	return old, nil
}

// dedup keeps the newest of several revisions of the same template,
// relabels pods of the others with its hash, and deletes the others.
func (s *syncer) dedup(ctx context.Context, cur []*appsv1.ControllerRevision) (*appsv1.ControllerRevision, error) {
	keep := cur[0]
	for _, r := range cur[1:] {
		if r.Revision >= keep.Revision {
			keep = r
		}
	}
	if len(cur) == 1 {
		return keep, nil
	}
	hash := keep.Labels[hashLabel]
	for _, p := range s.pods {
		if p.Labels[hashLabel] == hash {
			continue
		}
		patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"labels": map[string]string{hashLabel: hash}}})
		if err := s.d.PatchPod(ctx, p.Namespace, p.Name, patch); err != nil {
			return nil, fmt.Errorf("relabel pod %s/%s: %w", p.Namespace, p.Name, err)
		}
	}
	for _, r := range cur {
		if r != keep {
			if err := s.d.DeleteRevision(ctx, r); err != nil {
				return nil, fmt.Errorf("delete duplicate revision %s: %w", r.Name, err)
			}
		}
	}
	return keep, nil
}

// cleanupHistory deletes the oldest old revisions beyond
// revisionHistoryLimit, sparing those some pod still runs.
func (s *syncer) cleanupHistory(ctx context.Context, old []*appsv1.ControllerRevision) error {
	if s.ds.Spec.RevisionHistoryLimit == nil {
		return nil
	}
	toKill := len(old) - int(*s.ds.Spec.RevisionHistoryLimit)
	if toKill <= 0 {
		return nil
	}
	live := map[string]bool{}
	for _, p := range s.pods {
		if h := p.Labels[hashLabel]; h != "" {
			live[h] = true
		}
	}
	old = slices.Clone(old)
	history.Sort(old)
	for _, r := range old {
		if toKill <= 0 {
			break
		}
		if live[r.Labels[hashLabel]] {
			continue
		}
		if err := s.d.DeleteRevision(ctx, r); err != nil {
			return fmt.Errorf("delete revision %s: %w", r.Name, err)
		}
		toKill--
	}
	return nil
}
