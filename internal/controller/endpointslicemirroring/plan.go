package endpointslicemirroring

import (
	"cmp"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/controller/endpoints"
)

// ManagedBy is the managed-by label value of the slices this controller
// owns.
const ManagedBy = "endpointslicemirroring-controller.k8s.io"

// changes are the writes one sync makes.
type changes struct {
	create, update, delete []*discoveryv1.EndpointSlice
}

// desired is what the Endpoints object asks for, by address type and
// ports.
type desired struct {
	ports map[string][]discoveryv1.EndpointPort
	eps   map[string]map[string]discoveryv1.Endpoint
	// invalid counts addresses that are not IPs; skipped counts those
	// left out (invalid ones included).
	invalid, skipped int
}

// desiredFor mirrors ep's (repacked) subsets, at most max addresses per
// subset, ready ones first.
func desiredFor(ep *corev1.Endpoints, max int) desired {
	d := desired{ports: map[string][]discoveryv1.EndpointPort{}, eps: map[string]map[string]discoveryv1.Endpoint{}}
	for _, s := range endpoints.Repack(ep.Subsets) {
		ports := slicePorts(s.Ports)
		keys := map[discoveryv1.AddressType]string{}
		for _, at := range []discoveryv1.AddressType{discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6} {
			k := groupKey(at, ports)
			keys[at] = k
			d.ports[k] = ports
			if d.eps[k] == nil {
				d.eps[k] = map[string]discoveryv1.Endpoint{}
			}
		}
		added := 0
		add := func(a corev1.EndpointAddress, ready bool) {
			if added >= max {
				d.skipped++
				return
			}
			e, at, ok := addressEndpoint(a, ready)
			if !ok {
				d.invalid++
				d.skipped++
				return
			}
			d.eps[keys[at]][endpointKey(e)] = e
			added++
		}
		for _, a := range s.Addresses {
			add(a, true)
		}
		for _, a := range s.NotReadyAddresses {
			add(a, false)
		}
	}
	return d
}

// plan compares the mirrored slices that exist with what ep asks for:
// per address type and ports one slice, replaced as a whole when anything
// in it changed; extra slices are deleted, or reused for new ones.
func plan(ep *corev1.Endpoints, d desired, existing []*discoveryv1.EndpointSlice, max int) changes {
	var ch changes
	byKey := map[string][]*discoveryv1.EndpointSlice{}
	for _, s := range existing {
		k := groupKey(s.AddressType, s.Ports)
		byKey[k] = append(byKey[k], s)
	}
	for _, ss := range byKey {
		slices.SortFunc(ss, func(a, b *discoveryv1.EndpointSlice) int { return cmp.Compare(a.Name, b.Name) })
	}
	for _, k := range slices.Sorted(maps.Keys(d.eps)) {
		want, have := d.eps[k], byKey[k]
		if len(want) == 0 {
			ch.delete = append(ch.delete, have...)
			continue
		}
		at := discoveryv1.AddressTypeIPv4
		if strings.HasPrefix(k, string(discoveryv1.AddressTypeIPv6)) {
			at = discoveryv1.AddressTypeIPv6
		}
		name, rv := "", ""
		if len(have) > 0 {
			ch.delete = append(ch.delete, have[1:]...)
			if upToDate(ep, have[0], want) {
				continue
			}
			name, rv = have[0].Name, have[0].ResourceVersion
		}
		s := newSlice(ep, d.ports[k], at)
		s.Name, s.ResourceVersion = name, rv
		for _, ek := range slices.Sorted(maps.Keys(want)) {
			if len(s.Endpoints) >= max {
				break
			}
			s.Endpoints = append(s.Endpoints, want[ek])
		}
		if name != "" {
			ch.update = append(ch.update, s)
		} else {
			ch.create = append(ch.create, s)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		if _, ok := d.eps[k]; !ok {
			ch.delete = append(ch.delete, byKey[k]...)
		}
	}
	// Reuse slices about to be deleted for new ones of the same type.
	for i := 0; i < len(ch.create); {
		c := ch.create[i]
		j := slices.IndexFunc(ch.delete, func(s *discoveryv1.EndpointSlice) bool { return s.AddressType == c.AddressType })
		if j < 0 {
			i++
			continue
		}
		c.Name, c.ResourceVersion = ch.delete[j].Name, ch.delete[j].ResourceVersion
		c.GenerateName = ""
		ch.update = append(ch.update, c)
		ch.delete = slices.Delete(ch.delete, j, j+1)
		ch.create = slices.Delete(ch.create, i, i+1)
	}
	return ch
}

// upToDate reports whether s holds exactly want and carries ep's labels
// and annotations.
func upToDate(ep *corev1.Endpoints, s *discoveryv1.EndpointSlice, want map[string]discoveryv1.Endpoint) bool {
	if len(s.Endpoints) != len(want) {
		return false
	}
	for _, e := range s.Endpoints {
		w, ok := want[endpointKey(e)]
		if !ok || !equality.Semantic.DeepEqual(w, e) {
			return false
		}
	}
	lbls := maps.Clone(s.Labels)
	delete(lbls, discoveryv1.LabelManagedBy)
	delete(lbls, discoveryv1.LabelServiceName)
	return equality.Semantic.DeepEqual(ep.Labels, lbls) && equality.Semantic.DeepEqual(mirroredAnnotations(ep), s.Annotations)
}

// mirroredAnnotations are ep's annotations a slice copies: all but the
// trigger time and kubectl's last-applied configuration.
func mirroredAnnotations(ep *corev1.Endpoints) map[string]string {
	out := maps.Clone(ep.Annotations)
	delete(out, corev1.EndpointsLastChangeTriggerTime)
	delete(out, corev1.LastAppliedConfigAnnotation)
	return out
}

// newSlice is an empty mirrored slice of ep.
func newSlice(ep *corev1.Endpoints, ports []discoveryv1.EndpointPort, at discoveryv1.AddressType) *discoveryv1.EndpointSlice {
	prefix := ep.Name + "-"
	if len(validation.NameIsDNSSubdomain(prefix, true)) != 0 {
		prefix = ep.Name
	}
	s := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    prefix,
			Namespace:       ep.Namespace,
			Labels:          maps.Clone(ep.Labels),
			Annotations:     mirroredAnnotations(ep),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(ep, corev1.SchemeGroupVersion.WithKind("Endpoints"))},
		},
		AddressType: at,
		Ports:       ports,
		Endpoints:   []discoveryv1.Endpoint{},
	}
	if s.Labels == nil {
		s.Labels = map[string]string{}
	}
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	s.Labels[discoveryv1.LabelServiceName] = ep.Name
	s.Labels[discoveryv1.LabelManagedBy] = ManagedBy
	return s
}

// addressEndpoint converts an Endpoints address; ok is false when its IP
// does not parse.
func addressEndpoint(a corev1.EndpointAddress, ready bool) (discoveryv1.Endpoint, discoveryv1.AddressType, bool) {
	ip, err := netip.ParseAddr(a.IP)
	if err != nil {
		return discoveryv1.Endpoint{}, "", false
	}
	at := discoveryv1.AddressTypeIPv4
	if ip.Is6() && !ip.Is4In6() {
		at = discoveryv1.AddressTypeIPv6
	}
	e := discoveryv1.Endpoint{
		Addresses:  []string{ip.Unmap().String()},
		Conditions: discoveryv1.EndpointConditions{Ready: &ready},
		TargetRef:  a.TargetRef.DeepCopy(),
		NodeName:   a.NodeName,
	}
	if a.Hostname != "" {
		h := a.Hostname
		e.Hostname = &h
	}
	return e, at, true
}

func slicePorts(ps []corev1.EndpointPort) []discoveryv1.EndpointPort {
	out := []discoveryv1.EndpointPort{}
	for _, p := range ps {
		out = append(out, discoveryv1.EndpointPort{Name: &p.Name, Port: &p.Port, Protocol: &p.Protocol, AppProtocol: p.AppProtocol})
	}
	return out
}

// groupKey identifies an address type and set of ports.
func groupKey(at discoveryv1.AddressType, ports []discoveryv1.EndpointPort) string {
	keys := make([]string, 0, len(ports))
	for _, p := range ports {
		var b strings.Builder
		for _, s := range []*string{p.Name, (*string)(p.Protocol), p.AppProtocol} {
			if s != nil {
				b.WriteString(*s)
			}
			b.WriteByte(0)
		}
		if p.Port != nil {
			b.WriteString(strconv.Itoa(int(*p.Port)))
		}
		keys = append(keys, b.String())
	}
	slices.Sort(keys)
	return string(at) + "\x02" + strings.Join(keys, "\x01")
}

// endpointKey identifies an endpoint: its addresses, hostname and target.
func endpointKey(e discoveryv1.Endpoint) string {
	var b strings.Builder
	b.WriteString(strings.Join(slices.Sorted(slices.Values(e.Addresses)), ","))
	b.WriteByte(0)
	if e.Hostname != nil {
		b.WriteString(*e.Hostname)
	}
	b.WriteByte(0)
	if e.TargetRef != nil {
		b.WriteString(e.TargetRef.Namespace + "/" + e.TargetRef.Name)
	}
	return b.String()
}
