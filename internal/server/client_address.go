package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientIP is the client's address for the login throttle and the security
// log (clientAddress with the configured TRUSTED_PROXIES).
func (s *Server) clientIP(r *http.Request) string { return clientAddress(r, s.cfg.TrustedProxies) }

// clientAddress is the TCP peer's address, unless the peer is a trusted
// proxy: then X-Forwarded-For is read from the right — each proxy appends
// the address it received the request from — skipping trusted proxies; the
// first address that is not one is the client. What lies further left was
// written by the client itself and is never believed. When the header is
// missing, malformed or all trusted, the last trusted hop reached is
// returned (never a client-written value).
func clientAddress(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !isTrusted(peer, trusted) {
		return host
	}
	client := peer
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		client = a.Unmap()
		if !isTrusted(client, trusted) {
			break
		}
	}
	return client.String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
