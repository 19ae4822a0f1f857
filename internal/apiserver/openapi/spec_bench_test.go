package openapi

import (
	"encoding/json"
	"testing"

	"k8s.io/client-go/kubernetes/scheme"
)

// BenchmarkNew measures start-up: schema generation and path layout for a
// berth-sized set of resources. Documents are not serialized here.
func BenchmarkNew(b *testing.B) {
	resources := testResources()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(resources, scheme.Scheme); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(resources)), "resources")
}

// BenchmarkBuildV3 measures the first /openapi/v3 request: every group
// version's document assembled and marshalled.
func BenchmarkBuildV3(b *testing.B) {
	s, err := New(testResources(), scheme.Scheme)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	size := 0
	for b.Loop() {
		size = 0
		for _, gv := range s.gvs {
			doc, err := json.Marshal(s.v3Document(gv))
			if err != nil {
				b.Fatal(err)
			}
			size += len(doc)
		}
	}
	b.ReportMetric(float64(size), "bytes")
}

// BenchmarkBuildV2 measures the first /openapi/v2 request: the JSON
// document and its protobuf form.
func BenchmarkBuildV2(b *testing.B) {
	resources := testResources()
	b.ReportAllocs()
	for b.Loop() {
		s, err := New(resources, scheme.Scheme)
		if err != nil {
			b.Fatal(err)
		}
		if d := s.v2Document(); d.err != nil {
			b.Fatal(d.err)
		}
	}
}
