package integration

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/testutil"
)

func TestCreate(t *testing.T) {
	srv := testutil.StartServer(t)
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	cms := c.CoreV1().ConfigMaps(ns)

	t.Run("generateName and system fields", func(t *testing.T) {
		before := time.Now().Add(-time.Second).Truncate(time.Second)
		cm := configMap("")
		cm.GenerateName = "gen-"
		got, err := cms.Create(ctx, cm, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(got.Name, "gen-") || len(got.Name) != len("gen-")+5 {
			t.Errorf("name = %q, want gen- and 5 random characters", got.Name)
		}
		if got.UID == "" || got.ResourceVersion == "" || got.CreationTimestamp.Time.Before(before) {
			t.Errorf("uid=%q rv=%q created=%v, want all set (after %v)", got.UID, got.ResourceVersion, got.CreationTimestamp, before)
		}
		if got.Generation != 0 || got.Namespace != ns {
			t.Errorf("generation=%d namespace=%q, want 0 and %s", got.Generation, got.Namespace, ns)
		}
		// Client-set system fields are ignored.
		cm = configMap("sys")
		cm.UID = "client-uid"
		cm.CreationTimestamp = metav1.NewTime(time.Unix(1000, 0))
		got, err = cms.Create(ctx, cm, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.UID == "client-uid" || got.CreationTimestamp.Unix() == 1000 {
			t.Errorf("client-set uid %q / creationTimestamp %v kept", got.UID, got.CreationTimestamp)
		}
	})

	t.Run("no name", func(t *testing.T) {
		_, err := cms.Create(ctx, configMap(""), metav1.CreateOptions{})
		st := wantStatus(t, err, 422, metav1.StatusReasonInvalid)
		if st.Details == nil || len(st.Details.Causes) == 0 || st.Details.Causes[0].Field != "metadata.name" {
			t.Errorf("details = %+v, want a cause on metadata.name", st.Details)
		}
	})

	t.Run("already exists", func(t *testing.T) {
		if _, err := cms.Create(ctx, configMap("dup"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		_, err := cms.Create(ctx, configMap("dup"), metav1.CreateOptions{})
		st := wantStatus(t, err, 409, metav1.StatusReasonAlreadyExists)
		want := &metav1.StatusDetails{Name: "dup", Kind: "configmaps"}
		if diff := cmp.Diff(want, st.Details); diff != "" {
			t.Errorf("details (-want +got):\n%s", diff)
		}
	})

	t.Run("resourceVersion set on create", func(t *testing.T) {
		cm := configMap("with-rv")
		cm.ResourceVersion = "5"
		_, err := cms.Create(ctx, cm, metav1.CreateOptions{})
		wantStatus(t, err, 400, metav1.StatusReasonBadRequest)
		if _, err := cms.Get(ctx, "with-rv", metav1.GetOptions{}); err == nil {
			t.Errorf("object created despite the error")
		}
	})

	t.Run("dry run changes nothing", func(t *testing.T) {
		dry := []string{metav1.DryRunAll}
		got, err := cms.Create(ctx, configMap("dry", "k", "v"), metav1.CreateOptions{DryRun: dry})
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "dry" || got.UID == "" || got.CreationTimestamp.IsZero() {
			t.Errorf("dry-run create returned %+v, want defaulted object", got.ObjectMeta)
		}
		if _, err := cms.Get(ctx, "dry", metav1.GetOptions{}); err == nil {
			t.Fatalf("dry-run create persisted the object")
		}
		real, err := cms.Create(ctx, configMap("dry", "k", "v"), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		upd := real.DeepCopy()
		upd.Data["k"] = "changed"
		got, err = cms.Update(ctx, upd, metav1.UpdateOptions{DryRun: dry})
		if err != nil {
			t.Fatal(err)
		}
		if got.Data["k"] != "changed" {
			t.Errorf("dry-run update returned %v, want the would-be object", got.Data)
		}
		if err := cms.Delete(ctx, "dry", metav1.DeleteOptions{DryRun: dry}); err != nil {
			t.Fatal(err)
		}
		now, err := cms.Get(ctx, "dry", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("dry-run delete removed the object: %v", err)
		}
		if now.ResourceVersion != real.ResourceVersion || now.Data["k"] != "v" {
			t.Errorf("dry-run update/delete changed the object: rv %s -> %s, data %v", real.ResourceVersion, now.ResourceVersion, now.Data)
		}
		_, err = c.CoreV1().RESTClient().Post().Namespace(ns).Resource("configmaps").Param("dryRun", "Some").
			Body([]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`)).Do(ctx).Get()
		wantStatus(t, err, 400, metav1.StatusReasonBadRequest)
	})

	t.Run("field validation", func(t *testing.T) {
		cfg := srv.RESTConfig(t)
		warnings := &warningRecorder{}
		cfg.WarningHandler = warnings
		wc := kubernetes.NewForConfigOrDie(cfg)
		body := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"%s"},"data":{"k":"v"},"bogus":1}`)
		post := func(name, validation string) error {
			req := wc.CoreV1().RESTClient().Post().Namespace(ns).Resource("configmaps").
				Body([]byte(strings.Replace(string(body), "%s", name, 1))).SetHeader("Content-Type", "application/json")
			if validation != "" {
				req = req.Param("fieldValidation", validation)
			}
			return req.Do(ctx).Error()
		}
		err := post("strict", "Strict")
		st := wantStatus(t, err, 400, metav1.StatusReasonBadRequest)
		if !strings.Contains(st.Message, `unknown field "bogus"`) {
			t.Errorf("message = %q, want it to mention unknown field \"bogus\"", st.Message)
		}
		if _, err := cms.Get(ctx, "strict", metav1.GetOptions{}); err == nil {
			t.Errorf("strict create persisted the object")
		}
		warnings.take()
		for _, v := range []string{"Warn", ""} {
			name := "warn" + strings.ToLower(v)
			if err := post(name, v); err != nil {
				t.Fatalf("fieldValidation=%q: %v", v, err)
			}
			if diff := cmp.Diff([]string{`unknown field "bogus"`}, warnings.take()); diff != "" {
				t.Errorf("fieldValidation=%q warnings (-want +got):\n%s", v, diff)
			}
		}
		if err := post("ignore", "Ignore"); err != nil {
			t.Fatal(err)
		}
		if got := warnings.take(); len(got) != 0 {
			t.Errorf("fieldValidation=Ignore warnings = %q, want none", got)
		}
		err = post("bad", "Sometimes")
		wantStatus(t, err, 400, metav1.StatusReasonBadRequest)
	})
}
