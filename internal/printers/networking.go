package printers

import (
	"strconv"
	"strings"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	discoveryv1beta1 "k8s.io/api/discovery/v1beta1"
	extensionsv1beta1 "k8s.io/api/extensions/v1beta1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func ingressPrinter() Printer {
	return Printer{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			col("Class", "The name of the IngressClass resource that should be used for additional configuration"),
			col("Hosts", "Hosts that incoming requests are matched against before the ingress rule"),
			col("Address", "Address is a list containing ingress points for the load-balancer"),
			col("Ports", "Ports of TLS configurations that open"),
			ageColumn(),
		},
		Row: rowOf(ingressRow),
	}
}

func ingressRow(in *networkingv1.Ingress, now time.Time) []interface{} {
	class := "<none>"
	if in.Spec.IngressClassName != nil {
		class = *in.Spec.IngressClassName
	}
	var points []string
	for _, p := range in.Status.LoadBalancer.Ingress {
		points = append(points, ingressPoint(p.IP, p.Hostname)...)
	}
	ports := "80"
	if len(in.Spec.TLS) != 0 {
		ports = "80, 443"
	}
	return []interface{}{
		in.Name, class, ingressHosts(in.Spec.Rules), strings.Join(sortedUnique(points), ","), ports,
		age(in.CreationTimestamp, now),
	}
}

// ingressHosts lists the first three hosts the rules name ("*" when none
// does); once three are listed, any further rule makes it say how many rules
// there are beyond three.
func ingressHosts(rules []networkingv1.IngressRule) string {
	const max = 3
	var hosts []string
	more := false
	for _, r := range rules {
		if len(hosts) == max {
			more = true
			break
		}
		if r.Host != "" {
			hosts = append(hosts, r.Host)
		}
	}
	if len(hosts) == 0 {
		return "*"
	}
	s := strings.Join(hosts, ",")
	if more {
		return s + " + " + strconv.Itoa(len(rules)-max) + " more..."
	}
	return s
}

func ingressClassPrinter() Printer {
	return Printer{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			col("Controller", "Controller that is responsible for handling this class"),
			col("Parameters", "A reference to a resource with additional parameters"),
			ageColumn(),
		},
		Row: rowOf(func(ic *networkingv1.IngressClass, now time.Time) []interface{} {
			params := "<none>"
			if p := ic.Spec.Parameters; p != nil {
				params = p.Kind
				if p.APIGroup != nil {
					params += "." + *p.APIGroup
				}
				params += "/" + p.Name
			}
			return []interface{}{ic.Name, ic.Spec.Controller, params, age(ic.CreationTimestamp, now)}
		}),
	}
}

func networkPolicyPrinter() Printer {
	return Printer{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			col("Pod-Selector", extensionsv1beta1.NetworkPolicySpec{}.SwaggerDoc()["podSelector"]),
			ageColumn(),
		},
		Row: rowOf(func(np *networkingv1.NetworkPolicy, now time.Time) []interface{} {
			return []interface{}{np.Name, metav1.FormatLabelSelector(&np.Spec.PodSelector), age(np.CreationTimestamp, now)}
		}),
	}
}

func endpointSlicePrinter() Printer {
	doc := discoveryv1beta1.EndpointSlice{}.SwaggerDoc()
	return Printer{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			col("AddressType", doc["addressType"]),
			col("Ports", doc["ports"]),
			col("Endpoints", doc["endpoints"]),
			ageColumn(),
		},
		Row: rowOf(func(es *discoveryv1.EndpointSlice, now time.Time) []interface{} {
			var ports []string
			for _, p := range es.Ports {
				switch {
				case p.Port != nil:
					ports = append(ports, strconv.Itoa(int(*p.Port)))
				case p.Name != nil:
					ports = append(ports, *p.Name)
				default:
					ports = append(ports, "*")
				}
			}
			var addresses []string
			for _, e := range es.Endpoints {
				addresses = append(addresses, e.Addresses...)
			}
			return []interface{}{
				es.Name, string(es.AddressType), unsetIfEmpty(firstN(ports, 3, ",")),
				unsetIfEmpty(firstN(addresses, 3, ",")), age(es.CreationTimestamp, now),
			}
		}),
	}
}

func unsetIfEmpty(s string) string {
	if s == "" {
		return "<unset>"
	}
	return s
}
