package printers

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/duration"
)

// Printer renders one kind as table rows.
type Printer struct {
	// Columns describes the cells of every row, in order. Columns with
	// Priority 1 are shown by kubectl only with -o wide.
	Columns []metav1.TableColumnDefinition
	// Row returns the cells for obj, one per column, in Columns order. Cells
	// are string, int64, bool or float64 values, as upstream prints them.
	// Ages and durations are measured up to now. Row returns an error when
	// obj is not of the printer's kind. It is safe for concurrent use.
	Row func(obj runtime.Object, now time.Time) ([]interface{}, error)
}

// ForKinds returns the printers of every kind that has one, keyed by group
// and kind. Kinds that upstream prints with its default table (LimitRange,
// Role, ClusterRole) map to Default. A kind missing from the map should be
// printed with Default.
func ForKinds() map[schema.GroupKind]Printer {
	m := map[schema.GroupKind]Printer{}
	add := func(group, kind string, p Printer) {
		gk := schema.GroupKind{Group: group, Kind: kind}
		if _, dup := m[gk]; dup {
			panic(fmt.Sprintf("printers: duplicate printer for %s", gk))
		}
		m[gk] = p
	}

	// core
	add("", "Pod", podPrinter())
	add("", "PodTemplate", podTemplatePrinter())
	add("", "Node", nodePrinter())
	add("", "Namespace", namespacePrinter())
	add("", "Service", servicePrinter())
	add("", "Endpoints", endpointsPrinter())
	add("", "ReplicationController", replicationControllerPrinter())
	add("", "ConfigMap", configMapPrinter())
	add("", "Secret", secretPrinter())
	add("", "ServiceAccount", serviceAccountPrinter())
	add("", "Event", eventPrinter())
	add("", "PersistentVolume", persistentVolumePrinter())
	add("", "PersistentVolumeClaim", persistentVolumeClaimPrinter())
	add("", "ResourceQuota", resourceQuotaPrinter())
	add("", "LimitRange", Default())

	// apps
	add("apps", "Deployment", deploymentPrinter())
	add("apps", "ReplicaSet", replicaSetPrinter())
	add("apps", "StatefulSet", statefulSetPrinter())
	add("apps", "DaemonSet", daemonSetPrinter())
	add("apps", "ControllerRevision", controllerRevisionPrinter())

	// batch
	add("batch", "Job", jobPrinter())
	add("batch", "CronJob", cronJobPrinter())

	// events.k8s.io: the same storage and table as core events upstream.
	add("events.k8s.io", "Event", eventsV1Printer())

	// networking and discovery
	add("networking.k8s.io", "Ingress", ingressPrinter())
	add("networking.k8s.io", "IngressClass", ingressClassPrinter())
	add("networking.k8s.io", "NetworkPolicy", networkPolicyPrinter())
	add("discovery.k8s.io", "EndpointSlice", endpointSlicePrinter())

	// storage
	add("storage.k8s.io", "StorageClass", storageClassPrinter())

	// cluster services
	add("coordination.k8s.io", "Lease", leasePrinter())
	add("scheduling.k8s.io", "PriorityClass", priorityClassPrinter())
	add("policy", "PodDisruptionBudget", podDisruptionBudgetPrinter())
	add("autoscaling", "HorizontalPodAutoscaler", horizontalPodAutoscalerPrinter())

	// rbac
	add("rbac.authorization.k8s.io", "RoleBinding", roleBindingPrinter())
	add("rbac.authorization.k8s.io", "ClusterRoleBinding", clusterRoleBindingPrinter())
	add("rbac.authorization.k8s.io", "Role", Default())
	add("rbac.authorization.k8s.io", "ClusterRole", Default())

	return m
}

// Default is upstream's fallback table: the object's name and its creation
// time in RFC 3339, in UTC.
func Default() Printer {
	return Printer{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			{Name: "Created At", Type: "date", Description: objectMetaDoc["creationTimestamp"]},
		},
		Row: func(obj runtime.Object, _ time.Time) ([]interface{}, error) {
			m, err := meta.Accessor(obj)
			if err != nil {
				return nil, fmt.Errorf("print %T: %w", obj, err)
			}
			return []interface{}{m.GetName(), m.GetCreationTimestamp().UTC().Format(time.RFC3339)}, nil
		},
	}
}

// objectMetaDoc holds the field docs upstream uses for the Name and Age
// columns.
var objectMetaDoc = metav1.ObjectMeta{}.SwaggerDoc()

func nameColumn() metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name", Description: objectMetaDoc["name"]}
}

func ageColumn() metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: "Age", Type: "string", Description: objectMetaDoc["creationTimestamp"]}
}

// col is a string column shown without -o wide.
func col(name, description string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: "string", Description: description}
}

// typed is col with another type ("integer", "boolean").
func typed(name, typ, description string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Description: description}
}

// wide is a string column shown only with -o wide.
func wide(name, description string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: "string", Priority: 1, Description: description}
}

// containerColumns are the wide Containers and Images columns of the
// workload kinds.
func containerColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		wide("Containers", "Names of each container in the template."),
		wide("Images", "Images referenced by each container in the template."),
	}
}

// columns joins column lists.
func columns(groups ...[]metav1.TableColumnDefinition) []metav1.TableColumnDefinition {
	var all []metav1.TableColumnDefinition
	for _, g := range groups {
		all = append(all, g...)
	}
	return all
}

// rowOf adapts a row function of one concrete type to Printer.Row.
func rowOf[T runtime.Object](f func(obj T, now time.Time) []interface{}) func(runtime.Object, time.Time) ([]interface{}, error) {
	return func(obj runtime.Object, now time.Time) ([]interface{}, error) {
		o, ok := obj.(T)
		if !ok {
			var want T
			return nil, fmt.Errorf("print %T: printer expects %T", obj, want)
		}
		return f(o, now), nil
	}
}

// age is how long before now t was, as kubectl shows it, or "<unknown>"
// for an unset time.
func age(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

// microAge is age for a MicroTime.
func microAge(t metav1.MicroTime, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

// containerCells lists the names and the images of containers, comma
// separated.
func containerCells(containers []corev1.Container) (names, images string) {
	n := make([]string, len(containers))
	im := make([]string, len(containers))
	for i, c := range containers {
		n[i], im[i] = c.Name, c.Image
	}
	return strings.Join(n, ","), strings.Join(im, ",")
}

// boolPtr prints an optional flag as "True", "False" or "<unset>".
func boolPtr(b *bool) string {
	switch {
	case b == nil:
		return "<unset>"
	case *b:
		return "True"
	default:
		return "False"
	}
}

// int32Or returns *p, or 0 when p is nil (as conversion to the internal
// types upstream prints from does).
func int32Or(p *int32) int64 {
	if p == nil {
		return 0
	}
	return int64(*p)
}

// firstN joins the first n of items with sep and says how many were left
// out, as upstream abbreviates long lists: "a,b,c + 2 more...".
func firstN(items []string, n int, sep string) string {
	if len(items) <= n {
		return strings.Join(items, sep)
	}
	return fmt.Sprintf("%s + %d more...", strings.Join(items[:n], sep), len(items)-n)
}

// sortedUnique returns the distinct values of items in order.
func sortedUnique(items []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range items {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
