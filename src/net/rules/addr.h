/* IP addresses, CIDRs and host:port authorities: parsing, canonical form, classification.
 * The one place that knows every spelling of an address (docs/network-rules.md).  Never
 * resolves names, allocates, prints or exits: callers pass literals and resolved addresses. */
#ifndef MOAT_NET_ADDR_H
#define MOAT_NET_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h> /* INET6_ADDRSTRLEN, for addr_format buffers */
#include <sys/socket.h>

/* AF_INET: b[0..3]; AF_INET6: b[0..15].  Bytes past the family's length are zero. */
struct net_addr {
    sa_family_t family;
    uint8_t b[16];
};

/* Strict literal: IPv4 as exactly four decimal parts 0-255 without leading zeros (no octal,
 * hex or short forms); IPv6 (RFC 4291 §2.2, with or without [brackets], an embedded dotted
 * quad allowed in the last 32 bits).  Zone ids ("fe80::1%eth0", "%25") are refused.
 * 0 or -EINVAL. */
int addr_parse(const char *text, struct net_addr *out);

/* inet_aton(3)-style IPv4 spellings (0x7f.1, 017700000001, 2130706433, 127.1): one to four
 * parts, each decimal, octal (leading 0) or hex (0x).  Only to recognise bypass attempts so
 * that they get the verdict of the address they denote; never to accept an address as
 * written in a policy.  0 or -EINVAL. */
int addr_parse_loose_ipv4(const char *text, struct net_addr *out);

/* ::ffff:a.b.c.d (RFC 4291 §2.5.5.2) and ::a.b.c.d (§2.5.5.1, but not :: and ::1) become
 * AF_INET; anything else is copied.  in and out may be the same. */
void addr_canonical(const struct net_addr *in, struct net_addr *out);

/* For deny decisions: the IPv4 address carried inside an IPv6 one, if any: mapped, compat,
 * IPv4-translated (::ffff:0:a.b.c.d, RFC 2765), NAT64 64:ff9b::/96 (RFC 6052) and
 * 64:ff9b:1::/48 (RFC 8215, in the RFC 6052 /48 layout), 6to4 2002::/16 (RFC 3056). */
bool addr_unwrap_embedded_ipv4(const struct net_addr *in, struct net_addr *out);

enum addr_class {
    ADDR_GLOBAL,
    ADDR_LOOPBACK,     /* 127/8, ::1 (and ::ffff:127/104 by canonicalisation) */
    ADDR_LINK_LOCAL,   /* 169.254/16, fe80::/10 */
    ADDR_METADATA,     /* cloud instance metadata services; wins over link-local/private */
    ADDR_UNSPECIFIED,  /* 0/8, :: */
    ADDR_MULTICAST,    /* 224/4, ff00::/8 */
    ADDR_PRIVATE,      /* 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7, fec0::/10 */
    ADDR_BROADCAST,    /* 255.255.255.255 */
};

/* The class of the canonical form of a. */
enum addr_class addr_classify(const struct net_addr *a);
const char *addr_class_name(enum addr_class c);
/* Loopback, link-local, metadata, unspecified, multicast, broadcast: the classes no hostname
 * may resolve to and no broad rule opens (docs/network-rules.md). */
bool addr_class_is_special(enum addr_class c);
/* a, in any spelling, or an IPv4 embedded in it (mapped, compat, NAT64, 6to4) is special. */
bool addr_is_special(const struct net_addr *a);

/* a as inet_ntop(3) writes it (IPv6 without brackets, not canonicalised).  0; -ENOSPC when
 * buf is too small (INET6_ADDRSTRLEN always fits); -EAFNOSUPPORT for an unset family. */
int addr_format(const struct net_addr *a, char *buf, size_t size);

/* Equal after canonicalisation: 127.0.0.1 equals ::ffff:127.0.0.1. */
bool addr_equal(const struct net_addr *a, const struct net_addr *b);

/* a and port as a socket address (sockaddr_in or sockaddr_in6, zero-filled);
 * returns its length. */
socklen_t addr_to_sockaddr(const struct net_addr *a, uint16_t port, struct sockaddr_storage *ss);
/* The reverse: the address and port of an AF_INET or AF_INET6 socket address. */
void addr_from_sockaddr(const struct sockaddr_storage *ss, struct net_addr *a, uint16_t *port);

struct net_cidr {
    struct net_addr base; /* canonical, host bits zero */
    unsigned prefix;
};

/* "203.0.113.0/24", "2001:db8::/32", "[2001:db8::]/32", or a bare address (/32 or /128).
 * A v4-mapped CIDR (::ffff:0:0/96 and longer) becomes the IPv4 CIDR.  -EINVAL for a bad
 * address, a prefix out of range or with leading zeros, or host bits set. */
int cidr_parse(const char *text, struct net_cidr *out);
/* Same, and *why (static text) says what is wrong.  When host bits are set, out still
 * receives the network they belong to, so callers can say "did you mean ...". */
int cidr_parse_explain(const char *text, struct net_cidr *out, const char **why);

/* On canonical forms: an IPv4 CIDR matches the mapped and compat spellings of its addresses;
 * an IPv6 CIDR never matches an address whose canonical form is IPv4. */
bool cidr_contains(const struct net_cidr *c, const struct net_addr *a);
/* Every address of inner is in outer. */
bool cidr_within(const struct net_cidr *inner, const struct net_cidr *outer);
/* Every address of c is of class cls: "lists that class's addresses explicitly", as the
 * policy requires before loopback, link-local or metadata may be reached.  0.0.0.0/0 is not
 * within loopback; 127.0.0.0/8 is, 169.254.0.0/16 is within link-local but not metadata. */
bool cidr_within_class(const struct net_cidr *c, enum addr_class cls);
/* The IPv4-compatible spelling of an IPv4 CIDR: a.b.c.d/p as ::a.b.c.d/(96+p).  A workload
 * that connects to ::a.b.c.d sends IPv6 packets to it, which addr_canonical reads as
 * a.b.c.d, so a kernel ruleset that lets a.b.c.d through must let this through too (the
 * mapped spelling ::ffff:a.b.c.d needs nothing: the kernel sends IPv4).  False for IPv6. */
bool cidr_ipv4_compat(const struct net_cidr *v4, struct net_cidr *out);

/* c as "base/prefix" (IPv6 without brackets).  0 or -ENOSPC. */
int cidr_format(const struct net_cidr *c, char *buf, size_t size);

/* A port in plain decimal, 1-65535 (no sign, no leading zero): 0 or -EINVAL. */
int addr_port_parse(const char *text, size_t len, uint16_t *out);

/* "host:port", "[v6]:port", "1.2.3.4:port", and "host", "[v6]", "1.2.3.4" when port_optional.
 * A bare IPv6 address (no brackets) is accepted only as a whole, never followed by a port:
 * "2001:db8::1:443" is one address.  Zone ids are refused; port is 1-65535 in plain decimal.
 * host receives the normalised name (hostname_normalize) or, for an address, its text
 * without brackets; is_ip and ip are set for literals, including inet_aton spellings
 * (0x7f.1), so that they are judged as the address they denote.  0 or -EINVAL. */
struct authority {
    char host[256];
    uint16_t port;
    bool has_port;
    bool is_ip;
    struct net_addr ip;
};
int authority_parse(const char *text, bool port_optional, struct authority *out);

#endif
