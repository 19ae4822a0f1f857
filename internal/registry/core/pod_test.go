package core

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestDefaultPod(t *testing.T) {
	pod := newPod("p").
		container("app", "nginx").
		with(func(c *corev1.Container) {
			c.Ports = []corev1.ContainerPort{{ContainerPort: 80}}
			c.Resources.Limits = rl("cpu", "500m", "memory", "128Mi")
			c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(80)}}}
			c.Env = []corev1.EnvVar{{Name: "NODE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}}}
		}).
		volume("cfg", corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "c"}}}).
		volume("scratch", corev1.VolumeSource{}).
		volume("host", corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var"}}).
		defaulted()

	want := newPod("p").container("app", "nginx").obj()
	c := &want.Spec.Containers[0]
	c.ImagePullPolicy = corev1.PullAlways
	c.TerminationMessagePath = "/dev/termination-log"
	c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	c.Ports = []corev1.ContainerPort{{ContainerPort: 80, Protocol: corev1.ProtocolTCP}}
	c.Resources = corev1.ResourceRequirements{Limits: rl("cpu", "500m", "memory", "128Mi"), Requests: rl("cpu", "500m", "memory", "128Mi")}
	c.LivenessProbe = &corev1.Probe{
		ProbeHandler:   corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(80), Path: "/", Scheme: corev1.URISchemeHTTP}},
		TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3,
	}
	c.Env = []corev1.EnvVar{{Name: "NODE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "spec.nodeName"}}}}
	want.Spec.Volumes = []corev1.Volume{
		{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "c"}, DefaultMode: ptrTo(int32(0644))}}},
		{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var", Type: ptrTo(corev1.HostPathUnset)}}},
	}
	want.Spec.RestartPolicy = corev1.RestartPolicyAlways
	want.Spec.DNSPolicy = corev1.DNSClusterFirst
	want.Spec.TerminationGracePeriodSeconds = ptrTo(int64(30))
	want.Spec.SchedulerName = "default-scheduler"
	want.Spec.SecurityContext = &corev1.PodSecurityContext{}
	want.Spec.EnableServiceLinks = ptrTo(true)

	if diff := cmp.Diff(want, pod); diff != "" {
		t.Errorf("DefaultPod (-want +got):\n%s", diff)
	}
	again := pod.DeepCopy()
	DefaultPod(again)
	if diff := cmp.Diff(pod, again); diff != "" {
		t.Errorf("DefaultPod not idempotent (-once +twice):\n%s", diff)
	}
}

func TestDefaultPullPolicy(t *testing.T) {
	for image, want := range map[string]corev1.PullPolicy{
		"nginx":                     corev1.PullAlways,
		"nginx:latest":              corev1.PullAlways,
		"nginx:1.27":                corev1.PullIfNotPresent,
		"registry:5000/team/app":    corev1.PullAlways,
		"registry:5000/team/app:v1": corev1.PullIfNotPresent,
		"nginx@sha256:" + strings.Repeat("a", 64): corev1.PullIfNotPresent,
		"Nginx": corev1.PullIfNotPresent,
		"":      corev1.PullIfNotPresent,
	} {
		if got := defaultPullPolicy(image); got != want {
			t.Errorf("defaultPullPolicy(%q) = %s, want %s", image, got, want)
		}
	}
}

func TestDefaultPodTemplateSpecSkipsPodOnlyDefaults(t *testing.T) {
	tmpl := &corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "c", Image: "busybox:1", Resources: corev1.ResourceRequirements{Limits: rl("cpu", "1")}}}}}
	DefaultPodTemplateSpec(tmpl)
	if tmpl.Spec.EnableServiceLinks != nil {
		t.Errorf("enableServiceLinks defaulted on a template")
	}
	if tmpl.Spec.Containers[0].Resources.Requests != nil {
		t.Errorf("requests defaulted from limits on a template")
	}
	if tmpl.Spec.RestartPolicy != corev1.RestartPolicyAlways || tmpl.Spec.Containers[0].ImagePullPolicy != corev1.PullIfNotPresent {
		t.Errorf("PodSpec defaults missing: %+v", tmpl.Spec)
	}
}

func validPod() *podBuilder {
	return newPod("p").container("app", "nginx:1.27")
}

func TestValidatePod(t *testing.T) {
	cases := []struct {
		name string
		pod  *corev1.Pod
		want []string
	}{
		{"valid", validPod().defaulted(), nil},
		{"missing image", newPod("p").container("app", "").defaulted(),
			[]string{"FieldValueRequired spec.containers[0].image"}},
		{"bad name", newPod("Foo").container("app", "x").defaulted(),
			[]string{"FieldValueInvalid metadata.name"}},
		{"no containers", newPod("p").defaulted(), []string{"FieldValueRequired spec.containers"}},
		{"duplicate container names", validPod().container("app", "x").initContainer("app", "y").defaulted(),
			[]string{"FieldValueDuplicate spec.containers[1].name", "FieldValueDuplicate spec.initContainers[0].name"}},
		{"container name not a DNS label", newPod("p").container("App_1", "x").defaulted(),
			[]string{"FieldValueInvalid spec.containers[0].name"}},
		{"ports", validPod().with(func(c *corev1.Container) {
			c.Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 80}, {Name: "http", ContainerPort: 70000}, {ContainerPort: 0, Protocol: "ICMP"}}
		}).defaulted(), []string{
			"FieldValueDuplicate spec.containers[0].ports[1].name",
			"FieldValueInvalid spec.containers[0].ports[1].containerPort",
			"FieldValueRequired spec.containers[0].ports[2].containerPort",
			"FieldValueNotSupported spec.containers[0].ports[2].protocol",
		}},
		{"env", validPod().with(func(c *corev1.Container) {
			c.Env = []corev1.EnvVar{
				{Name: ""},
				{Name: "A", Value: "x", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "s"}, Key: "k"}}},
				{Name: "B", ValueFrom: &corev1.EnvVarSource{}},
				{Name: "C", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.bogus"}}},
			}
			c.EnvFrom = []corev1.EnvFromSource{{Prefix: "P_"}}
		}).defaulted(), []string{
			"FieldValueRequired spec.containers[0].env[0].name",
			"FieldValueInvalid spec.containers[0].env[1].valueFrom",
			"FieldValueInvalid spec.containers[0].env[2].valueFrom",
			"FieldValueNotSupported spec.containers[0].env[3].valueFrom.fieldRef.fieldPath",
			"FieldValueInvalid spec.containers[0].envFrom",
		}},
		{"volumes and mounts", validPod().
			volume("data", corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}).
			volume("data", corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}).
			volume("two", corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}, HostPath: &corev1.HostPathVolumeSource{Path: "/x"}}).
			volume("sec", corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{DefaultMode: ptrTo(int32(01000))}}).
			with(func(c *corev1.Container) {
				c.VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/d"}, {Name: "missing", MountPath: "/d"}, {Name: "data"}}
			}).defaulted(), []string{
			"FieldValueDuplicate spec.volumes[1].name",
			"FieldValueForbidden spec.volumes[2].hostPath",
			"FieldValueRequired spec.volumes[3].secret.secretName",
			"FieldValueInvalid spec.volumes[3].secret.defaultMode",
			"FieldValueNotFound spec.containers[0].volumeMounts[1].name",
			"FieldValueInvalid spec.containers[0].volumeMounts[1].mountPath",
			"FieldValueRequired spec.containers[0].volumeMounts[2].mountPath",
		}},
		{"resources", validPod().with(func(c *corev1.Container) {
			c.Resources = corev1.ResourceRequirements{Requests: rl("cpu", "2", "memory", "-1"), Limits: rl("cpu", "1", "bogus", "1")}
		}).obj(), []string{
			"FieldValueInvalid spec.containers[0].resources.requests",
			"FieldValueInvalid spec.containers[0].resources.requests[memory]",
			"FieldValueInvalid spec.containers[0].resources.limits[bogus]", // not standard, and
			"FieldValueInvalid spec.containers[0].resources.limits[bogus]", // not for containers
			"FieldValueRequired spec.containers[0].imagePullPolicy",
			"FieldValueRequired spec.containers[0].terminationMessagePolicy",
			"FieldValueRequired spec.dnsPolicy",
			"FieldValueRequired spec.restartPolicy",
			"FieldValueRequired spec.terminationGracePeriodSeconds",
		}},
		{"probes", validPod().with(func(c *corev1.Container) {
			c.LivenessProbe = &corev1.Probe{SuccessThreshold: 2}
			c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
				Exec: &corev1.ExecAction{Command: []string{"true"}}, TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(1)}}}
		}).defaulted(), []string{
			"FieldValueRequired spec.containers[0].livenessProbe",
			"FieldValueInvalid spec.containers[0].livenessProbe.successThreshold",
			"FieldValueForbidden spec.containers[0].readinessProbe.tcpSocket",
		}},
		{"pod-level fields", validPod().spec(func(s *corev1.PodSpec) {
			s.RestartPolicy = "Sometimes"
			s.DNSPolicy = "Bogus"
			s.NodeSelector = map[string]string{"bad key!": "v"}
			s.Hostname = "Bad_Host"
			s.Subdomain = "sub.domain"
			s.TerminationGracePeriodSeconds = ptrTo(int64(30))
			s.ActiveDeadlineSeconds = ptrTo(int64(0))
			s.Tolerations = []corev1.Toleration{
				{Operator: corev1.TolerationOpEqual, Value: "x"},
				{Key: "k", Operator: corev1.TolerationOpExists, Value: "v"},
				{Key: "k", TolerationSeconds: ptrTo(int64(5)), Effect: corev1.TaintEffectNoSchedule},
				{Key: "k", Effect: "Sometimes"},
			}
			s.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{},
			}}
		}).defaulted(), []string{
			"FieldValueNotSupported spec.restartPolicy",
			"FieldValueNotSupported spec.dnsPolicy",
			"FieldValueInvalid spec.nodeSelector",
			"FieldValueInvalid spec.hostname",
			"FieldValueInvalid spec.subdomain",
			"FieldValueInvalid spec.activeDeadlineSeconds",
			"FieldValueInvalid spec.tolerations[0].operator",
			"FieldValueInvalid spec.tolerations[1].operator",
			"FieldValueInvalid spec.tolerations[2].effect",
			"FieldValueNotSupported spec.tolerations[3].effect",
			"FieldValueRequired spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
		}},
		{"ephemeral containers on create", validPod().spec(func(s *corev1.PodSpec) {
			s.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
				Name: "debug", Image: "busybox", ImagePullPolicy: corev1.PullAlways, TerminationMessagePolicy: corev1.TerminationMessageReadFile}}}
		}).defaulted(), []string{"FieldValueForbidden spec.ephemeralContainers"}},
		{"negative grace period is allowed", validPod().spec(func(s *corev1.PodSpec) { s.TerminationGracePeriodSeconds = ptrTo(int64(-1)) }).defaulted(), nil},
		{"host network ports must match", validPod().spec(func(s *corev1.PodSpec) {
			s.HostNetwork = true
			s.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 81}}
		}).defaulted(), []string{"FieldValueInvalid spec.containers[0].ports[0].hostPort"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrs(t, ValidatePod(tc.pod), tc.want...)
		})
	}
}

func TestValidatePodMessages(t *testing.T) {
	errs := ValidatePod(newPod("Foo").container("app", "").defaulted())
	got := errs.ToAggregate().Error()
	for _, want := range []string{
		`metadata.name: Invalid value: "Foo": a lowercase RFC 1123 subdomain must consist of`,
		`spec.containers[0].image: Required value`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("error %q does not contain %q", got, want)
		}
	}
}

func TestValidatePodUpdate(t *testing.T) {
	base := func() *corev1.Pod {
		p := validPod().spec(func(s *corev1.PodSpec) {
			s.ActiveDeadlineSeconds = ptrTo(int64(100))
			s.Tolerations = []corev1.Toleration{{Key: "a", Operator: corev1.TolerationOpExists}}
		}).defaulted()
		p.ResourceVersion = "1"
		return p
	}
	cases := []struct {
		name   string
		mutate func(p *corev1.Pod)
		want   []string
	}{
		{"image change", func(p *corev1.Pod) { p.Spec.Containers[0].Image = "nginx:1.28" }, nil},
		{"deadline decrease", func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptrTo(int64(50)) }, nil},
		{"deadline increase", func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptrTo(int64(500)) },
			[]string{"FieldValueInvalid spec.activeDeadlineSeconds"}},
		{"deadline removed", func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = nil },
			[]string{"FieldValueInvalid spec.activeDeadlineSeconds"}},
		{"toleration added", func(p *corev1.Pod) {
			p.Spec.Tolerations = append(p.Spec.Tolerations, corev1.Toleration{Key: "b", Operator: corev1.TolerationOpExists})
		}, nil},
		{"toleration removed", func(p *corev1.Pod) { p.Spec.Tolerations = nil },
			[]string{"FieldValueForbidden spec.tolerations"}},
		{"container added", func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, p.Spec.Containers[0])
			p.Spec.Containers[1].Name = "two"
		}, []string{"FieldValueForbidden spec.containers"}},
		{"restart policy changed", func(p *corev1.Pod) { p.Spec.RestartPolicy = corev1.RestartPolicyNever },
			[]string{"FieldValueForbidden spec"}},
		{"name changed", func(p *corev1.Pod) { p.Name = "other" },
			[]string{"FieldValueInvalid metadata.name"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := base()
			pod := old.DeepCopy()
			tc.mutate(pod)
			checkErrs(t, ValidatePodUpdate(pod, old), tc.want...)
		})
	}

	old := base()
	pod := old.DeepCopy()
	pod.Spec.RestartPolicy = corev1.RestartPolicyNever
	errs := ValidatePodUpdate(pod, old)
	const prefix = "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n"
	if len(errs) != 1 || !strings.HasPrefix(errs[0].Detail, prefix) {
		t.Errorf("forbidden update detail = %q, want prefix %q", errs, prefix)
	}
}

func TestValidatePodStatusUpdate(t *testing.T) {
	old := validPod().defaulted()
	old.ResourceVersion = "1"
	old.Spec.RestartPolicy = corev1.RestartPolicyNever
	old.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{}}}}

	pod := old.DeepCopy()
	pod.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.1"}, {IP: "fd00::1"}}
	checkErrs(t, ValidatePodStatusUpdate(pod, old))

	pod = old.DeepCopy()
	pod.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.1"}, {IP: "10.0.0.2"}}
	pod.Status.ContainerStatuses[0].State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	pod.Status.QOSClass = corev1.PodQOSBestEffort
	checkErrs(t, ValidatePodStatusUpdate(pod, old),
		"FieldValueInvalid status.podIPs",
		"FieldValueForbidden status.containerStatuses[0].state",
		"FieldValueInvalid status.qosClass")
}

func TestValidatePodTemplateSpec(t *testing.T) {
	tmpl := &corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x", Ports: []corev1.ContainerPort{{ContainerPort: 80}}}}, HostNetwork: true},
	}
	DefaultPodTemplateSpec(tmpl)
	// Templates may leave hostPort unset under hostNetwork.
	checkErrs(t, ValidatePodTemplateSpec(tmpl, field.NewPath("spec", "template")))

	tmpl.Spec.Containers[0].Image = ""
	tmpl.Labels["bad key!"] = "x"
	checkErrs(t, ValidatePodTemplateSpec(tmpl, field.NewPath("spec", "template")),
		"FieldValueInvalid spec.template.labels",
		"FieldValueRequired spec.template.spec.containers[0].image")
}

func TestPodTemplate(t *testing.T) {
	pt := &corev1.PodTemplate{ObjectMeta: metav1.ObjectMeta{Name: "t", Namespace: "ns"},
		Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}}}}
	DefaultPodTemplate(pt)
	checkErrs(t, ValidatePodTemplate(pt))
	old := pt.DeepCopy()
	old.ResourceVersion = "1"
	pt.ResourceVersion = "1"
	pt.Template.Spec.Containers[0].Image = ""
	checkErrs(t, ValidatePodTemplateUpdate(pt, old), "FieldValueRequired template.spec.containers[0].image")
}

func TestResourceRounding(t *testing.T) {
	pod := validPod().with(func(c *corev1.Container) { c.Resources.Requests = rl("cpu", "0.0001") }).defaulted()
	got := pod.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU]
	if want := resource.MustParse("1m"); got.Cmp(want) != 0 {
		t.Errorf("cpu request rounded to %s, want 1m", got.String())
	}
}
