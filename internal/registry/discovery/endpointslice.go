package discovery

import (
	"net"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

const (
	maxTopologyLabels = 16
	maxAddresses      = 100
	maxPorts          = 20000
	maxEndpoints      = 1000
	maxZoneHints      = 8
	maxNodeHints      = 8
)

// DefaultEndpointSlice defaults each port's name to "" and protocol to TCP.
func DefaultEndpointSlice(es *discoveryv1.EndpointSlice) {
	for i := range es.Ports {
		p := &es.Ports[i]
		if p.Name == nil {
			p.Name = ptr.To("")
		}
		if p.Protocol == nil {
			p.Protocol = ptr.To(corev1.ProtocolTCP)
		}
	}
}

// ValidateEndpointSlice checks a new EndpointSlice, metadata included.
func ValidateEndpointSlice(es *discoveryv1.EndpointSlice) field.ErrorList {
	return validateEndpointSlice(es, nil)
}

// ValidateEndpointSliceUpdate checks es as a replacement for old;
// addressType is immutable. Addresses kept from old are not re-checked
// strictly.
func ValidateEndpointSliceUpdate(es, old *discoveryv1.EndpointSlice) field.ErrorList {
	errs := validateEndpointSlice(es, old)
	errs = append(errs, apimachineryvalidation.ValidateObjectMetaUpdate(&es.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))...)
	return append(errs, apimachineryvalidation.ValidateImmutableField(es.AddressType, old.AddressType, field.NewPath("addressType"))...)
}

func validateEndpointSlice(es, old *discoveryv1.EndpointSlice) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMeta(&es.ObjectMeta, true, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	ap := field.NewPath("addressType")
	switch es.AddressType {
	case "":
		errs = append(errs, field.Required(ap, ""))
	case discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6, discoveryv1.AddressTypeFQDN:
	default:
		errs = append(errs, field.NotSupported(ap, es.AddressType, []string{string(discoveryv1.AddressTypeFQDN), string(discoveryv1.AddressTypeIPv4), string(discoveryv1.AddressTypeIPv6)}))
	}
	errs = append(errs, validateEndpoints(es, old, field.NewPath("endpoints"))...)
	return append(errs, validatePorts(es.Ports, field.NewPath("ports"))...)
}

func validateEndpoints(es, old *discoveryv1.EndpointSlice, fldPath *field.Path) field.ErrorList {
	if len(es.Endpoints) > maxEndpoints {
		return field.ErrorList{field.TooMany(fldPath, len(es.Endpoints), maxEndpoints)}
	}
	var oldIPs []string
	if old != nil {
		for _, ep := range old.Endpoints {
			oldIPs = append(oldIPs, ep.Addresses...)
		}
	}
	var errs field.ErrorList
	for i, ep := range es.Endpoints {
		p := fldPath.Index(i)
		ap := p.Child("addresses")
		switch {
		case len(ep.Addresses) == 0:
			errs = append(errs, field.Required(ap, "must contain at least 1 address"))
		case len(ep.Addresses) > maxAddresses:
			errs = append(errs, field.TooMany(ap, len(ep.Addresses), maxAddresses))
		}
		for j, addr := range ep.Addresses {
			errs = append(errs, validateAddress(es.AddressType, addr, oldIPs, ap.Index(j))...)
		}
		if ep.NodeName != nil {
			for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(*ep.NodeName, false) {
				errs = append(errs, field.Invalid(p.Child("nodeName"), *ep.NodeName, msg))
			}
		}
		tp := p.Child("deprecatedTopology")
		if len(ep.DeprecatedTopology) > maxTopologyLabels {
			errs = append(errs, field.TooMany(tp, len(ep.DeprecatedTopology), maxTopologyLabels))
		}
		errs = append(errs, metav1validation.ValidateLabels(ep.DeprecatedTopology, tp)...)
		if ep.Zone != nil {
			for _, msg := range validation.IsValidLabelValue(*ep.Zone) {
				errs = append(errs, field.Invalid(p.Child("zone"), *ep.Zone, msg))
			}
		}
		if ep.Hostname != nil {
			for _, msg := range validation.IsDNS1123Label(*ep.Hostname) {
				errs = append(errs, field.Invalid(p.Child("hostname"), *ep.Hostname, msg))
			}
		}
		if ep.Hints != nil {
			errs = append(errs, validateHints(ep.Hints, p.Child("hints"))...)
		}
	}
	return errs
}

func validateAddress(t discoveryv1.AddressType, addr string, oldIPs []string, fldPath *field.Path) field.ErrorList {
	switch t {
	case discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6:
		errs := validation.IsValidIPForLegacyField(fldPath, addr, true, oldIPs)
		if len(errs) > 0 {
			return errs
		}
		ip := net.ParseIP(addr)
		if ip == nil {
			return nil
		}
		if t == discoveryv1.AddressTypeIPv4 && ip.To4() == nil {
			return field.ErrorList{field.Invalid(fldPath, addr, "must be an IPv4 address")}
		}
		if t == discoveryv1.AddressTypeIPv6 && ip.To4() != nil {
			return field.ErrorList{field.Invalid(fldPath, addr, "must be an IPv6 address")}
		}
	case discoveryv1.AddressTypeFQDN:
		return validation.IsFullyQualifiedDomainName(fldPath, addr)
	}
	return nil
}

func validateHints(h *discoveryv1.EndpointHints, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	zp := fldPath.Child("forZones")
	if len(h.ForZones) > maxZoneHints {
		return field.ErrorList{field.TooMany(zp, len(h.ForZones), maxZoneHints)}
	}
	seen := map[string]bool{}
	for i, z := range h.ForZones {
		np := zp.Index(i).Child("name")
		if seen[z.Name] {
			errs = append(errs, field.Duplicate(np, z.Name))
		}
		seen[z.Name] = true
		for _, msg := range validation.IsValidLabelValue(z.Name) {
			errs = append(errs, field.Invalid(np, z.Name, msg))
		}
	}
	nodesPath := fldPath.Child("forNodes")
	if len(h.ForNodes) > maxNodeHints {
		return append(errs, field.TooMany(nodesPath, len(h.ForNodes), maxNodeHints))
	}
	seen = map[string]bool{}
	for i, n := range h.ForNodes {
		np := nodesPath.Index(i).Child("name")
		if seen[n.Name] {
			errs = append(errs, field.Duplicate(np, n.Name))
		}
		seen[n.Name] = true
		for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(n.Name, false) {
			errs = append(errs, field.Invalid(np, n.Name, msg))
		}
	}
	return errs
}

func validatePorts(ports []discoveryv1.EndpointPort, fldPath *field.Path) field.ErrorList {
	if len(ports) > maxPorts {
		return field.ErrorList{field.TooMany(fldPath, len(ports), maxPorts)}
	}
	var errs field.ErrorList
	names := map[string]bool{}
	for i, port := range ports {
		p := fldPath.Index(i)
		name := ptr.Deref(port.Name, "")
		if name != "" {
			for _, msg := range validation.IsDNS1123Label(name) {
				errs = append(errs, field.Invalid(p.Child("name"), name, msg))
			}
		}
		if names[name] {
			errs = append(errs, field.Duplicate(p.Child("name"), port.Name))
		}
		names[name] = true
		switch {
		case port.Protocol == nil:
			errs = append(errs, field.Required(p.Child("protocol"), ""))
		case *port.Protocol != corev1.ProtocolTCP && *port.Protocol != corev1.ProtocolUDP && *port.Protocol != corev1.ProtocolSCTP:
			errs = append(errs, field.NotSupported(p.Child("protocol"), *port.Protocol, []corev1.Protocol{corev1.ProtocolSCTP, corev1.ProtocolTCP, corev1.ProtocolUDP}))
		}
		if port.AppProtocol != nil {
			for _, msg := range validation.IsQualifiedName(*port.AppProtocol) {
				errs = append(errs, field.Invalid(p.Child("appProtocol"), *port.AppProtocol, msg))
			}
		}
	}
	return errs
}
