package policy

import "k8s.io/apimachinery/pkg/util/validation/field"

// errSummary renders errors as "Type path" for comparison.
func errSummary(errs field.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, string(e.Type)+" "+e.Field)
	}
	return out
}
