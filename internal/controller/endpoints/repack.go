package endpoints

import (
	"cmp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Repack rewrites subsets into the canonical layout upstream's
// endpoints.RepackSubsets produces: every address appears once per port,
// an address not ready on some port is not ready on it (not ready wins),
// and addresses offering the same ports with the same readiness share one
// subset. Subsets without ports (headless Services without ports) keep
// their addresses in a portless subset. The result is sorted: addresses
// by IP then pod UID, ports by name, number and protocol, subsets by their
// first port and address. Upstream sorts ports and subsets by a hash, so
// the order of subsets may differ from upstream's; their content does not.
func Repack(subsets []corev1.EndpointSubset) []corev1.EndpointSubset {
	addrs := map[addrKey]corev1.EndpointAddress{}
	byPort := map[portKey]map[addrKey]bool{}
	ports := map[portKey]corev1.EndpointPort{}
	add := func(pk portKey, a corev1.EndpointAddress, ready bool) {
		k := keyOf(a)
		if _, ok := addrs[k]; !ok {
			addrs[k] = a
		}
		m := byPort[pk]
		if m == nil {
			m = map[addrKey]bool{}
			byPort[pk] = m
		}
		if was, seen := m[k]; !seen || was {
			m[k] = ready
		}
	}
	for _, s := range subsets {
		ps := s.Ports
		if len(ps) == 0 {
			ps = []corev1.EndpointPort{{Port: -1}} // marks "no ports"
		}
		for _, p := range ps {
			pk := portKeyOf(p)
			ports[pk] = p
			for _, a := range s.Addresses {
				add(pk, a, true)
			}
			for _, a := range s.NotReadyAddresses {
				add(pk, a, false)
			}
		}
	}
	// Group ports by the exact set of (address, ready) they map to.
	type group struct {
		set   map[addrKey]bool
		ports []corev1.EndpointPort
	}
	groups := map[string]*group{}
	for pk, set := range byPort {
		sig := signature(set)
		g := groups[sig]
		if g == nil {
			g = &group{set: set}
			groups[sig] = g
		}
		if pk.port != -1 {
			g.ports = append(g.ports, ports[pk])
		}
	}
	out := make([]corev1.EndpointSubset, 0, len(groups))
	for _, g := range groups {
		var s corev1.EndpointSubset
		for k, ready := range g.set {
			if ready {
				s.Addresses = append(s.Addresses, addrs[k])
			} else {
				s.NotReadyAddresses = append(s.NotReadyAddresses, addrs[k])
			}
		}
		s.Ports = g.ports
		sortSubset(&s)
		out = append(out, s)
	}
	slices.SortFunc(out, compareSubsets)
	return out
}

type addrKey struct {
	ip  string
	uid types.UID
}

func keyOf(a corev1.EndpointAddress) addrKey {
	k := addrKey{ip: a.IP}
	if a.TargetRef != nil {
		k.uid = a.TargetRef.UID
	}
	return k
}

type portKey struct {
	name, proto, app string
	hasApp           bool
	port             int32
}

func portKeyOf(p corev1.EndpointPort) portKey {
	k := portKey{name: p.Name, proto: string(p.Protocol), port: p.Port}
	if p.AppProtocol != nil {
		k.hasApp, k.app = true, *p.AppProtocol
	}
	return k
}

func signature(set map[addrKey]bool) string {
	keys := make([]string, 0, len(set))
	for k, ready := range set {
		r := "n"
		if ready {
			r = "r"
		}
		keys = append(keys, k.ip+"\x00"+string(k.uid)+"\x00"+r)
	}
	slices.Sort(keys)
	return strings.Join(keys, "\x01")
}

func compareAddrs(a, b corev1.EndpointAddress) int {
	ka, kb := keyOf(a), keyOf(b)
	return cmp.Or(cmp.Compare(ka.ip, kb.ip), cmp.Compare(ka.uid, kb.uid))
}

func comparePorts(a, b corev1.EndpointPort) int {
	return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Port, b.Port), cmp.Compare(a.Protocol, b.Protocol))
}

func sortSubset(s *corev1.EndpointSubset) {
	slices.SortFunc(s.Addresses, compareAddrs)
	slices.SortFunc(s.NotReadyAddresses, compareAddrs)
	slices.SortFunc(s.Ports, comparePorts)
}

func compareSubsets(a, b corev1.EndpointSubset) int {
	if c := slices.CompareFunc(a.Ports, b.Ports, comparePorts); c != 0 {
		return c
	}
	if c := slices.CompareFunc(a.Addresses, b.Addresses, compareAddrs); c != 0 {
		return c
	}
	return slices.CompareFunc(a.NotReadyAddresses, b.NotReadyAddresses, compareAddrs)
}
