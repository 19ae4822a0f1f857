package defaultbinder

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"

	"github.com/berth-dev/berth/internal/scheduler/framework"
	st "github.com/berth-dev/berth/internal/scheduler/testing"
)

type handle struct{ cs kubernetes.Interface }

func (h handle) SnapshotSharedLister() framework.NodeInfoLister { return nil }
func (h handle) ClientSet() kubernetes.Interface                { return h.cs }

func TestBind(t *testing.T) {
	tests := []struct {
		name    string
		failAPI bool
		want    framework.Code
	}{
		{name: "binds", want: framework.Success},
		{name: "API failure is an Error", failAPI: true, want: framework.Error},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := fake.NewClientset()
			var got *corev1.Binding
			cs.PrependReactor("create", "pods", func(a clienttesting.Action) (bool, runtime.Object, error) {
				if a.GetSubresource() != "binding" {
					return false, nil, nil
				}
				if tt.failAPI {
					return true, nil, errors.New("etcd is down")
				}
				got = a.(clienttesting.CreateAction).GetObject().(*corev1.Binding)
				return true, got, nil
			})
			p, _ := New(t.Context(), nil, handle{cs})
			s := p.(*DefaultBinder).Bind(t.Context(), framework.NewCycleState(), st.Pod("p").Obj(), "n1")
			if s.Code() != tt.want {
				t.Fatalf("status = %v, want %v", s, tt.want)
			}
			if tt.failAPI {
				return
			}
			want := &corev1.Binding{
				ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "p", UID: "p"},
				Target:     corev1.ObjectReference{Kind: "Node", Name: "n1"},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("binding (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBindWithoutClient(t *testing.T) {
	p, _ := New(t.Context(), nil, handle{})
	if s := p.(*DefaultBinder).Bind(t.Context(), framework.NewCycleState(), st.Pod("p").Obj(), "n1"); s.Code() != framework.Error {
		t.Errorf("status = %v, want Error", s)
	}
}
