package core

import (
	"net"
	"strings"
)

// parseIPSloppy parses an IP address, tolerating leading zeros in IPv4
// octets as the API always has.
func parseIPSloppy(s string) net.IP {
	if !strings.Contains(s, ":") {
		parts := strings.Split(s, ".")
		if len(parts) == 4 {
			for i, p := range parts {
				t := strings.TrimLeft(p, "0")
				if t == "" && p != "" {
					t = "0"
				}
				parts[i] = t
			}
			s = strings.Join(parts, ".")
		}
	}
	return net.ParseIP(s)
}
