package endpoints

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

func TestRepack(t *testing.T) {
	a, b, c := addr("a", "10.0.0.1"), addr("b", "10.0.0.2"), addr("c", "10.0.0.3")
	for _, tc := range []struct {
		name string
		in   []corev1.EndpointSubset
		want []corev1.EndpointSubset
	}{{
		name: "one subset per pod and port merge by port set",
		in: []corev1.EndpointSubset{
			{Addresses: []corev1.EndpointAddress{b}, Ports: []corev1.EndpointPort{port("http", 80)}},
			{Addresses: []corev1.EndpointAddress{a}, Ports: []corev1.EndpointPort{port("http", 80)}},
			{Addresses: []corev1.EndpointAddress{a}, Ports: []corev1.EndpointPort{port("metrics", 9100)}},
			{Addresses: []corev1.EndpointAddress{b}, Ports: []corev1.EndpointPort{port("metrics", 9100)}},
		},
		want: []corev1.EndpointSubset{
			{Addresses: []corev1.EndpointAddress{a, b}, Ports: []corev1.EndpointPort{port("http", 80), port("metrics", 9100)}},
		},
	}, {
		name: "different port sets stay apart",
		in: []corev1.EndpointSubset{
			{Addresses: []corev1.EndpointAddress{a}, Ports: []corev1.EndpointPort{port("http", 8080)}},
			{Addresses: []corev1.EndpointAddress{b}, Ports: []corev1.EndpointPort{port("http", 8081)}},
			{Addresses: []corev1.EndpointAddress{a, b, c}, Ports: []corev1.EndpointPort{port("metrics", 9100)}},
		},
		want: []corev1.EndpointSubset{
			{Addresses: []corev1.EndpointAddress{a}, Ports: []corev1.EndpointPort{port("http", 8080)}},
			{Addresses: []corev1.EndpointAddress{b}, Ports: []corev1.EndpointPort{port("http", 8081)}},
			{Addresses: []corev1.EndpointAddress{a, b, c}, Ports: []corev1.EndpointPort{port("metrics", 9100)}},
		},
	}, {
		name: "not ready wins over ready for the same address and port",
		in: []corev1.EndpointSubset{
			{Addresses: []corev1.EndpointAddress{a, b}, Ports: []corev1.EndpointPort{port("http", 80)}},
			{NotReadyAddresses: []corev1.EndpointAddress{a}, Ports: []corev1.EndpointPort{port("http", 80)}},
		},
		want: []corev1.EndpointSubset{
			{Addresses: []corev1.EndpointAddress{b}, NotReadyAddresses: []corev1.EndpointAddress{a}, Ports: []corev1.EndpointPort{port("http", 80)}},
		},
	}, {
		name: "same IP, different pods are two addresses",
		in: []corev1.EndpointSubset{
			{Addresses: []corev1.EndpointAddress{addr("x", "10.0.0.9"), addr("y", "10.0.0.9"), addr("x", "10.0.0.9")}, Ports: []corev1.EndpointPort{port("", 80)}},
		},
		want: []corev1.EndpointSubset{
			{Addresses: []corev1.EndpointAddress{addr("x", "10.0.0.9"), addr("y", "10.0.0.9")}, Ports: []corev1.EndpointPort{port("", 80)}},
		},
	}, {
		name: "portless subsets keep their addresses",
		in: []corev1.EndpointSubset{
			{Addresses: []corev1.EndpointAddress{b}},
			{NotReadyAddresses: []corev1.EndpointAddress{c}},
			{Addresses: []corev1.EndpointAddress{a}},
		},
		want: []corev1.EndpointSubset{
			{Addresses: []corev1.EndpointAddress{a, b}, NotReadyAddresses: []corev1.EndpointAddress{c}},
		},
	}, {
		name: "nothing",
		want: []corev1.EndpointSubset{},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, Repack(tc.in)); d != "" {
				t.Errorf("Repack (-want +got):\n%s", d)
			}
		})
	}
}
