package admission

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/berth-dev/berth/internal/storage"
)

// Key prefixes of the allocation records. Each allocated ClusterIP or
// NodePort is one etcd key whose value names the owning Service, so several
// servers sharing etcd can never hand out the same address.
const (
	ipPrefix   = "/registry/ranges/serviceips/"
	portPrefix = "/registry/ranges/servicenodeports/"
)

// ServiceAllocator hands out ClusterIPs from the service CIDR and NodePorts
// from the node port range.
type ServiceAllocator struct {
	store            storage.Store
	cidr             *net.IPNet
	size             int64 // usable addresses, network and broadcast excluded
	portBase, portMx int
}

// NewServiceAllocator parses the ranges ("10.43.0.0/16", "30000-32767").
func NewServiceAllocator(store storage.Store, serviceCIDR, nodePortRange string) (*ServiceAllocator, error) {
	_, cidr, err := net.ParseCIDR(serviceCIDR)
	if err != nil {
		return nil, fmt.Errorf("service cluster IP range %q: %w", serviceCIDR, err)
	}
	if cidr.IP.To4() == nil {
		return nil, fmt.Errorf("service cluster IP range %q: only IPv4 ranges are supported", serviceCIDR)
	}
	ones, bits := cidr.Mask.Size()
	if bits-ones < 2 || bits-ones > 24 {
		return nil, fmt.Errorf("service cluster IP range %q: prefix length must be between /8 and /30", serviceCIDR)
	}
	var lo, hi int
	if _, err := fmt.Sscanf(nodePortRange, "%d-%d", &lo, &hi); err != nil || lo < 1 || hi > 65535 || lo > hi {
		return nil, fmt.Errorf("service node port range %q: want FROM-TO", nodePortRange)
	}
	return &ServiceAllocator{store: store, cidr: cidr, size: int64(1)<<(bits-ones) - 2, portBase: lo, portMx: hi}, nil
}

// FirstIP is the range's first usable address: the kubernetes Service's.
func (a *ServiceAllocator) FirstIP() net.IP { return a.ipAt(1) }

// CIDR is the service range.
func (a *ServiceAllocator) CIDR() *net.IPNet { return a.cidr }

func (a *ServiceAllocator) ipAt(offset int64) net.IP {
	base := new(big.Int).SetBytes(a.cidr.IP.To4())
	ip := new(big.Int).Add(base, big.NewInt(offset)).Bytes()
	out := make(net.IP, 4)
	copy(out[4-len(ip):], ip)
	return out
}

func owner(svc *corev1.Service) string { return svc.Namespace + "/" + svc.Name }

func needsNodePorts(svc *corev1.Service) bool {
	switch svc.Spec.Type {
	case corev1.ServiceTypeNodePort:
		return true
	case corev1.ServiceTypeLoadBalancer:
		return svc.Spec.AllocateLoadBalancerNodePorts == nil || *svc.Spec.AllocateLoadBalancerNodePorts
	}
	return false
}

// Allocate gives svc its ClusterIP and NodePorts (keeping old's where the
// update left them unset) and frees what old had that svc no longer uses.
// With dryRun nothing is reserved.
func (a *ServiceAllocator) Allocate(ctx context.Context, svc, old *corev1.Service, dryRun bool) error {
	if old != nil {
		keepAllocated(svc, old)
	}
	var errs field.ErrorList
	var reserved []string
	undo := func() {
		for _, k := range reserved {
			a.release(ctx, k, owner(svc))
		}
	}
	if svc.Spec.Type != corev1.ServiceTypeExternalName {
		key, err := a.allocateIP(ctx, svc, old, dryRun)
		if err != nil {
			var fe *field.Error
			if errors.As(err, &fe) {
				errs = append(errs, fe)
			} else {
				return err
			}
		}
		if key != "" {
			reserved = append(reserved, key)
		}
	}
	if needsNodePorts(svc) {
		for i := range svc.Spec.Ports {
			key, err := a.allocatePort(ctx, svc, old, i, dryRun)
			if err != nil {
				var fe *field.Error
				if errors.As(err, &fe) {
					errs = append(errs, fe)
					continue
				}
				undo()
				return err
			}
			if key != "" {
				reserved = append(reserved, key)
			}
		}
	} else {
		for i := range svc.Spec.Ports {
			svc.Spec.Ports[i].NodePort = 0
		}
	}
	if needsHealthCheckPort(svc) {
		key, err := a.allocateHealthCheckPort(ctx, svc, old, dryRun)
		if err != nil {
			var fe *field.Error
			if !errors.As(err, &fe) {
				undo()
				return err
			}
			errs = append(errs, fe)
		}
		if key != "" {
			reserved = append(reserved, key)
		}
	} else {
		svc.Spec.HealthCheckNodePort = 0
	}
	if len(errs) > 0 {
		undo()
		return apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Service").GroupKind(), svc.Name, errs)
	}
	return nil
}

// keepAllocated carries the old allocation into an update that left it
// unset, as upstream does.
func keepAllocated(svc, old *corev1.Service) {
	if svc.Spec.Type != corev1.ServiceTypeExternalName && svc.Spec.ClusterIP == "" && old.Spec.ClusterIP != "" {
		svc.Spec.ClusterIP, svc.Spec.ClusterIPs = old.Spec.ClusterIP, old.Spec.ClusterIPs
		if svc.Spec.IPFamilyPolicy == nil {
			svc.Spec.IPFamilyPolicy = old.Spec.IPFamilyPolicy
		}
		if len(svc.Spec.IPFamilies) == 0 {
			svc.Spec.IPFamilies = old.Spec.IPFamilies
		}
	}
	if needsNodePorts(svc) && needsNodePorts(old) {
		for i := range svc.Spec.Ports {
			p := &svc.Spec.Ports[i]
			if p.NodePort != 0 {
				continue
			}
			for _, op := range old.Spec.Ports {
				if op.Port == p.Port && op.Protocol == p.Protocol {
					p.NodePort = op.NodePort
				}
			}
		}
	}
}

func (a *ServiceAllocator) allocateIP(ctx context.Context, svc, old *corev1.Service, dryRun bool) (string, error) {
	path := field.NewPath("spec", "clusterIPs")
	ip := svc.Spec.ClusterIP
	if ip == "" && len(svc.Spec.ClusterIPs) > 0 {
		ip = svc.Spec.ClusterIPs[0]
	}
	if ip == corev1.ClusterIPNone {
		svc.Spec.ClusterIP, svc.Spec.ClusterIPs = ip, []string{ip}
		setFamilies(svc)
		return "", nil
	}
	if old != nil && ip != "" && ip == old.Spec.ClusterIP {
		return "", nil // already ours
	}
	if ip != "" {
		parsed := net.ParseIP(ip)
		if parsed == nil {
			return "", nil // validation reports the bad address
		}
		if !a.cidr.Contains(parsed) || parsed.Equal(a.cidr.IP) || parsed.Equal(a.ipAt(a.size+1)) {
			return "", field.Invalid(path, []string{ip}, fmt.Sprintf("failed to allocate IP %s: the provided IP (%s) is not in the valid range. The range of valid IPs is %s", ip, ip, a.cidr))
		}
		key := ipPrefix + parsed.String()
		if err := a.reserve(ctx, key, owner(svc), dryRun); err != nil {
			if errors.Is(err, storage.ErrExists) {
				return "", field.Invalid(path, []string{ip}, fmt.Sprintf("failed to allocate IP %s: provided IP is already allocated", ip))
			}
			return "", err
		}
		svc.Spec.ClusterIP, svc.Spec.ClusterIPs = parsed.String(), []string{parsed.String()}
		setFamilies(svc)
		return reservedKey(key, dryRun), nil
	}
	// Random offsets first; the first address stays for the kubernetes
	// Service.
	for range 64 {
		off := 2 + rand.Int64N(a.size-1)
		if a.size <= 2 {
			off = a.size
		}
		cand := a.ipAt(off).String()
		key := ipPrefix + cand
		err := a.reserve(ctx, key, owner(svc), dryRun)
		if errors.Is(err, storage.ErrExists) {
			continue
		}
		if err != nil {
			return "", err
		}
		svc.Spec.ClusterIP, svc.Spec.ClusterIPs = cand, []string{cand}
		setFamilies(svc)
		return reservedKey(key, dryRun), nil
	}
	for off := int64(2); off <= a.size; off++ {
		cand := a.ipAt(off).String()
		key := ipPrefix + cand
		err := a.reserve(ctx, key, owner(svc), dryRun)
		if errors.Is(err, storage.ErrExists) {
			continue
		}
		if err != nil {
			return "", err
		}
		svc.Spec.ClusterIP, svc.Spec.ClusterIPs = cand, []string{cand}
		setFamilies(svc)
		return reservedKey(key, dryRun), nil
	}
	return "", apierrors.NewInternalError(fmt.Errorf("failed to allocate a serviceIP: range is full"))
}

func setFamilies(svc *corev1.Service) {
	if len(svc.Spec.IPFamilies) == 0 {
		svc.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
	}
	if svc.Spec.IPFamilyPolicy == nil {
		p := corev1.IPFamilyPolicySingleStack
		svc.Spec.IPFamilyPolicy = &p
	}
}

func reservedKey(key string, dryRun bool) string {
	if dryRun {
		return ""
	}
	return key
}

// needsHealthCheckPort: a LoadBalancer Service that keeps traffic local
// gets a health check node port.
func needsHealthCheckPort(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeLoadBalancer && svc.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal
}

func (a *ServiceAllocator) allocateHealthCheckPort(ctx context.Context, svc, old *corev1.Service, dryRun bool) (string, error) {
	if svc.Spec.HealthCheckNodePort == 0 && old != nil && needsHealthCheckPort(old) {
		svc.Spec.HealthCheckNodePort = old.Spec.HealthCheckNodePort
	}
	path := field.NewPath("spec", "healthCheckNodePort")
	return a.allocateNodePort(ctx, svc, old, &svc.Spec.HealthCheckNodePort, path, dryRun)
}

func (a *ServiceAllocator) allocatePort(ctx context.Context, svc, old *corev1.Service, i int, dryRun bool) (string, error) {
	path := field.NewPath("spec", "ports").Index(i).Child("nodePort")
	return a.allocateNodePort(ctx, svc, old, &svc.Spec.Ports[i].NodePort, path, dryRun)
}

// allocateNodePort fills *port (random when 0) and reserves it.
func (a *ServiceAllocator) allocateNodePort(ctx context.Context, svc, old *corev1.Service, port *int32, path *field.Path, dryRun bool) (string, error) {
	p := &struct{ NodePort int32 }{*port}
	defer func() { *port = p.NodePort }()
	if p.NodePort != 0 {
		if old != nil && slices.Contains(nodePortsOf(old), p.NodePort) {
			return "", nil // already ours
		}
		if int(p.NodePort) < a.portBase || int(p.NodePort) > a.portMx {
			return "", field.Invalid(path, p.NodePort, fmt.Sprintf("provided port is not in the valid range. The range of valid ports is %d-%d", a.portBase, a.portMx))
		}
		key := portPrefix + strconv.Itoa(int(p.NodePort))
		if err := a.reserve(ctx, key, owner(svc), dryRun); err != nil {
			if errors.Is(err, storage.ErrExists) {
				return "", field.Invalid(path, p.NodePort, "provided port is already allocated")
			}
			return "", err
		}
		return reservedKey(key, dryRun), nil
	}
	n := a.portMx - a.portBase + 1
	start := rand.IntN(n)
	for k := range n {
		port := a.portBase + (start+k)%n
		key := portPrefix + strconv.Itoa(port)
		err := a.reserve(ctx, key, owner(svc), dryRun)
		if errors.Is(err, storage.ErrExists) {
			continue
		}
		if err != nil {
			return "", err
		}
		p.NodePort = int32(port)
		return reservedKey(key, dryRun), nil
	}
	return "", apierrors.NewInternalError(fmt.Errorf("failed to allocate a nodePort: range is full"))
}

// reserve records key for owner; with dryRun it only checks it is free.
func (a *ServiceAllocator) reserve(ctx context.Context, key, who string, dryRun bool) error {
	if dryRun {
		kv, err := a.store.Get(ctx, key)
		if err == nil && string(kv.Value) != who {
			return storage.ErrExists
		}
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		return nil
	}
	_, err := a.store.Create(ctx, key, []byte(who))
	if errors.Is(err, storage.ErrExists) {
		if kv, gerr := a.store.Get(ctx, key); gerr == nil && string(kv.Value) == who {
			return nil // a retried write of the same Service
		}
	}
	return err
}

// release frees key if who still holds it.
func (a *ServiceAllocator) release(ctx context.Context, key, who string) {
	kv, err := a.store.Get(ctx, key)
	if err != nil || string(kv.Value) != who {
		return
	}
	_, _, _ = a.store.OptimisticDelete(ctx, key, kv.ModRevision)
}

// Release frees everything svc holds.
func (a *ServiceAllocator) Release(ctx context.Context, svc *corev1.Service) {
	for _, k := range allocationKeys(svc) {
		a.release(ctx, k, owner(svc))
	}
}

func (a *ServiceAllocator) releaseUnused(ctx context.Context, svc, old *corev1.Service) {
	keep := map[string]bool{}
	for _, k := range allocationKeys(svc) {
		keep[k] = true
	}
	for _, k := range allocationKeys(old) {
		if !keep[k] {
			a.release(ctx, k, owner(old))
		}
	}
}

func nodePortsOf(svc *corev1.Service) []int32 {
	var out []int32
	if needsNodePorts(svc) {
		for _, p := range svc.Spec.Ports {
			if p.NodePort != 0 {
				out = append(out, p.NodePort)
			}
		}
	}
	if needsHealthCheckPort(svc) && svc.Spec.HealthCheckNodePort != 0 {
		out = append(out, svc.Spec.HealthCheckNodePort)
	}
	return out
}

func allocationKeys(svc *corev1.Service) []string {
	var keys []string
	for _, ip := range svc.Spec.ClusterIPs {
		if ip != "" && ip != corev1.ClusterIPNone {
			keys = append(keys, ipPrefix+ip)
		}
	}
	if len(svc.Spec.ClusterIPs) == 0 && svc.Spec.ClusterIP != "" && svc.Spec.ClusterIP != corev1.ClusterIPNone {
		keys = append(keys, ipPrefix+svc.Spec.ClusterIP)
	}
	for _, p := range nodePortsOf(svc) {
		keys = append(keys, portPrefix+strconv.Itoa(int(p)))
	}
	return keys
}

// Repair makes the allocation records agree with the stored Services:
// records nobody owns are dropped, missing ones restored. Run it before
// serving.
func (a *ServiceAllocator) Repair(ctx context.Context, services []corev1.Service) error {
	want := map[string]string{}
	for i := range services {
		for _, k := range allocationKeys(&services[i]) {
			want[k] = owner(&services[i])
		}
	}
	for _, prefix := range []string{ipPrefix, portPrefix} {
		res, err := a.store.List(ctx, prefix, storage.ListOptions{})
		if err != nil {
			return fmt.Errorf("repair allocations: %w", err)
		}
		for _, kv := range res.KVs {
			if who, ok := want[kv.Key]; ok && who == string(kv.Value) {
				delete(want, kv.Key)
				continue
			}
			if _, _, err := a.store.OptimisticDelete(ctx, kv.Key, kv.ModRevision); err != nil && !errors.Is(err, storage.ErrConflict) {
				return fmt.Errorf("repair allocations: %w", err)
			}
		}
	}
	for k, who := range want {
		if _, err := a.store.Create(ctx, k, []byte(who)); err != nil && !errors.Is(err, storage.ErrExists) {
			return fmt.Errorf("repair allocations: %w", err)
		}
	}
	return nil
}
