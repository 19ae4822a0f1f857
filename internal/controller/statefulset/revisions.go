package statefulset

import (
	"context"
	"fmt"
	"maps"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/internal/controller/history"
)

// revisions finds or records the revision of the set's current template
// (the update revision) and finds the current revision, as upstream: an
// unchanged template reuses the newest revision, a template equal to an
// older one (a rollback) renumbers that one, anything else is created.
// sorted is the set's history ordered by history.Sort.
func (s *syncer) revisions(ctx context.Context, sorted []*appsv1.ControllerRevision) error {
	set := s.set
	var collisions int32
	if set.Status.CollisionCount != nil {
		collisions = *set.Status.CollisionCount
	}
	data, err := history.Patch(&set.Spec.Template)
	if err != nil {
		return err
	}
	update := history.New(set, kind, set.Spec.Template.Labels, data, history.Next(sorted), &collisions)
	if len(set.Annotations) > 0 {
		update.Annotations = maps.Clone(set.Annotations)
	}
	equal := history.FindEqual(sorted, update)
	switch {
	case len(equal) > 0 && history.Equal(sorted[len(sorted)-1], equal[len(equal)-1]):
		update = sorted[len(sorted)-1]
	case len(equal) > 0:
		renumbered := equal[len(equal)-1].DeepCopy()
		renumbered.Revision = update.Revision
		if update, err = s.d.UpdateRevision(ctx, renumbered); err != nil {
			return fmt.Errorf("renumber revision %s: %w", renumbered.Name, err)
		}
	default:
		if update, err = history.Create(ctx, s.d.Revisions, set.Name, update, &collisions); err != nil {
			return err
		}
	}
	s.update, s.collisions = update, collisions
	s.current = update
	for _, r := range sorted {
		if r.Name == set.Status.CurrentRevision {
			s.current = r
			break
		}
	}
	if s.updateTmpl, err = history.Template(s.update); err != nil {
		return err
	}
	if s.current == s.update {
		s.currentTmpl = s.updateTmpl
	} else if s.currentTmpl, err = history.Template(s.current); err != nil {
		return err
	}
	return nil
}

// truncate deletes revisions beyond spec.revisionHistoryLimit that no pod
// runs and that are neither current nor update revision.
func (s *syncer) truncate(ctx context.Context, pods []*corev1.Pod, sorted []*appsv1.ControllerRevision) error {
	if s.set.Spec.RevisionHistoryLimit == nil {
		return nil
	}
	live := map[string]bool{}
	if s.current != nil {
		live[s.current.Name] = true
	}
	if s.update != nil {
		live[s.update.Name] = true
	}
	for _, p := range pods {
		live[revisionOf(p)] = true
	}
	for _, r := range history.Truncate(sorted, func(n string) bool { return live[n] }, int(*s.set.Spec.RevisionHistoryLimit)) {
		if err := s.d.DeleteRevision(ctx, r); err != nil {
			return fmt.Errorf("delete revision %s: %w", r.Name, err)
		}
	}
	return nil
}
