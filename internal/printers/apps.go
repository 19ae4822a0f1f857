package printers

import (
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	appsv1beta1 "k8s.io/api/apps/v1beta1"
	corev1 "k8s.io/api/core/v1"
	extensionsv1beta1 "k8s.io/api/extensions/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Upstream takes several workload column descriptions from the
// extensions/v1beta1 field docs; so do we, to print the same text.

func deploymentPrinter() Printer {
	status := extensionsv1beta1.DeploymentStatus{}.SwaggerDoc()
	return Printer{
		Columns: columns(
			[]metav1.TableColumnDefinition{
				nameColumn(),
				col("Ready", "Number of the pod with ready state"),
				col("Up-to-date", status["updatedReplicas"]),
				col("Available", status["availableReplicas"]),
				ageColumn(),
			},
			containerColumns(),
			[]metav1.TableColumnDefinition{wide("Selector", extensionsv1beta1.DeploymentSpec{}.SwaggerDoc()["selector"])},
		),
		Row: rowOf(func(d *appsv1.Deployment, now time.Time) []interface{} {
			selector := "<invalid>"
			if s, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err == nil {
				selector = s.String()
			}
			names, images := containerCells(d.Spec.Template.Spec.Containers)
			return []interface{}{
				d.Name,
				fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, int32Or(d.Spec.Replicas)),
				int64(d.Status.UpdatedReplicas),
				int64(d.Status.AvailableReplicas),
				age(d.CreationTimestamp, now),
				names, images, selector,
			}
		}),
	}
}

func replicaSetPrinter() Printer {
	spec, status := extensionsv1beta1.ReplicaSetSpec{}.SwaggerDoc(), extensionsv1beta1.ReplicaSetStatus{}.SwaggerDoc()
	return Printer{
		Columns: columns(
			[]metav1.TableColumnDefinition{
				nameColumn(),
				typed("Desired", "integer", spec["replicas"]),
				typed("Current", "integer", status["replicas"]),
				typed("Ready", "integer", status["readyReplicas"]),
				ageColumn(),
			},
			containerColumns(),
			[]metav1.TableColumnDefinition{wide("Selector", spec["selector"])},
		),
		Row: rowOf(func(rs *appsv1.ReplicaSet, now time.Time) []interface{} {
			names, images := containerCells(rs.Spec.Template.Spec.Containers)
			return []interface{}{
				rs.Name, int32Or(rs.Spec.Replicas), int64(rs.Status.Replicas), int64(rs.Status.ReadyReplicas),
				age(rs.CreationTimestamp, now),
				names, images, metav1.FormatLabelSelector(rs.Spec.Selector),
			}
		}),
	}
}

func statefulSetPrinter() Printer {
	return Printer{
		Columns: columns(
			[]metav1.TableColumnDefinition{
				nameColumn(),
				col("Ready", "Number of the pod with ready state"),
				ageColumn(),
			},
			containerColumns(),
		),
		Row: rowOf(func(ss *appsv1.StatefulSet, now time.Time) []interface{} {
			names, images := containerCells(ss.Spec.Template.Spec.Containers)
			return []interface{}{
				ss.Name,
				fmt.Sprintf("%d/%d", ss.Status.ReadyReplicas, int32Or(ss.Spec.Replicas)),
				age(ss.CreationTimestamp, now),
				names, images,
			}
		}),
	}
}

func daemonSetPrinter() Printer {
	status := extensionsv1beta1.DaemonSetStatus{}.SwaggerDoc()
	return Printer{
		Columns: columns(
			[]metav1.TableColumnDefinition{
				nameColumn(),
				typed("Desired", "integer", status["desiredNumberScheduled"]),
				typed("Current", "integer", status["currentNumberScheduled"]),
				typed("Ready", "integer", status["numberReady"]),
				typed("Up-to-date", "integer", status["updatedNumberScheduled"]),
				typed("Available", "integer", status["numberAvailable"]),
				col("Node Selector", corev1.PodSpec{}.SwaggerDoc()["nodeSelector"]),
				ageColumn(),
			},
			containerColumns(),
			[]metav1.TableColumnDefinition{wide("Selector", extensionsv1beta1.DaemonSetSpec{}.SwaggerDoc()["selector"])},
		),
		Row: rowOf(func(ds *appsv1.DaemonSet, now time.Time) []interface{} {
			s := ds.Status
			names, images := containerCells(ds.Spec.Template.Spec.Containers)
			return []interface{}{
				ds.Name,
				int64(s.DesiredNumberScheduled), int64(s.CurrentNumberScheduled), int64(s.NumberReady),
				int64(s.UpdatedNumberScheduled), int64(s.NumberAvailable),
				labels.FormatLabels(ds.Spec.Template.Spec.NodeSelector),
				age(ds.CreationTimestamp, now),
				names, images, metav1.FormatLabelSelector(ds.Spec.Selector),
			}
		}),
	}
}

func controllerRevisionPrinter() Printer {
	return Printer{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			col("Controller", "Controller of the object"),
			col("Revision", appsv1beta1.ControllerRevision{}.SwaggerDoc()["revision"]),
			ageColumn(),
		},
		Row: controllerRevisionRow,
	}
}

// controllerRevisionRow names the owning controller as kind.group/name,
// lower-cased; an unparsable owner API version is an error, as upstream.
func controllerRevisionRow(obj runtime.Object, now time.Time) ([]interface{}, error) {
	cr, ok := obj.(*appsv1.ControllerRevision)
	if !ok {
		return nil, fmt.Errorf("print %T: printer expects %T", obj, cr)
	}
	controller := "<none>"
	if ref := metav1.GetControllerOf(cr); ref != nil {
		gv, err := schema.ParseGroupVersion(ref.APIVersion)
		if err != nil {
			return nil, fmt.Errorf("print controllerrevision %q: owner: %w", cr.Name, err)
		}
		controller = ref.Name
		if gk := gv.WithKind(ref.Kind).GroupKind(); !gk.Empty() {
			controller = strings.ToLower(gk.String()) + "/" + ref.Name
		}
	}
	return []interface{}{cr.Name, controller, cr.Revision, age(cr.CreationTimestamp, now)}, nil
}
