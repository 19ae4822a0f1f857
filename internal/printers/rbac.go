package printers

import (
	"strings"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	rbacv1beta1 "k8s.io/api/rbac/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Roles and ClusterRoles have no printer upstream; ForKinds maps them to
// Default.

func roleBindingPrinter() Printer {
	return Printer{
		Columns: bindingColumns(rbacv1beta1.RoleBinding{}.SwaggerDoc()["roleRef"], "roleBinding"),
		Row: rowOf(func(b *rbacv1.RoleBinding, now time.Time) []interface{} {
			return bindingRow(b.Name, b.RoleRef, b.Subjects, b.CreationTimestamp, now)
		}),
	}
}

func clusterRoleBindingPrinter() Printer {
	return Printer{
		Columns: bindingColumns(rbacv1beta1.ClusterRoleBinding{}.SwaggerDoc()["roleRef"], "clusterRoleBinding"),
		Row: rowOf(func(b *rbacv1.ClusterRoleBinding, now time.Time) []interface{} {
			return bindingRow(b.Name, b.RoleRef, b.Subjects, b.CreationTimestamp, now)
		}),
	}
}

// bindingColumns are the columns of a binding kind; noun names it in the
// descriptions of the subject columns.
func bindingColumns(roleRefDoc, noun string) []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		nameColumn(),
		col("Role", roleRefDoc),
		ageColumn(),
		wide("Users", "Users in the "+noun),
		wide("Groups", "Groups in the "+noun),
		wide("ServiceAccounts", "ServiceAccounts in the "+noun),
	}
}

// bindingRow shows the role as Kind/name and the subjects by kind;
// service accounts as namespace/name.
func bindingRow(name string, ref rbacv1.RoleRef, subjects []rbacv1.Subject, created metav1.Time, now time.Time) []interface{} {
	var users, groups, sas []string
	for _, s := range subjects {
		switch s.Kind {
		case rbacv1.ServiceAccountKind:
			sas = append(sas, s.Namespace+"/"+s.Name)
		case rbacv1.UserKind:
			users = append(users, s.Name)
		case rbacv1.GroupKind:
			groups = append(groups, s.Name)
		}
	}
	return []interface{}{
		name, ref.Kind + "/" + ref.Name, age(created, now),
		strings.Join(users, ", "), strings.Join(groups, ", "), strings.Join(sas, ", "),
	}
}
