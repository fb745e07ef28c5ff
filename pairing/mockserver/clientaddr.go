package mockserver

import (
	"context"
	"net"
	"net/http"
	"strings"

	"github.com/linkdesk/linkdesk/pairing"
)

// ClientIPHeader lets a tester play a desktop or phone on another network:
// from a loopback peer (and only from one) the server takes the request as
// coming from this address everywhere it looks at the caller's address (the
// phone's view, the journal, the network check). From any other peer it is
// ignored, so nobody on the network can choose their own address.
const ClientIPHeader = "X-Linkdesk-Mock-Client-IP"

type clientAddrKey struct{}

// clientAddr is the caller's address as the server uses it.
type clientAddr struct {
	ip  string // the header's address, or the TCP peer's
	bad bool   // a loopback peer sent a header that is not an IP address
}

// withClientAddress works out each request's address once, before the
// journal records it; guard refuses a malformed header.
func withClientAddress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := clientAddr{ip: peerIP(r)}
		if v, ok := r.Header[http.CanonicalHeaderKey(ClientIPHeader)]; ok && isLoopback(a.ip) {
			if ip := parseIP(v); ip != nil {
				a.ip = ip.String()
			} else {
				a.bad = true
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientAddrKey{}, a)))
	})
}

// parseIP reads the header's one value: an IPv4 or IPv6 address, without
// port or zone; nil for anything else (two headers, a list, a host name).
func parseIP(values []string) net.IP {
	if len(values) != 1 {
		return nil
	}
	return net.ParseIP(strings.TrimSpace(values[0]))
}

// errBadClientIP answers a loopback caller whose header is not an address.
func errBadClientIP() *apiError {
	return badRequest(ClientIPHeader + " must be one IPv4 or IPv6 address, such as 203.0.113.7")
}

// clientIP is the address the request came from, as the phone shows it and
// the network check compares: the tester's header from a loopback peer, else
// the TCP peer. Forwarding headers are ignored: anyone can set them.
func clientIP(r *http.Request) string {
	if a, ok := r.Context().Value(clientAddrKey{}).(clientAddr); ok {
		return a.ip
	}
	return peerIP(r)
}

// badClientIP reports whether a loopback peer sent a malformed header.
func badClientIP(r *http.Request) bool {
	a, ok := r.Context().Value(clientAddrKey{}).(clientAddr)
	return ok && a.bad
}

// peerIP is the TCP peer's address: what access rules look at, whatever
// the header says.
func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func isLoopback(ip string) bool {
	p := net.ParseIP(ip)
	return p != nil && p.IsLoopback()
}

// sameNetwork says whether a phone at phoneIP is on the network of a
// desktop at desktopIP: the same IPv4 /24 or IPv6 /56 (a home or office
// network), or both on this machine. Anything unreadable is different.
func sameNetwork(phoneIP, desktopIP string) bool {
	a, b := net.ParseIP(phoneIP), net.ParseIP(desktopIP)
	switch {
	case a == nil || b == nil:
		return false
	case a.IsLoopback() && b.IsLoopback():
		return true
	}
	if a4, b4 := a.To4(), b.To4(); a4 != nil || b4 != nil {
		if a4 == nil || b4 == nil {
			return false
		}
		m := net.CIDRMask(24, 32)
		return a4.Mask(m).Equal(b4.Mask(m))
	}
	m := net.CIDRMask(56, 128)
	return a.Mask(m).Equal(b.Mask(m))
}

// networkOf is sameNetwork in the protocol's words.
func networkOf(phoneIP, desktopIP string) string {
	if sameNetwork(phoneIP, desktopIP) {
		return pairing.NetworkSame
	}
	return pairing.NetworkDifferent
}
