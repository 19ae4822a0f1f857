package discovery

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func slice(mut ...func(*discoveryv1.EndpointSlice)) *discoveryv1.EndpointSlice {
	es := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "web-abc", Namespace: "ns", ResourceVersion: "1"},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"10.0.0.1"}, NodeName: ptr.To("node-1"), Zone: ptr.To("z1")}},
		Ports:       []discoveryv1.EndpointPort{{Port: ptr.To[int32](80)}},
	}
	DefaultEndpointSlice(es)
	for _, m := range mut {
		m(es)
	}
	return es
}

func TestEndpointSlice(t *testing.T) {
	if diff := cmp.Diff(discoveryv1.EndpointPort{Name: ptr.To(""), Protocol: ptr.To(corev1.ProtocolTCP), Port: ptr.To[int32](80)}, slice().Ports[0]); diff != "" {
		t.Errorf("port defaults (-want +got):\n%s", diff)
	}
	tests := []struct {
		name string
		es   *discoveryv1.EndpointSlice
		want []string
	}{
		{"valid", slice(), nil},
		{"no address type", slice(func(es *discoveryv1.EndpointSlice) { es.AddressType = "" }), []string{"FieldValueRequired addressType"}},
		{"bad address type", slice(func(es *discoveryv1.EndpointSlice) { es.AddressType = "IPX" }), []string{"FieldValueNotSupported addressType"}},
		{"ipv6 in ipv4 slice", slice(func(es *discoveryv1.EndpointSlice) { es.Endpoints[0].Addresses = []string{"fd00::1"} }),
			[]string{"FieldValueInvalid endpoints[0].addresses[0]"}},
		{"no addresses", slice(func(es *discoveryv1.EndpointSlice) { es.Endpoints[0].Addresses = nil }), []string{"FieldValueRequired endpoints[0].addresses"}},
		{"fqdn", slice(func(es *discoveryv1.EndpointSlice) {
			es.AddressType = discoveryv1.AddressTypeFQDN
			es.Endpoints[0].Addresses = []string{"db.example.com", "Not_A_Name"}
		}), []string{"FieldValueInvalid endpoints[0].addresses[1]"}},
		{"too many endpoints", slice(func(es *discoveryv1.EndpointSlice) {
			es.Endpoints = make([]discoveryv1.Endpoint, 1001)
		}), []string{"FieldValueTooMany endpoints"}},
		{"duplicate port names", slice(func(es *discoveryv1.EndpointSlice) {
			es.Ports = append(es.Ports, discoveryv1.EndpointPort{Name: ptr.To(""), Protocol: ptr.To(corev1.ProtocolUDP)})
		}), []string{"FieldValueDuplicate ports[1].name"}},
		{"bad protocol", slice(func(es *discoveryv1.EndpointSlice) { es.Ports[0].Protocol = ptr.To(corev1.Protocol("ICMP")) }),
			[]string{"FieldValueNotSupported ports[0].protocol"}},
		{"bad hostname", slice(func(es *discoveryv1.EndpointSlice) { es.Endpoints[0].Hostname = ptr.To(strings.Repeat("a", 64)) }),
			[]string{"FieldValueInvalid endpoints[0].hostname"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, errSummary(ValidateEndpointSlice(tc.es))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
	upd := slice(func(es *discoveryv1.EndpointSlice) {
		es.AddressType = discoveryv1.AddressTypeIPv6
		es.Endpoints[0].Addresses = []string{"fd00::1"}
	})
	if diff := cmp.Diff([]string{"FieldValueInvalid addressType"}, errSummary(ValidateEndpointSliceUpdate(upd, slice()))); diff != "" {
		t.Errorf("update (-want +got):\n%s", diff)
	}
}
