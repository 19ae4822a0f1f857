package app

import (
	"context"
	"fmt"
	"net"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/admission"
	"github.com/berth-dev/berth/internal/registry"
	"github.com/berth-dev/berth/internal/registry/scheduling"
)

// bootstrapManager owns the fields the server writes itself.
const bootstrapManager = "berth-apiserver"

// bootstrap creates what every cluster starts with: the system namespaces,
// the system priority classes, and the kubernetes Service with endpoints
// pointing at this server. It repairs Service allocations first.
func bootstrap(ctx context.Context, reg *registry.Registry, alloc *admission.ServiceAllocator, addr net.Addr) error {
	svcs, err := reg.Store(gvr("", "v1", "services")).List(ctx, "", &metav1.ListOptions{})
	if err != nil {
		return err
	}
	if err := alloc.Repair(ctx, svcs.(*corev1.ServiceList).Items); err != nil {
		return err
	}
	for _, ns := range []string{metav1.NamespaceDefault, metav1.NamespaceSystem, metav1.NamespacePublic, corev1.NamespaceNodeLease} {
		if err := ensure(ctx, reg, gvr("", "v1", "namespaces"), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			return err
		}
	}
	for _, pc := range scheduling.SystemPriorityClasses() {
		if err := ensure(ctx, reg, gvr("scheduling.k8s.io", "v1", "priorityclasses"), pc); err != nil {
			return err
		}
	}
	host, portStr, _ := net.SplitHostPort(addr.String())
	port, _ := strconv.Atoi(portStr)
	ip := endpointIP(host)
	labels := map[string]string{"component": "apiserver", "provider": "kubernetes"}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: metav1.NamespaceDefault, Labels: labels},
		Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeClusterIP, ClusterIP: alloc.FirstIP().String(),
			Ports:           []corev1.ServicePort{{Name: "https", Port: 443, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(int32(port))}},
			SessionAffinity: corev1.ServiceAffinityNone,
		},
	}
	if err := ensure(ctx, reg, gvr("", "v1", "services"), svc); err != nil {
		return err
	}
	ep := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: metav1.NamespaceDefault, Labels: map[string]string{"endpointslice.kubernetes.io/skip-mirror": "true"}},
		Subsets: []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{{IP: ip}},
			Ports:     []corev1.EndpointPort{{Name: "https", Port: int32(port), Protocol: corev1.ProtocolTCP}},
		}},
	}
	if err := upsert(ctx, reg, gvr("", "v1", "endpoints"), ep); err != nil {
		return err
	}
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: metav1.NamespaceDefault,
			Labels: map[string]string{discoveryv1.LabelServiceName: "kubernetes"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{ip}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)}}},
		Ports:       []discoveryv1.EndpointPort{{Name: ptr.To("https"), Port: ptr.To(int32(port)), Protocol: ptr.To(corev1.ProtocolTCP)}},
	}
	return upsert(ctx, reg, gvr("discovery.k8s.io", "v1", "endpointslices"), slice)
}

func gvr(g, v, r string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: g, Version: v, Resource: r}
}

// ensure creates obj unless it exists.
func ensure(ctx context.Context, reg *registry.Registry, res schema.GroupVersionResource, obj runtime.Object) error {
	_, err := reg.Store(res).Create(ctx, obj, registry.WriteOptions{FieldManager: bootstrapManager})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create %s: %w", res.Resource, err)
	}
	return nil
}

// upsert creates obj or replaces the stored one with it.
func upsert(ctx context.Context, reg *registry.Registry, res schema.GroupVersionResource, obj runtime.Object) error {
	m := obj.(metav1.Object)
	_, _, err := reg.Store(res).Update(ctx, m.GetNamespace(), m.GetName(),
		func(_ context.Context, old runtime.Object) (runtime.Object, error) {
			out := obj.DeepCopyObject()
			if old != nil {
				om := old.(metav1.Object)
				nm := out.(metav1.Object)
				nm.SetUID(om.GetUID())
				nm.SetCreationTimestamp(om.GetCreationTimestamp())
			}
			return out, nil
		}, registry.WriteOptions{FieldManager: bootstrapManager, CreateOnMissing: true})
	if err != nil {
		return fmt.Errorf("update %s: %w", res.Resource, err)
	}
	return nil
}

// endpointIP is the address pods use to reach this server: the bind
// address if specific, else the host's first global unicast IPv4 address.
func endpointIP(host string) string {
	if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() && !ip.IsLoopback() {
		return ip.String()
	}
	addrs, err := net.InterfaceAddrs()
	if err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && n.IP.IsGlobalUnicast() {
				return n.IP.String()
			}
		}
	}
	return "127.0.0.1"
}
