package printers

import (
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// This file holds the small cluster-policy kinds: Lease, PriorityClass and
// PodDisruptionBudget.

func leasePrinter() Printer {
	return Printer{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			col("Holder", coordinationv1.LeaseSpec{}.SwaggerDoc()["holderIdentity"]),
			ageColumn(),
		},
		Row: rowOf(func(l *coordinationv1.Lease, now time.Time) []interface{} {
			holder := ""
			if l.Spec.HolderIdentity != nil {
				holder = *l.Spec.HolderIdentity
			}
			return []interface{}{l.Name, holder, age(l.CreationTimestamp, now)}
		}),
	}
}

// priorityClassPrinter: upstream gives PreemptionPolicy no wide priority,
// yet fills it only in wide output; server-side tables are always wide, so
// kubectl get shows it.
func priorityClassPrinter() Printer {
	doc := schedulingv1.PriorityClass{}.SwaggerDoc()
	return Printer{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			typed("Value", "integer", doc["value"]),
			typed("Global-Default", "boolean", doc["globalDefault"]),
			ageColumn(),
			col("PreemptionPolicy", doc["preemptionPolicy"]),
		},
		Row: rowOf(func(pc *schedulingv1.PriorityClass, now time.Time) []interface{} {
			preemption := ""
			if pc.PreemptionPolicy != nil {
				preemption = string(*pc.PreemptionPolicy)
			}
			return []interface{}{pc.Name, int64(pc.Value), pc.GlobalDefault, age(pc.CreationTimestamp, now), preemption}
		}),
	}
}

func podDisruptionBudgetPrinter() Printer {
	return Printer{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			col("Min Available", "The minimum number of pods that must be available."),
			col("Max Unavailable", "The maximum number of pods that may be unavailable."),
			typed("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time."),
			ageColumn(),
		},
		Row: rowOf(func(pdb *policyv1.PodDisruptionBudget, now time.Time) []interface{} {
			minAvailable, maxUnavailable := "N/A", "N/A"
			if pdb.Spec.MinAvailable != nil {
				minAvailable = pdb.Spec.MinAvailable.String()
			}
			if pdb.Spec.MaxUnavailable != nil {
				maxUnavailable = pdb.Spec.MaxUnavailable.String()
			}
			return []interface{}{pdb.Name, minAvailable, maxUnavailable, int64(pdb.Status.DisruptionsAllowed), age(pdb.CreationTimestamp, now)}
		}),
	}
}
