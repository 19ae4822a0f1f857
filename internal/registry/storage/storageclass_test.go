package storage

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func sc(mut ...func(*storagev1.StorageClass)) *storagev1.StorageClass {
	s := &storagev1.StorageClass{
		ObjectMeta:  metav1.ObjectMeta{Name: "fast", ResourceVersion: "1"},
		Provisioner: "example.com/disk",
		Parameters:  map[string]string{"type": "ssd"},
	}
	DefaultStorageClass(s)
	for _, m := range mut {
		m(s)
	}
	return s
}

func TestStorageClass(t *testing.T) {
	s := sc()
	if *s.ReclaimPolicy != corev1.PersistentVolumeReclaimDelete || *s.VolumeBindingMode != storagev1.VolumeBindingImmediate {
		t.Errorf("defaults: %v %v", *s.ReclaimPolicy, *s.VolumeBindingMode)
	}
	tests := []struct {
		name string
		s    *storagev1.StorageClass
		want []string
	}{
		{"valid", sc(), nil},
		{"no provisioner", sc(func(s *storagev1.StorageClass) { s.Provisioner = "" }), []string{"FieldValueRequired provisioner"}},
		{"bad provisioner", sc(func(s *storagev1.StorageClass) { s.Provisioner = "a/b/c" }), []string{"FieldValueInvalid provisioner"}},
		{"bad reclaim", sc(func(s *storagev1.StorageClass) { s.ReclaimPolicy = ptr.To(corev1.PersistentVolumeReclaimRecycle) }),
			[]string{"FieldValueNotSupported reclaimPolicy"}},
		{"bad binding", sc(func(s *storagev1.StorageClass) { s.VolumeBindingMode = ptr.To(storagev1.VolumeBindingMode("Later")) }),
			[]string{"FieldValueNotSupported volumeBindingMode"}},
		{"empty parameter key", sc(func(s *storagev1.StorageClass) { s.Parameters[""] = "x" }), []string{"FieldValueInvalid parameters"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, errSummary(ValidateStorageClass(tc.s))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
	upd := sc(func(s *storagev1.StorageClass) {
		s.Provisioner = "example.com/other"
		s.Parameters = map[string]string{"type": "hdd"}
		s.ReclaimPolicy = ptr.To(corev1.PersistentVolumeReclaimRetain)
		s.VolumeBindingMode = ptr.To(storagev1.VolumeBindingWaitForFirstConsumer)
	})
	want := []string{"FieldValueForbidden parameters", "FieldValueForbidden provisioner", "FieldValueForbidden reclaimPolicy", "FieldValueInvalid volumeBindingMode"}
	if diff := cmp.Diff(want, errSummary(ValidateStorageClassUpdate(upd, sc()))); diff != "" {
		t.Errorf("update (-want +got):\n%s", diff)
	}
	allowed := sc(func(s *storagev1.StorageClass) { s.AllowVolumeExpansion = ptr.To(true) })
	if errs := ValidateStorageClassUpdate(allowed, sc()); len(errs) != 0 {
		t.Errorf("allowed update: %v", errs)
	}
}
