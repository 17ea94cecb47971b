package org

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/internal/textrule"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/xtime"
)

// API key limits (ours).
const (
	MaxKeyName    = 100
	MaxAllowedIPs = 100
)

// APIKey is a stored API key as its organization's admins and its creator
// see it. Key is set only in the answer to its creation: it is never stored.
type APIKey struct {
	ID             string      `json:"id"`
	Name           string      `json:"name"`
	OrganizationID string      `json:"organization_id"`
	Prefix         string      `json:"prefix"` // the first characters, to tell keys apart
	Scopes         []string    `json:"scopes"`
	AllowedIPs     []string    `json:"allowed_ips"`
	ExpiresAt      *xtime.Time `json:"expires_at"`
	CreatedBy      string      `json:"created_by"`
	CreatedAt      xtime.Time  `json:"created_at"`
	LastUsedAt     *xtime.Time `json:"last_used_at"`
	Key            string      `json:"key,omitempty"`
}

// CreateKeyRequest creates an API key for an organization the caller
// belongs to. AllowedIPs holds addresses or CIDR prefixes; empty allows any.
type CreateKeyRequest struct {
	Name           string      `json:"name"`
	OrganizationID string      `json:"organization_id"`
	Scopes         []string    `json:"scopes"`
	AllowedIPs     []string    `json:"allowed_ips,omitempty"`
	ExpiresAt      *xtime.Time `json:"expires_at,omitempty"`
}

// Normalize trims the fields, removes duplicate scopes and writes allow-list
// entries in their canonical form.
func (r *CreateKeyRequest) Normalize() {
	r.Name = strings.TrimSpace(r.Name)
	r.OrganizationID = strings.TrimSpace(r.OrganizationID)
	slices.Sort(r.Scopes)
	r.Scopes = slices.Compact(r.Scopes)
	for i, s := range r.AllowedIPs {
		if p, err := ParseAllowed(s); err == nil {
			r.AllowedIPs[i] = p.String()
		}
	}
	slices.Sort(r.AllowedIPs)
	r.AllowedIPs = slices.Compact(r.AllowedIPs)
}

// Validate checks a normalised request at time now.
func (r CreateKeyRequest) Validate(now time.Time) error {
	if r.Name == "" {
		return xerr.InvalidField("name", "is required")
	}
	if err := textrule.Line("name", r.Name, MaxKeyName); err != nil {
		return err
	}
	if r.OrganizationID == "" {
		return xerr.InvalidField("organization_id", "is required")
	}
	if len(r.Scopes) == 0 {
		return xerr.InvalidField("scopes", "must name at least one scope")
	}
	for _, s := range r.Scopes {
		if !auth.ValidScope(s) {
			return xerr.InvalidField("scopes", "unknown scope "+quote(s))
		}
	}
	if len(r.AllowedIPs) > MaxAllowedIPs {
		return xerr.InvalidField("allowed_ips", "must hold at most 100 entries")
	}
	if _, err := ParseAllowList(r.AllowedIPs); err != nil {
		return err
	}
	if r.ExpiresAt != nil && !r.ExpiresAt.Time.After(now) {
		return xerr.InvalidField("expires_at", "must be in the future")
	}
	return nil
}

// quote shows a client's value safely inside an error message.
func quote(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return strconv.QuoteToASCII(s)
}

// ParseAllowed parses one allow-list entry: an address (a single-address
// prefix) or a CIDR prefix, masked to its network.
func ParseAllowed(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, xerr.InvalidField("allowed_ips", "is not an IP address or CIDR prefix")
		}
		// An IPv4-mapped prefix is the IPv4 one: Allows compares clients
		// unmapped, and an IPv6 prefix never contains an IPv4 address.
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, xerr.InvalidField("allowed_ips", "is not an IP address or CIDR prefix")
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// ParseAllowList parses every entry; an empty list allows any address.
func ParseAllowList(entries []string) (AllowList, error) {
	var l AllowList
	for _, s := range entries {
		p, err := ParseAllowed(s)
		if err != nil {
			return nil, err
		}
		l = append(l, p)
	}
	return l, nil
}

// AllowList is a parsed IP allow-list.
type AllowList []netip.Prefix

// Allows reports whether ip (an address in text form) may use the key. An
// empty list allows any address; an unparsable address is refused.
func (l AllowList) Allows(ip string) bool {
	if len(l) == 0 {
		return true
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap().WithZone("")
	for _, p := range l {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
