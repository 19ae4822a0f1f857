package integration

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testutil"
)

// page is what one list page showed.
type page struct {
	Names     []string
	Continue  bool
	Remaining *int64
}

func names(items []corev1.ConfigMap) []string {
	out := make([]string, 0, len(items))
	for _, i := range items {
		out = append(out, i.Name)
	}
	return out
}

func TestPagination(t *testing.T) {
	srv := testutil.StartServer(t)
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	cms := c.CoreV1().ConfigMaps(ns)
	var all, even []string
	for i := range 25 {
		cm := configMap(fmt.Sprintf("cm-%02d", i))
		cm.Labels = map[string]string{"parity": []string{"even", "odd"}[i%2]}
		if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		all = append(all, cm.Name)
		if i%2 == 0 {
			even = append(even, cm.Name)
		}
	}

	tests := []struct {
		name     string
		selector string
		limit    int64
		want     []page
	}{
		{"all", "", 10, []page{
			{all[:10], true, ptr.To[int64](15)},
			{all[10:20], true, ptr.To[int64](5)},
			{all[20:], false, nil},
		}},
		{"exact multiple", "", 5, []page{
			{all[:5], true, ptr.To[int64](20)}, {all[5:10], true, ptr.To[int64](15)}, {all[10:15], true, ptr.To[int64](10)},
			{all[15:20], true, ptr.To[int64](5)}, {all[20:25], false, nil},
		}},
		// With a selector upstream cannot count what is left: no remainingItemCount.
		{"label selected", "parity=even", 5, []page{
			{even[:5], true, nil}, {even[5:10], true, nil}, {even[10:], false, nil},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []page
			var listRV string
			opts := metav1.ListOptions{Limit: tc.limit, LabelSelector: tc.selector}
			for range 10 {
				l, err := cms.List(ctx, opts)
				if err != nil {
					t.Fatal(err)
				}
				if listRV == "" {
					listRV = l.ResourceVersion
				} else if l.ResourceVersion != listRV {
					t.Errorf("page resourceVersion = %s, want the first page's %s", l.ResourceVersion, listRV)
				}
				got = append(got, page{names(l.Items), l.Continue != "", l.RemainingItemCount})
				if l.Continue == "" {
					break
				}
				opts.Continue = l.Continue
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("continue sees the snapshot", func(t *testing.T) {
		l, err := cms.List(ctx, metav1.ListOptions{Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cms.Create(ctx, configMap("cm-99"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		defer cms.Delete(ctx, "cm-99", metav1.DeleteOptions{})
		rest, err := cms.List(ctx, metav1.ListOptions{Limit: 20, Continue: l.Continue})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(all[20:], names(rest.Items)); diff != "" {
			t.Errorf("second page (-want +got):\n%s", diff)
		}
	})

	t.Run("invalid continue", func(t *testing.T) {
		_, err := cms.List(ctx, metav1.ListOptions{Limit: 5, Continue: "not-a-token"})
		wantStatus(t, err, 400, metav1.StatusReasonBadRequest)
	})

	t.Run("continue after compaction expires", func(t *testing.T) {
		l, err := cms.List(ctx, metav1.ListOptions{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		// Move past the list's revision so compaction discards it.
		if _, err := cms.Create(ctx, configMap("after"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Compact(ctx); err != nil {
			t.Fatal(err)
		}
		_, err = cms.List(ctx, metav1.ListOptions{Limit: 10, Continue: l.Continue})
		st := wantStatus(t, err, 410, metav1.StatusReasonExpired)
		if !apierrors.IsResourceExpired(err) {
			t.Errorf("IsResourceExpired(%v) = false", err)
		}
		// Upstream hands out a fresh token to resume from, consistent at a newer revision.
		if st.Continue == "" {
			t.Fatalf("410 status has no continue token to resume with: %+v", st)
		}
		rest, err := cms.List(ctx, metav1.ListOptions{Limit: 100, Continue: st.Continue})
		if err != nil {
			t.Fatalf("continue with the token from the 410: %v", err)
		}
		if diff := cmp.Diff(all[10:], names(rest.Items)); diff != "" {
			t.Errorf("rest after 410 (-want +got):\n%s", diff)
		}
	})
}

func TestListResourceVersion(t *testing.T) {
	srv := testutil.StartServer(t)
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	cms := c.CoreV1().ConfigMaps(ns)
	a, err := cms.Create(ctx, configMap("a"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := cms.Create(ctx, configMap("b"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rvOf := func(s string) int64 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("resourceVersion %q: %v", s, err)
		}
		return n
	}

	tests := []struct {
		name      string
		opts      metav1.ListOptions
		want      []string
		wantRV    string // exact list resourceVersion; "" means >= b's
		wantCode  int32
		wantCause string
	}{
		{name: "consistent", opts: metav1.ListOptions{}, want: []string{"a", "b"}},
		{name: "any (rv=0)", opts: metav1.ListOptions{ResourceVersion: "0"}, want: []string{"a", "b"}},
		{name: "not older than", opts: metav1.ListOptions{ResourceVersion: b.ResourceVersion, ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan}, want: []string{"a", "b"}},
		{name: "rv without match", opts: metav1.ListOptions{ResourceVersion: b.ResourceVersion}, want: []string{"a", "b"}},
		{name: "exact old revision", opts: metav1.ListOptions{ResourceVersion: a.ResourceVersion, ResourceVersionMatch: metav1.ResourceVersionMatchExact}, want: []string{"a"}, wantRV: a.ResourceVersion},
		{name: "exact with limit", opts: metav1.ListOptions{ResourceVersion: b.ResourceVersion, ResourceVersionMatch: metav1.ResourceVersionMatchExact, Limit: 1}, want: []string{"a"}, wantRV: b.ResourceVersion},
		{name: "invalid rv", opts: metav1.ListOptions{ResourceVersion: "abc"}, wantCode: 400},
		{name: "match without rv", opts: metav1.ListOptions{ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan}, wantCode: 422, wantCause: "resourceVersionMatch"},
		{name: "exact rv=0", opts: metav1.ListOptions{ResourceVersion: "0", ResourceVersionMatch: metav1.ResourceVersionMatchExact}, wantCode: 422, wantCause: "resourceVersionMatch"},
		{name: "unknown match", opts: metav1.ListOptions{ResourceVersion: "1", ResourceVersionMatch: "Newest"}, wantCode: 422, wantCause: "resourceVersionMatch"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := cms.List(ctx, tc.opts)
			if tc.wantCode != 0 {
				if err == nil {
					t.Fatalf("got list, want %d", tc.wantCode)
				}
				st := err.(apierrors.APIStatus).Status()
				if st.Code != tc.wantCode {
					t.Fatalf("code = %d (%s: %s), want %d", st.Code, st.Reason, st.Message, tc.wantCode)
				}
				if tc.wantCause != "" && (st.Details == nil || len(st.Details.Causes) == 0 || st.Details.Causes[0].Field != tc.wantCause) {
					t.Errorf("causes = %+v, want field %s", st.Details, tc.wantCause)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, names(l.Items)); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
			if tc.wantRV != "" && l.ResourceVersion != tc.wantRV {
				t.Errorf("list resourceVersion = %s, want %s", l.ResourceVersion, tc.wantRV)
			}
			if tc.wantRV == "" && rvOf(l.ResourceVersion) < rvOf(b.ResourceVersion) {
				t.Errorf("list resourceVersion = %s, want >= %s", l.ResourceVersion, b.ResourceVersion)
			}
		})
	}

	t.Run("future rv times out", func(t *testing.T) {
		// Through the REST client: the typed client would retry the 504's Retry-After.
		err := c.CoreV1().RESTClient().Get().Namespace(ns).Resource("configmaps").
			Param("resourceVersion", strconv.FormatInt(rvOf(b.ResourceVersion)+1000, 10)).
			Param("resourceVersionMatch", "NotOlderThan").MaxRetries(0).Do(ctx).Error()
		st := wantStatus(t, err, 504, metav1.StatusReasonTimeout)
		if st.Details == nil || len(st.Details.Causes) == 0 || st.Details.Causes[0].Type != metav1.CauseTypeResourceVersionTooLarge {
			t.Errorf("details = %+v, want cause %s", st.Details, metav1.CauseTypeResourceVersionTooLarge)
		}
	})

	t.Run("exact after compaction expires", func(t *testing.T) {
		if _, err := srv.Compact(ctx); err != nil {
			t.Fatal(err)
		}
		_, err := cms.List(ctx, metav1.ListOptions{ResourceVersion: a.ResourceVersion, ResourceVersionMatch: metav1.ResourceVersionMatchExact})
		wantStatus(t, err, 410, metav1.StatusReasonExpired)
	})
}
