package core

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func meta(name, ns string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: ns, ResourceVersion: "1"}
}

func TestNamespace(t *testing.T) {
	ns := &corev1.Namespace{ObjectMeta: meta("team-a", "")}
	DefaultNamespace(ns)
	if diff := cmp.Diff(map[string]string{"kubernetes.io/metadata.name": "team-a"}, ns.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if ns.Status.Phase != corev1.NamespaceActive {
		t.Errorf("phase = %q", ns.Status.Phase)
	}
	checkErrs(t, ValidateNamespace(ns))
	checkErrs(t, ValidateNamespace(&corev1.Namespace{ObjectMeta: meta("team.a", "")}), "FieldValueInvalid metadata.name")
	checkErrs(t, ValidateNamespace(&corev1.Namespace{ObjectMeta: meta("a", ""), Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"custom"}}}),
		"FieldValueInvalid spec.finalizers")

	renamed := ns.DeepCopy()
	renamed.Name = "team-b"
	checkErrs(t, ValidateNamespaceUpdate(renamed, ns), "FieldValueInvalid metadata.name")

	terminating := ns.DeepCopy()
	terminating.Status.Phase = corev1.NamespaceTerminating
	checkErrs(t, ValidateNamespaceStatusUpdate(terminating, ns), "FieldValueInvalid status.Phase")
}

func TestConfigMap(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: meta("cfg", "ns")}
	DefaultConfigMap(cm)
	if cm.Data == nil {
		t.Fatal("data not defaulted")
	}
	checkErrs(t, ValidateConfigMap(cm))

	bad := &corev1.ConfigMap{ObjectMeta: meta("cfg", "ns"),
		Data:       map[string]string{"bad key": "x", "dup": "y"},
		BinaryData: map[string][]byte{"dup": []byte("z")}}
	checkErrs(t, ValidateConfigMap(bad), "FieldValueInvalid data[bad key]", "FieldValueInvalid data[dup]")

	big := &corev1.ConfigMap{ObjectMeta: meta("cfg", "ns"), Data: map[string]string{"a": strings.Repeat("x", 1<<20+1)}}
	errs := ValidateConfigMap(big)
	// Upstream reports the whole object, via field.NewPath("").
	checkErrs(t, errs, "FieldValueTooLong []")
	if len(errs) == 1 && !strings.Contains(errs[0].Error(), "may not be more than 1048576 bytes") {
		t.Errorf("size error = %q", errs[0].Error())
	}

	immutable := &corev1.ConfigMap{ObjectMeta: meta("cfg", "ns"), Immutable: ptrTo(true), Data: map[string]string{"a": "1"}}
	changed := immutable.DeepCopy()
	changed.Data["a"] = "2"
	checkErrs(t, ValidateConfigMapUpdate(changed, immutable), "FieldValueForbidden data")
}

func TestSecret(t *testing.T) {
	s := &corev1.Secret{ObjectMeta: meta("s", "ns")}
	DefaultSecret(s)
	if s.Type != corev1.SecretTypeOpaque {
		t.Errorf("type = %q", s.Type)
	}
	cases := []struct {
		name string
		s    *corev1.Secret
		want []string
	}{
		{"opaque", s, nil},
		{"sa token needs annotation", &corev1.Secret{ObjectMeta: meta("s", "ns"), Type: corev1.SecretTypeServiceAccountToken},
			[]string{"FieldValueRequired metadata.annotations[kubernetes.io/service-account.name]"}},
		{"dockerconfigjson needs key", &corev1.Secret{ObjectMeta: meta("s", "ns"), Type: corev1.SecretTypeDockerConfigJson},
			[]string{"FieldValueRequired data[.dockerconfigjson]"}},
		{"dockerconfigjson must be JSON", &corev1.Secret{ObjectMeta: meta("s", "ns"), Type: corev1.SecretTypeDockerConfigJson,
			Data: map[string][]byte{".dockerconfigjson": []byte("{")}}, []string{"FieldValueInvalid data[.dockerconfigjson]"}},
		{"tls needs both keys", &corev1.Secret{ObjectMeta: meta("s", "ns"), Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": nil}},
			[]string{"FieldValueRequired data[tls.key]"}},
		{"basic auth needs a field", &corev1.Secret{ObjectMeta: meta("s", "ns"), Type: corev1.SecretTypeBasicAuth},
			[]string{"FieldValueRequired data[username]", "FieldValueRequired data[password]"}},
		{"ssh auth needs key", &corev1.Secret{ObjectMeta: meta("s", "ns"), Type: corev1.SecretTypeSSHAuth},
			[]string{"FieldValueRequired data[ssh-privatekey]"}},
		{"too big", &corev1.Secret{ObjectMeta: meta("s", "ns"), Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"a": make([]byte, 1<<20+1)}},
			[]string{"FieldValueTooLong data"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkErrs(t, ValidateSecret(tc.s), tc.want...) })
	}
	retyped := s.DeepCopy()
	retyped.Type = corev1.SecretTypeBasicAuth
	retyped.Data = map[string][]byte{"username": []byte("u")}
	checkErrs(t, ValidateSecretUpdate(retyped, s), "FieldValueInvalid type")
}

func TestServiceAccount(t *testing.T) {
	checkErrs(t, ValidateServiceAccount(&corev1.ServiceAccount{ObjectMeta: meta("default", "ns")}))
	checkErrs(t, ValidateServiceAccount(&corev1.ServiceAccount{ObjectMeta: meta("Bad", "ns")}), "FieldValueInvalid metadata.name")
}

func TestNode(t *testing.T) {
	n := &corev1.Node{ObjectMeta: meta("node-1.example.com", ""),
		Spec:   corev1.NodeSpec{PodCIDRs: []string{"10.244.0.0/24"}, Taints: []corev1.Taint{{Key: "k", Effect: corev1.TaintEffectNoSchedule}}},
		Status: corev1.NodeStatus{Capacity: rl("cpu", "4", "pods", "110")}}
	DefaultNode(n)
	if diff := cmp.Diff(n.Status.Capacity, n.Status.Allocatable); diff != "" {
		t.Errorf("allocatable (-capacity +allocatable):\n%s", diff)
	}
	checkErrs(t, ValidateNode(n))

	bad := n.DeepCopy()
	bad.Spec.PodCIDRs = []string{"10.244.0.0/33", "10.245.0.0/24"}
	bad.Spec.Taints = []corev1.Taint{{Key: "k", Effect: "Bogus"}, {Key: "k", Effect: "Bogus"}}
	bad.Namespace = "ns"
	checkErrs(t, ValidateNode(bad),
		"FieldValueForbidden metadata.namespace",
		"FieldValueInvalid spec.podCIDRs[0]",
		"FieldValueNotSupported metadata.taints[0].effect",
		"FieldValueNotSupported metadata.taints[1].effect",
		"FieldValueDuplicate metadata.taints[1]")

	changed := n.DeepCopy()
	changed.Spec.PodCIDRs = []string{"10.244.1.0/24"}
	checkErrs(t, ValidateNodeUpdate(changed, n), "FieldValueForbidden spec.podCIDRs")

	unset := n.DeepCopy()
	unset.Spec.PodCIDRs = nil
	set := unset.DeepCopy()
	set.Spec.PodCIDRs = []string{"10.244.1.0/24"}
	checkErrs(t, ValidateNodeUpdate(set, unset))
}

func TestEndpoints(t *testing.T) {
	ep := &corev1.Endpoints{ObjectMeta: meta("web", "ns"), Subsets: []corev1.EndpointSubset{{
		Addresses: []corev1.EndpointAddress{{IP: "10.0.0.1"}},
		Ports:     []corev1.EndpointPort{{Port: 80}},
	}}}
	DefaultEndpoints(ep)
	if ep.Subsets[0].Ports[0].Protocol != corev1.ProtocolTCP {
		t.Errorf("protocol not defaulted")
	}
	checkErrs(t, ValidateEndpoints(ep))
	bad := ep.DeepCopy()
	bad.Subsets = append(bad.Subsets, corev1.EndpointSubset{}, corev1.EndpointSubset{
		Addresses: []corev1.EndpointAddress{{IP: "127.0.0.1"}, {IP: "nope"}},
		Ports:     []corev1.EndpointPort{{Port: 80, Protocol: "TCP"}, {Name: "b", Port: 0, Protocol: "TCP"}},
	})
	checkErrs(t, ValidateEndpoints(bad),
		"FieldValueRequired subsets[1]",
		"FieldValueInvalid subsets[2].addresses[0].ip",
		"FieldValueInvalid subsets[2].addresses[1].ip",
		"FieldValueInvalid subsets[2].addresses[1].ip",
		"FieldValueRequired subsets[2].ports[0].name",
		"FieldValueInvalid subsets[2].ports[1].port")
}

func TestEvent(t *testing.T) {
	ok := &corev1.Event{ObjectMeta: meta("e", "ns"), InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "ns", Name: "p"}}
	checkErrs(t, ValidateEvent(ok))
	mismatch := ok.DeepCopy()
	mismatch.InvolvedObject.Namespace = "other"
	checkErrs(t, ValidateEvent(mismatch), "FieldValueInvalid involvedObject.namespace")
	newStyle := ok.DeepCopy()
	newStyle.EventTime = metav1.NowMicro()
	checkErrs(t, ValidateEvent(newStyle),
		// An empty qualified name fails two ways, as upstream reports.
		"FieldValueRequired reportingController", "FieldValueInvalid reportingController", "FieldValueInvalid reportingController",
		"FieldValueRequired reportingInstance", "FieldValueRequired action", "FieldValueRequired reason")
}

func TestPersistentVolume(t *testing.T) {
	pv := &corev1.PersistentVolume{ObjectMeta: meta("pv1", ""), Spec: corev1.PersistentVolumeSpec{
		Capacity:               rl("storage", "1Gi"),
		AccessModes:            []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
		PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/data"}},
	}}
	DefaultPersistentVolume(pv)
	if pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimRetain || *pv.Spec.VolumeMode != corev1.PersistentVolumeFilesystem || pv.Status.Phase != corev1.VolumePending {
		t.Errorf("defaults missing: %+v", pv.Spec)
	}
	checkErrs(t, ValidatePersistentVolume(pv))

	bad := &corev1.PersistentVolume{ObjectMeta: meta("pv1", ""), Spec: corev1.PersistentVolumeSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{"Sometimes"},
	}}
	checkErrs(t, ValidatePersistentVolume(bad),
		"FieldValueNotSupported spec.accessModes",
		"FieldValueRequired spec.capacity",
		"FieldValueNotSupported spec.capacity",
		"FieldValueRequired spec")

	changed := pv.DeepCopy()
	changed.Spec.HostPath.Path = "/other"
	checkErrs(t, ValidatePersistentVolumeUpdate(changed, pv), "FieldValueForbidden spec.persistentvolumesource")
}

func TestPersistentVolumeClaim(t *testing.T) {
	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: meta("data", "ns"), Spec: corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
		Resources:   corev1.VolumeResourceRequirements{Requests: rl("storage", "1Gi")},
	}}
	DefaultPersistentVolumeClaim(pvc)
	if *pvc.Spec.VolumeMode != corev1.PersistentVolumeFilesystem || pvc.Status.Phase != corev1.ClaimPending {
		t.Errorf("defaults missing")
	}
	checkErrs(t, ValidatePersistentVolumeClaim(pvc))
	checkErrs(t, ValidatePersistentVolumeClaim(&corev1.PersistentVolumeClaim{ObjectMeta: meta("data", "ns")}),
		"FieldValueRequired spec.accessModes", "FieldValueRequired spec.resources[storage]")

	grown := pvc.DeepCopy()
	grown.Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("2Gi")
	grown.Status.Phase = corev1.ClaimBound
	checkErrs(t, ValidatePersistentVolumeClaimUpdate(grown, pvc))

	reclassed := pvc.DeepCopy()
	reclassed.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}
	checkErrs(t, ValidatePersistentVolumeClaimUpdate(reclassed, pvc), "FieldValueForbidden spec")
}

func TestReplicationController(t *testing.T) {
	rc := &corev1.ReplicationController{ObjectMeta: metav1.ObjectMeta{Name: "rc", Namespace: "ns"}, Spec: corev1.ReplicationControllerSpec{
		Template: &corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx:1"}}},
		},
	}}
	DefaultReplicationController(rc)
	if *rc.Spec.Replicas != 1 || rc.Spec.Selector["app"] != "web" || rc.Labels["app"] != "web" {
		t.Errorf("defaults missing: %+v", rc.Spec)
	}
	if rc.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		t.Errorf("template not defaulted")
	}
	checkErrs(t, ValidateReplicationController(rc))

	bad := rc.DeepCopy()
	bad.Spec.Selector = map[string]string{"app": "other"}
	bad.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
	bad.Spec.Replicas = ptrTo(int32(-1))
	checkErrs(t, ValidateReplicationController(bad),
		"FieldValueInvalid spec.replicas",
		"FieldValueInvalid spec.template.metadata.labels",
		"FieldValueNotSupported spec.template.spec.restartPolicy")
}

func TestLimitRange(t *testing.T) {
	lr := &corev1.LimitRange{ObjectMeta: meta("lr", "ns"), Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
		Type: corev1.LimitTypeContainer, Max: rl("cpu", "2"), Min: rl("memory", "64Mi"),
	}}}}
	DefaultLimitRange(lr)
	item := lr.Spec.Limits[0]
	if diff := cmp.Diff(rl("cpu", "2"), item.Default); diff != "" {
		t.Errorf("default (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(rl("cpu", "2", "memory", "64Mi"), item.DefaultRequest); diff != "" {
		t.Errorf("defaultRequest (-want +got):\n%s", diff)
	}
	checkErrs(t, ValidateLimitRange(lr))

	bad := &corev1.LimitRange{ObjectMeta: meta("lr", "ns"), Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{
		{Type: corev1.LimitTypePod, Min: rl("cpu", "2"), Max: rl("cpu", "1"), Default: rl("cpu", "1")},
		{Type: "Bogus"},
	}}}
	checkErrs(t, ValidateLimitRange(bad),
		"FieldValueForbidden spec.limits[0].default",
		"FieldValueInvalid spec.limits[0].min[cpu]",
		"FieldValueInvalid spec.limits[1].type")
}

func TestResourceQuota(t *testing.T) {
	q := &corev1.ResourceQuota{ObjectMeta: meta("q", "ns"), Spec: corev1.ResourceQuotaSpec{Hard: rl("pods", "10", "requests.cpu", "4", "count/deployments.apps", "5")}}
	DefaultResourceQuota(q)
	checkErrs(t, ValidateResourceQuota(q))
	bad := &corev1.ResourceQuota{ObjectMeta: meta("q", "ns"), Spec: corev1.ResourceQuotaSpec{
		Hard:   rl("pods", "1.5", "bogus", "1", "memory", "-1"),
		Scopes: []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeBestEffort, corev1.ResourceQuotaScopeNotBestEffort},
	}}
	checkErrs(t, ValidateResourceQuota(bad),
		"FieldValueInvalid spec.hard[pods]",
		"FieldValueInvalid spec.hard[bogus]",
		"FieldValueInvalid spec.hard[bogus]",
		"FieldValueInvalid spec.hard[memory]",
		"FieldValueInvalid spec.scopes", // memory is not tracked under BestEffort
		"FieldValueInvalid spec.scopes") // BestEffort and NotBestEffort conflict

	scoped := q.DeepCopy()
	scoped.Spec.Scopes = []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeTerminating}
	scoped.Spec.Hard = rl("pods", "1")
	checkErrs(t, ValidateResourceQuotaUpdate(scoped, q), "FieldValueInvalid spec.scopes")
}
