package endpointslice

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/controller/endpoints"
	"github.com/berth-dev/berth/internal/podcondition"
)

// ManagedBy is the managed-by label value of the slices this controller
// owns.
const ManagedBy = "endpointslice-controller.k8s.io"

// changes are the writes one sync makes.
type changes struct {
	create, update, delete []*discoveryv1.EndpointSlice
}

// planner computes the changes for one Service.
type planner struct {
	svc  *corev1.Service
	pods []*corev1.Pod
	// node returns a Node from the cache, or a NotFound error.
	node func(name string) (*corev1.Node, error)
	max  int
}

// plan compares the slices that exist for the Service with its pods. The
// errors it returns name pods left out (their node is unknown); the
// changes are still to be made.
func (p planner) plan(existing []*discoveryv1.EndpointSlice) (changes, []error, error) {
	var ch changes
	var errs []error
	families := addressTypes(p.svc)
	byType := map[discoveryv1.AddressType][]*discoveryv1.EndpointSlice{}
	for _, s := range existing {
		if !slices.Contains(families, s.AddressType) {
			ch.delete = append(ch.delete, s)
			continue
		}
		byType[s.AddressType] = append(byType[s.AddressType], s)
	}
	for _, at := range families {
		fc, ferrs, err := p.planFamily(byType[at], at)
		if err != nil {
			return changes{}, nil, err
		}
		errs = append(errs, ferrs...)
		ch.create = append(ch.create, fc.create...)
		ch.update = append(ch.update, fc.update...)
		ch.delete = append(ch.delete, fc.delete...)
	}
	return ch, errs, nil
}

// group is the desired endpoints sharing one set of ports.
type group struct {
	ports []discoveryv1.EndpointPort
	eps   map[string]discoveryv1.Endpoint
}

func (p planner) planFamily(existing []*discoveryv1.EndpointSlice, at discoveryv1.AddressType) (changes, []error, error) {
	var ch changes
	var errs []error
	existingByPorts := map[string][]*discoveryv1.EndpointSlice{}
	for _, s := range existing {
		if ownedBy(s, p.svc) {
			k := portsKey(s.Ports)
			existingByPorts[k] = append(existingByPorts[k], s)
		} else {
			ch.delete = append(ch.delete, s)
		}
	}
	desired := map[string]*group{}
	for _, pod := range p.pods {
		if !endpoints.IncludePod(pod, true) {
			continue
		}
		ports := endpointPorts(p.svc, pod)
		pk := portsKey(ports)
		g := desired[pk]
		if g == nil {
			g = &group{ports: ports, eps: map[string]discoveryv1.Endpoint{}}
			desired[pk] = g
		}
		node, err := p.node(pod.Spec.NodeName)
		if err != nil {
			if !apierrors.IsNotFound(err) {
				return changes{}, nil, err
			}
			// A pod on an unknown node is left out (and the Service
			// retried), unless the Service publishes every address.
			if !p.svc.Spec.PublishNotReadyAddresses {
				errs = append(errs, fmt.Errorf("skipping pod %s for service %s/%s: node %q not found", pod.Name, p.svc.Namespace, p.svc.Name, pod.Spec.NodeName))
				continue
			}
			node = nil
		}
		ep := podEndpoint(pod, node, p.svc, at)
		if len(ep.Addresses) > 0 {
			g.eps[endpointKey(ep)] = ep
		}
	}
	for _, pk := range slices.Sorted(maps.Keys(desired)) {
		g := desired[pk]
		c, u, d := p.byPorts(existingByPorts[pk], g, at)
		ch.create = append(ch.create, c...)
		ch.update = append(ch.update, u...)
		ch.delete = append(ch.delete, d...)
	}
	for _, pk := range slices.Sorted(maps.Keys(existingByPorts)) {
		if _, ok := desired[pk]; !ok {
			ch.delete = append(ch.delete, existingByPorts[pk]...)
		}
	}
	// A Service without endpoints keeps one empty placeholder slice.
	if len(existing) == len(ch.delete) && len(ch.create) == 0 {
		ph := newSlice(p.svc, []discoveryv1.EndpointPort{}, at)
		if len(ch.delete) == 1 && isPlaceholder(ch.delete[0], ph) {
			ch.delete = nil
		} else {
			ch.create = append(ch.create, ph)
		}
	}
	// Reuse slices about to be deleted instead of creating new ones.
	for i := 0; i < len(ch.delete) && len(ch.create) > 0; {
		old, c := ch.delete[i], ch.create[len(ch.create)-1]
		if old.AddressType != c.AddressType || !ownedBy(old, p.svc) {
			i++
			continue
		}
		c.Name, c.ResourceVersion = old.Name, old.ResourceVersion
		ch.create = ch.create[:len(ch.create)-1]
		ch.update = append(ch.update, c)
		ch.delete = slices.Delete(ch.delete, i, i+1)
	}
	return ch, errs, nil
}

// byPorts reconciles the slices of one port set: endpoints stay where they
// are (updated if they changed), slices that changed are filled up first,
// then an unchanged slice that can take all that is left, then new slices.
func (p planner) byPorts(existing []*discoveryv1.EndpointSlice, g *group, at discoveryv1.AddressType) (create, update, del []*discoveryv1.EndpointSlice) {
	existing = slices.Clone(existing)
	slices.SortFunc(existing, func(a, b *discoveryv1.EndpointSlice) int { return cmp.Compare(a.Name, b.Name) })
	want := maps.Clone(g.eps)
	byName := map[string]*discoveryv1.EndpointSlice{}
	var unchanged, toUpdate, toDelete []string
	for _, s := range existing {
		byName[s.Name] = s
		keep := []discoveryv1.Endpoint{}
		changed := false
		for _, ep := range s.Endpoints {
			k := endpointKey(ep)
			w, ok := want[k]
			if !ok {
				continue
			}
			keep = append(keep, w)
			if !sameEndpoint(w, ep) {
				changed = true
			}
			delete(want, k)
		}
		lbls, lblChanged := sliceLabels(s, p.svc)
		switch {
		case changed || len(keep) != len(s.Endpoints):
			if len(keep) == 0 {
				toDelete = append(toDelete, s.Name)
				continue
			}
			c := s.DeepCopy()
			c.Endpoints, c.Labels = keep, lbls
			byName[s.Name] = c
			toUpdate = append(toUpdate, s.Name)
		case lblChanged:
			c := s.DeepCopy()
			c.Labels = lbls
			byName[s.Name] = c
			toUpdate = append(toUpdate, s.Name)
		default:
			unchanged = append(unchanged, s.Name)
		}
	}
	remaining := slices.Sorted(maps.Keys(want))
	pop := func() discoveryv1.Endpoint {
		ep := want[remaining[0]]
		remaining = remaining[1:]
		return ep
	}
	if len(remaining) > 0 && len(toUpdate) > 0 {
		fill := slices.Clone(toUpdate)
		// Fullest first, as upstream.
		slices.SortStableFunc(fill, func(a, b string) int {
			return cmp.Compare(len(byName[b].Endpoints), len(byName[a].Endpoints))
		})
		for _, name := range fill {
			s := byName[name]
			for len(remaining) > 0 && len(s.Endpoints) < p.max {
				s.Endpoints = append(s.Endpoints, pop())
			}
		}
	}
	for len(remaining) > 0 {
		var s *discoveryv1.EndpointSlice
		if len(remaining) < p.max && len(unchanged) > 0 {
			if name := closestFit(byName, unchanged, len(remaining), p.max); name != "" {
				s = byName[name].DeepCopy()
				byName[name] = s
			}
		}
		if s == nil {
			s = newSlice(p.svc, g.ports, at)
		}
		for len(remaining) > 0 && len(s.Endpoints) < p.max {
			s.Endpoints = append(s.Endpoints, pop())
		}
		if s.Name == "" {
			create = append(create, s)
			continue
		}
		toUpdate = append(toUpdate, s.Name)
		unchanged = slices.DeleteFunc(unchanged, func(n string) bool { return n == s.Name })
	}
	for _, n := range toUpdate {
		update = append(update, byName[n])
	}
	for _, n := range toDelete {
		del = append(del, byName[n])
	}
	return create, update, del
}

// closestFit names the slice among names that is closest to full once n
// endpoints are added without going over max, or "".
func closestFit(byName map[string]*discoveryv1.EndpointSlice, names []string, n, max int) string {
	best, bestDiff := "", max
	for _, name := range names {
		diff := max - (n + len(byName[name].Endpoints))
		if diff >= 0 && diff < bestDiff {
			best, bestDiff = name, diff
			if diff == 0 {
				break
			}
		}
	}
	return best
}

// addressTypes are the address families the Service's slices use: its IP
// families; else its cluster IP's family; else (headless) both.
func addressTypes(svc *corev1.Service) []discoveryv1.AddressType {
	var out []discoveryv1.AddressType
	for _, f := range svc.Spec.IPFamilies {
		at := discoveryv1.AddressTypeIPv4
		if f == corev1.IPv6Protocol {
			at = discoveryv1.AddressTypeIPv6
		}
		if !slices.Contains(out, at) {
			out = append(out, at)
		}
	}
	if len(out) > 0 {
		return out
	}
	if !endpoints.IsHeadless(svc) {
		if endpoints.IsIPv6(svc.Spec.ClusterIP) {
			return []discoveryv1.AddressType{discoveryv1.AddressTypeIPv6}
		}
		return []discoveryv1.AddressType{discoveryv1.AddressTypeIPv4}
	}
	return []discoveryv1.AddressType{discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6}
}

// endpointPorts resolves the Service's ports on pod; ports the pod does
// not serve are left out.
func endpointPorts(svc *corev1.Service, pod *corev1.Pod) []discoveryv1.EndpointPort {
	out := []discoveryv1.EndpointPort{}
	for i := range svc.Spec.Ports {
		sp := &svc.Spec.Ports[i]
		n, err := endpoints.FindPort(pod, sp)
		if err != nil {
			continue
		}
		name, proto := sp.Name, sp.Protocol
		out = append(out, discoveryv1.EndpointPort{Name: &name, Port: &n, Protocol: &proto, AppProtocol: sp.AppProtocol})
	}
	return out
}

// portsKey identifies a set of ports regardless of order.
func portsKey(ports []discoveryv1.EndpointPort) string {
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
	return strings.Join(keys, "\x01")
}

// endpointKey identifies an endpoint across syncs: its addresses, hostname
// and target (as upstream's endpoint hash).
func endpointKey(ep discoveryv1.Endpoint) string {
	addrs := slices.Sorted(slices.Values(ep.Addresses))
	var b strings.Builder
	b.WriteString(strings.Join(addrs, ","))
	b.WriteByte(0)
	if ep.Hostname != nil {
		b.WriteString(*ep.Hostname)
	}
	b.WriteByte(0)
	if ep.TargetRef != nil {
		b.WriteString(ep.TargetRef.Namespace + "/" + ep.TargetRef.Name)
	}
	return b.String()
}

// podEndpoint is pod's endpoint in a slice of address type at. A pod is
// ready when it is Ready and not terminating, or always when the Service
// publishes not-ready addresses; serving follows the Ready condition
// alone.
func podEndpoint(pod *corev1.Pod, node *corev1.Node, svc *corev1.Service, at discoveryv1.AddressType) discoveryv1.Endpoint {
	serving := podcondition.Ready(pod)
	terminating := pod.DeletionTimestamp != nil
	ready := svc.Spec.PublishNotReadyAddresses || (serving && !terminating)
	ep := discoveryv1.Endpoint{
		Addresses:  []string{},
		Conditions: discoveryv1.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &terminating},
		TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
	}
	for _, ip := range endpoints.PodIPs(pod) {
		if endpoints.IsIPv6(ip) == (at == discoveryv1.AddressTypeIPv6) {
			ep.Addresses = append(ep.Addresses, ip)
		}
	}
	if pod.Spec.NodeName != "" {
		n := pod.Spec.NodeName
		ep.NodeName = &n
	}
	if node != nil && node.Labels[corev1.LabelTopologyZone] != "" {
		z := node.Labels[corev1.LabelTopologyZone]
		ep.Zone = &z
	}
	if endpoints.SetHostname(pod, svc) {
		h := pod.Spec.Hostname
		ep.Hostname = &h
	}
	return ep
}

// newSlice is an empty slice for svc with ports and address type at.
func newSlice(svc *corev1.Service, ports []discoveryv1.EndpointPort, at discoveryv1.AddressType) *discoveryv1.EndpointSlice {
	prefix := svc.Name + "-"
	if len(validation.NameIsDNSSubdomain(prefix, true)) != 0 {
		prefix = svc.Name
	}
	s := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    prefix,
			Namespace:       svc.Namespace,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(svc, corev1.SchemeGroupVersion.WithKind("Service"))},
		},
		AddressType: at,
		Ports:       ports,
		Endpoints:   []discoveryv1.Endpoint{},
	}
	s.Labels, _ = sliceLabels(s, svc)
	return s
}

// reserved labels are the slice's own; a Service's labels with these keys
// are not copied.
func reserved(key string) bool {
	return key == discoveryv1.LabelServiceName || key == discoveryv1.LabelManagedBy || key == corev1.IsHeadlessService
}

// sliceLabels returns the labels slice s should carry (the Service's
// labels plus the reserved ones), and whether the Service's labels differ
// from those s carries.
func sliceLabels(s *discoveryv1.EndpointSlice, svc *corev1.Service) (map[string]string, bool) {
	have, want := map[string]string{}, map[string]string{}
	for k, v := range s.Labels {
		if !reserved(k) {
			have[k] = v
		}
	}
	for k, v := range svc.Labels {
		if !reserved(k) {
			want[k] = v
		}
	}
	changed := !maps.Equal(have, want)
	if endpoints.IsHeadless(svc) {
		want[corev1.IsHeadlessService] = ""
	}
	want[discoveryv1.LabelServiceName] = svc.Name
	want[discoveryv1.LabelManagedBy] = ManagedBy
	return want, changed
}

// ownedBy reports whether s is owned by svc (this incarnation of it).
func ownedBy(s *discoveryv1.EndpointSlice, svc *corev1.Service) bool {
	for _, o := range s.OwnerReferences {
		if o.UID == svc.UID && o.Kind == "Service" && o.APIVersion == "v1" {
			return true
		}
	}
	return false
}

// isPlaceholder reports whether s is the placeholder ph would be.
func isPlaceholder(s, ph *discoveryv1.EndpointSlice) bool {
	return s.Namespace == ph.Namespace && maps.Equal(s.Labels, ph.Labels) && s.AddressType == ph.AddressType &&
		len(s.Endpoints) == 0 && len(s.Ports) == 0 && equality.Semantic.DeepEqual(s.OwnerReferences, ph.OwnerReferences)
}

// sameEndpoint reports whether a and b are equal in every field the
// controller writes (a hand-written equality: reflection dominated the cost
// of a sync).
func sameEndpoint(a, b discoveryv1.Endpoint) bool {
	return slices.Equal(a.Addresses, b.Addresses) &&
		sameBool(a.Conditions.Ready, b.Conditions.Ready) && sameBool(a.Conditions.Serving, b.Conditions.Serving) &&
		sameBool(a.Conditions.Terminating, b.Conditions.Terminating) &&
		sameString(a.Hostname, b.Hostname) && sameString(a.NodeName, b.NodeName) && sameString(a.Zone, b.Zone) &&
		sameRef(a.TargetRef, b.TargetRef) &&
		a.Hints == nil && b.Hints == nil && len(a.DeprecatedTopology) == 0 && len(b.DeprecatedTopology) == 0
}

func sameBool(a, b *bool) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func sameString(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// sameRef compares targets ignoring resourceVersion, as upstream.
func sameRef(a, b *corev1.ObjectReference) bool {
	if a == nil || b == nil {
		return a == b
	}
	x, y := *a, *b
	x.ResourceVersion, y.ResourceVersion = "", ""
	return x == y
}
