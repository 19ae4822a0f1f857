package endpoints

import (
	"fmt"
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// IncludePod reports whether pod belongs in a Service's endpoints at all:
// it has an IP, has not finished (Succeeded or Failed), and is not being
// deleted unless includeTerminating.
func IncludePod(pod *corev1.Pod, includeTerminating bool) bool {
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return false
	}
	if pod.Status.PodIP == "" && len(pod.Status.PodIPs) == 0 {
		return false
	}
	return includeTerminating || pod.DeletionTimestamp == nil
}

// FindPort resolves a service port's targetPort on pod: a number is used
// as is; a name is looked up among the ports of the pod's containers and
// sidecar (restartPolicy Always) init containers with the same protocol.
func FindPort(pod *corev1.Pod, sp *corev1.ServicePort) (int32, error) {
	if sp.TargetPort.Type == intstr.Int {
		if sp.TargetPort.IntVal == 0 {
			return sp.Port, nil
		}
		return sp.TargetPort.IntVal, nil
	}
	name := sp.TargetPort.StrVal
	if name == "" {
		return sp.Port, nil
	}
	match := func(cs []corev1.Container, sidecarsOnly bool) (int32, bool) {
		for _, c := range cs {
			if sidecarsOnly && (c.RestartPolicy == nil || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways) {
				continue
			}
			for _, p := range c.Ports {
				proto := p.Protocol
				if proto == "" {
					proto = corev1.ProtocolTCP
				}
				if p.Name == name && proto == sp.Protocol {
					return p.ContainerPort, true
				}
			}
		}
		return 0, false
	}
	if n, ok := match(pod.Spec.Containers, false); ok {
		return n, nil
	}
	if n, ok := match(pod.Spec.InitContainers, true); ok {
		return n, nil
	}
	return 0, fmt.Errorf("pod %s/%s has no port named %q for protocol %s", pod.Namespace, pod.Name, name, sp.Protocol)
}

// SetHostname reports whether pod's hostname is published for svc: the
// pod names svc as its subdomain (in the same namespace) and has a
// hostname.
func SetHostname(pod *corev1.Pod, svc *corev1.Service) bool {
	return pod.Spec.Hostname != "" && pod.Spec.Subdomain == svc.Name && pod.Namespace == svc.Namespace
}

// PodIPs returns pod's IPs: status.podIPs, or status.podIP when the list
// is empty.
func PodIPs(pod *corev1.Pod) []string {
	if len(pod.Status.PodIPs) == 0 {
		if pod.Status.PodIP == "" {
			return nil
		}
		return []string{pod.Status.PodIP}
	}
	out := make([]string, 0, len(pod.Status.PodIPs))
	for _, ip := range pod.Status.PodIPs {
		out = append(out, ip.IP)
	}
	return out
}

// IsIPv6 reports whether s is an IPv6 address (false for IPv4 and for
// anything unparsable).
func IsIPv6(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && !a.Is4In6()
}

// IsHeadless reports whether svc has no cluster IP.
func IsHeadless(svc *corev1.Service) bool {
	return svc.Spec.ClusterIP == "" || svc.Spec.ClusterIP == corev1.ClusterIPNone
}

// serviceIPv6 reports whether the Endpoints controller should pick pods'
// IPv6 addresses for svc: by its primary IP family, else its cluster IP,
// else (headless without families) the pod's first IP.
func serviceIPv6(svc *corev1.Service, pod *corev1.Pod) bool {
	if len(svc.Spec.IPFamilies) > 0 {
		return svc.Spec.IPFamilies[0] == corev1.IPv6Protocol
	}
	if !IsHeadless(svc) {
		return IsIPv6(svc.Spec.ClusterIP)
	}
	ips := PodIPs(pod)
	return len(ips) > 0 && IsIPv6(ips[0])
}

// podAddress is pod's address for svc, or false when the pod has no IP of
// the service's family.
func podAddress(svc *corev1.Service, pod *corev1.Pod) (corev1.EndpointAddress, bool) {
	want6 := serviceIPv6(svc, pod)
	for _, ip := range PodIPs(pod) {
		if IsIPv6(ip) != want6 {
			continue
		}
		a := corev1.EndpointAddress{IP: ip, TargetRef: &corev1.ObjectReference{
			Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID,
		}}
		if pod.Spec.NodeName != "" {
			n := pod.Spec.NodeName
			a.NodeName = &n
		}
		if SetHostname(pod, svc) {
			a.Hostname = pod.Spec.Hostname
		}
		return a, true
	}
	return corev1.EndpointAddress{}, false
}
