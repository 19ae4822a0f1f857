package integration

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/metadata"

	"github.com/berth-dev/berth/internal/testutil"
)

const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io"

func TestTables(t *testing.T) {
	srv := testutil.StartServer(t)
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	if _, err := c.CoreV1().Pods(ns).Create(ctx, pod("p1").Node("node-1").Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CoreV1().Pods(ns).Create(ctx, pod("p2").Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	get := func(t *testing.T, name string, extra ...string) *metav1.Table {
		t.Helper()
		req := c.CoreV1().RESTClient().Get().Namespace(ns).Resource("pods").SetHeader("Accept", tableAccept)
		if name != "" {
			req = req.Name(name)
		}
		for i := 0; i+1 < len(extra); i += 2 {
			req = req.Param(extra[i], extra[i+1])
		}
		var table metav1.Table
		if err := req.Do(ctx).Into(&table); err != nil {
			t.Fatal(err)
		}
		return &table
	}

	t.Run("list", func(t *testing.T) {
		table := get(t, "")
		var cols []string
		for _, col := range table.ColumnDefinitions {
			cols = append(cols, col.Name)
		}
		want := []string{"Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"}
		if diff := cmp.Diff(want, cols); diff != "" {
			t.Errorf("columns (-want +got):\n%s", diff)
		}
		if len(table.Rows) != 2 {
			t.Fatalf("rows = %d, want 2", len(table.Rows))
		}
		row := table.Rows[0].Cells
		if len(row) != len(want) {
			t.Fatalf("row has %d cells, want %d", len(row), len(want))
		}
		gotCells := []any{row[0], row[1], row[2], row[3], row[5], row[6], row[7], row[8]}
		wantCells := []any{"p1", "0/1", "Pending", "0", "<none>", "node-1", "<none>", "<none>"}
		if diff := cmp.Diff(wantCells, gotCells); diff != "" {
			t.Errorf("p1 cells without Age (-want +got):\n%s", diff)
		}
		if table.ResourceVersion == "" {
			t.Errorf("table has no resourceVersion")
		}
		// Rows carry PartialObjectMetadata by default.
		if table.Rows[0].Object.Raw == nil {
			t.Errorf("row object missing")
		}
	})

	t.Run("single object", func(t *testing.T) {
		table := get(t, "p2")
		if len(table.Rows) != 1 || table.Rows[0].Cells[0] != "p2" {
			t.Errorf("rows = %+v, want one row for p2", table.Rows)
		}
	})

	t.Run("includeObject=None", func(t *testing.T) {
		table := get(t, "", "includeObject", "None")
		for _, r := range table.Rows {
			if r.Object.Raw != nil {
				t.Errorf("row carries an object: %s", r.Object.Raw)
			}
		}
	})

	t.Run("paginated table", func(t *testing.T) {
		table := get(t, "", "limit", "1")
		if len(table.Rows) != 1 || table.Continue == "" {
			t.Errorf("rows=%d continue=%q, want 1 and a token", len(table.Rows), table.Continue)
		}
	})
}

func TestMetadataClient(t *testing.T) {
	srv := testutil.StartServer(t)
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	cm := configMap("meta", "big", "data")
	cm.Labels = map[string]string{"k": "v"}
	created, err := c.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mc, err := metadata.NewForConfig(srv.RESTConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	res := mc.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace(ns)

	l, err := res.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The client refuses anything but a PartialObjectMetadataList (and
	// clears its kind when decoding).
	if len(l.Items) != 1 || l.ResourceVersion == "" {
		t.Fatalf("list items=%d rv=%q, want 1 item and a resourceVersion", len(l.Items), l.ResourceVersion)
	}
	item := l.Items[0]
	if item.Name != "meta" || item.UID != created.UID || item.Labels["k"] != "v" || item.ResourceVersion != created.ResourceVersion {
		t.Errorf("item metadata = %+v", item.ObjectMeta)
	}

	got, err := res.Get(ctx, "meta", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.UID != created.UID {
		t.Errorf("get = %+v", got)
	}

	w, err := res.Watch(ctx, metav1.ListOptions{ResourceVersion: created.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if err := c.CoreV1().ConfigMaps(ns).Delete(ctx, "meta", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	ev := next(t, w)
	m, ok := ev.Object.(*metav1.PartialObjectMetadata)
	if ev.Type != watch.Deleted || !ok || m.Name != "meta" {
		t.Errorf("event = %s %T %+v, want DELETED PartialObjectMetadata meta", ev.Type, ev.Object, ev.Object)
	}
}
