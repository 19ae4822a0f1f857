package tainteviction

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
)

// eviction is a pod's scheduled deletion.
type eviction struct {
	uid types.UID
	// created is when the pod was first found on a tainted node; the
	// toleration time counts from it.
	created time.Time
	fireAt  time.Time
}

// noExecute returns the NoExecute taints among taints.
func noExecute(taints []corev1.Taint) []corev1.Taint {
	var out []corev1.Taint
	for _, t := range taints {
		if t.Effect == corev1.TaintEffectNoExecute {
			out = append(out, t)
		}
	}
	return out
}

// matchingTolerations returns, for each taint, the first toleration that
// tolerates it; ok is false when some taint is tolerated by none.
func matchingTolerations(taints []corev1.Taint, tolerations []corev1.Toleration) (used []corev1.Toleration, ok bool) {
	log := klog.Background()
	for i := range taints {
		found := false
		for j := range tolerations {
			if tolerations[j].ToleratesTaint(log, &taints[i], false) {
				used = append(used, tolerations[j])
				found = true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	return used, true
}

// minToleration is how long the used tolerations let a pod stay: the
// smallest tolerationSeconds (0 when one is zero or negative, or none are
// used), or -1 when all of them tolerate forever.
func minToleration(used []corev1.Toleration) time.Duration {
	if len(used) == 0 {
		return 0
	}
	least := time.Duration(-1)
	for _, t := range used {
		if t.TolerationSeconds == nil {
			continue
		}
		if *t.TolerationSeconds <= 0 {
			return 0
		}
		if d := time.Duration(*t.TolerationSeconds) * time.Second; least < 0 || d < least {
			least = d
		}
	}
	return least
}

// schedule returns the eviction a pod should have at now, nil for none,
// given its tolerations, its node's NoExecute taints, and the eviction
// already scheduled for it (nil if none). An eviction already counting
// down keeps its time, as upstream.
func schedule(uid types.UID, tolerations []corev1.Toleration, taints []corev1.Taint, cur *eviction, now time.Time) *eviction {
	if len(taints) == 0 {
		return nil
	}
	if cur != nil && cur.uid != uid {
		cur = nil // another pod of the same name
	}
	used, ok := matchingTolerations(taints, tolerations)
	if !ok {
		if cur != nil && !cur.fireAt.After(now) {
			return cur
		}
		return &eviction{uid: uid, created: now, fireAt: now}
	}
	wait := minToleration(used)
	if wait < 0 {
		return nil
	}
	if cur != nil {
		return cur
	}
	return &eviction{uid: uid, created: now, fireAt: now.Add(wait)}
}
