package registry

import (
	"fmt"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/berth-dev/berth/internal/registry/autoscaling"
	"github.com/berth-dev/berth/internal/registry/events"
)

// convertedVersions are the entries served by converting to another
// entry's storage: autoscaling/v1 HorizontalPodAutoscalers (stored as v2)
// and events.k8s.io/v1 Events (stored as core/v1 Events, so both APIs see
// the same events, as upstream).
func convertedVersions() []*Resource {
	return []*Resource{
		{Group: "autoscaling", Version: "v1", Resource: "horizontalpodautoscalers", Kind: "HorizontalPodAutoscaler",
			Namespaced: true, ShortNames: []string{"hpa"}, Categories: []string{"all"}, Subresources: []string{SubStatus},
			ReturnDeletedObject: true, StorageResource: "autoscaling/horizontalpodautoscalers",
			New: newer[autoscalingv1.HorizontalPodAutoscaler](), NewList: newer[autoscalingv1.HorizontalPodAutoscalerList](),
			ToStorage:   typedConversion(autoscaling.HPAV1ToV2),
			FromStorage: typedConversion(autoscaling.HPAV2ToV1)},
		{Group: "events.k8s.io", Version: "v1", Resource: "events", Kind: "Event", Namespaced: true, ShortNames: []string{"ev"},
			AllowCreateOnUpdate: true, StorageResource: "events",
			New: newer[eventsv1.Event](), NewList: newer[eventsv1.EventList](),
			ToStorage:      typedConversion(events.ToCore),
			FromStorage:    typedConversion(events.FromCore),
			ValidateCreate: func(obj runtime.Object) field.ErrorList { return events.ValidateEvent(obj.(*eventsv1.Event)) }},
	}
}

// typedConversion adapts a typed conversion function.
func typedConversion[In, Out runtime.Object](f func(In) Out) func(runtime.Object) (runtime.Object, error) {
	return func(obj runtime.Object) (runtime.Object, error) {
		in, ok := obj.(In)
		if !ok {
			return nil, fmt.Errorf("convert: unexpected type %T", obj)
		}
		return f(in), nil
	}
}
