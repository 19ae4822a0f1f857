package integration

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/berth-dev/berth/internal/testutil"
)

// seen is one informer notification: verb, name and resourceVersion.
type seen struct{ Verb, Name, RV string }

// recorder collects informer notifications in order.
type recorder struct {
	mu     sync.Mutex
	events []seen
}

func (r *recorder) add(verb string, obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	m := obj.(metav1.Object)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, seen{verb, m.GetName(), m.GetResourceVersion()})
}

func (r *recorder) snapshot() []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]seen(nil), r.events...)
}

func (r *recorder) handler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { r.add("add", obj) },
		UpdateFunc: func(_, obj any) { r.add("update", obj) },
		DeleteFunc: func(obj any) { r.add("delete", obj) },
	}
}

func TestInformers(t *testing.T) {
	srv := testutil.StartServer(t)
	clients := map[string]kubernetes.Interface{"json": srv.Client(t), "protobuf": srv.ProtobufClient(t)}
	for name, c := range clients {
		t.Run(name, func(t *testing.T) {
			// Cancel before Shutdown: informers stop only when ctx ends.
			ctx, cancel := context.WithCancel(t.Context())
			ns := newNamespace(t, c)
			// One object exists before the informer starts: it comes from the list.
			pre, err := c.CoreV1().ConfigMaps(ns).Create(ctx, configMap("pre", "k", "v"), metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			factory := informers.NewSharedInformerFactoryWithOptions(c, 0, informers.WithNamespace(ns))
			cms, pods := &recorder{}, &recorder{}
			if _, err := factory.Core().V1().ConfigMaps().Informer().AddEventHandler(cms.handler()); err != nil {
				t.Fatal(err)
			}
			if _, err := factory.Core().V1().Pods().Informer().AddEventHandler(pods.handler()); err != nil {
				t.Fatal(err)
			}
			factory.Start(ctx.Done())
			defer factory.Shutdown()
			defer cancel()
			for typ, ok := range factory.WaitForCacheSync(ctx.Done()) {
				if !ok {
					t.Fatalf("informer %v did not sync", typ)
				}
			}

			want := []seen{{"add", "pre", pre.ResourceVersion}}
			var wantPods []seen
			for i := range 3 {
				cm, err := c.CoreV1().ConfigMaps(ns).Create(ctx, configMap(fmt.Sprintf("cm-%d", i), "k", "v"), metav1.CreateOptions{})
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, seen{"add", cm.Name, cm.ResourceVersion})
			}
			cm, err := c.CoreV1().ConfigMaps(ns).Get(ctx, "cm-1", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			cm.Data["k"] = "changed"
			cm, err = c.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, seen{"update", "cm-1", cm.ResourceVersion})
			if err := c.CoreV1().ConfigMaps(ns).Delete(ctx, "cm-0", metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
			p, err := c.CoreV1().Pods(ns).Create(ctx, pod("p").Obj(), metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			wantPods = append(wantPods, seen{"add", "p", p.ResourceVersion})
			p.Labels = map[string]string{"x": "y"}
			if p, err = c.CoreV1().Pods(ns).Update(ctx, p, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
			wantPods = append(wantPods, seen{"update", "p", p.ResourceVersion})
			if err := c.CoreV1().Pods(ns).Delete(ctx, "p", metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}

			poll(t, "configmap events", func(ctx context.Context) (bool, error) { return len(cms.snapshot()) >= len(want)+1, nil })
			poll(t, "pod events", func(ctx context.Context) (bool, error) { return len(pods.snapshot()) >= len(wantPods)+1, nil })

			// The deletion carries a resourceVersion newer than every
			// earlier event: check it, then compare the rest exactly.
			checkDelete := func(t *testing.T, got []seen, name string) []seen {
				t.Helper()
				last := got[len(got)-1]
				if last.Verb != "delete" || last.Name != name {
					t.Fatalf("last event = %+v, want delete of %s", last, name)
				}
				prev, _ := strconv.ParseInt(got[len(got)-2].RV, 10, 64)
				if rv, _ := strconv.ParseInt(last.RV, 10, 64); rv <= prev {
					t.Errorf("delete resourceVersion %s not after %d", last.RV, prev)
				}
				return got[:len(got)-1]
			}
			if diff := cmp.Diff(want, checkDelete(t, cms.snapshot(), "cm-0")); diff != "" {
				t.Errorf("configmap events (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantPods, checkDelete(t, pods.snapshot(), "p")); diff != "" {
				t.Errorf("pod events (-want +got):\n%s", diff)
			}
			lister := factory.Core().V1().ConfigMaps().Lister().ConfigMaps(ns)
			got, err := lister.Get("cm-1")
			if err != nil || got.Data["k"] != "changed" {
				t.Errorf("lister cm-1 = %v, %v; want data k=changed", got, err)
			}
			if _, err := lister.Get("cm-0"); err == nil {
				t.Errorf("lister still has deleted cm-0")
			}
		})
	}
}
