/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Header parsing for the XDP program: a cursor over the packet and one
 * bounded parse_<hdr>() per header that checks its bounds and advances.
 * Every function returns 0 on success or the ES_CNT_* outcome that ends
 * the packet (malformed, not IP, fragment...).
 */
#ifndef EDISENSOR_PARSE_H
#define EDISENSOR_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "edisensor.h"

#ifndef ES_MAX_VLANS
#define ES_MAX_VLANS 2
#endif
#ifndef ES_MAX_IPV6_EXT
#define ES_MAX_IPV6_EXT 6
#endif

/* pos/end bound the linear part of the frame, which the headers must be
 * in; len is the whole frame including multi-buffer fragments, which the
 * payload may extend into. Offsets and lengths are 64-bit here: they are
 * bounded by the frame anyway, and 32-bit ones cost a zero-extension (two
 * instructions) at every comparison on the path of every packet. */
struct cursor {
	void *pos;
	void *end;
	void *start;
	__u64 len;
};

static __always_inline __u64 cursor_off(const struct cursor *c, const void *p)
{
	return (__u64)(p - c->start);
}

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* What the monitored path needs of a TCP packet (es_pkt_fill()). */
struct es_pkt {
	struct es_flow_key key;
	__u32 seq;
	__u32 ack;
	__u32 payload_off;   /* from the start of the frame */
	__u32 payload_len;   /* bytes of TCP payload (IP length based, not frame length) */
	__u8  tcp_flags;     /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 */
	__u8  dir;           /* enum es_dir */
	__u8  pad[2];
};

/*
 * Where the parsers found the headers. Parsing only validates and keeps
 * pointers: the flow key, sequence numbers and payload bounds are copied
 * out (es_pkt_fill()) only once the packet is known to be monitored, so a
 * packet that is not costs its bounds checks and the port test, no stores.
 */
struct es_hdrs {
	void *l3;            /* struct iphdr or struct ipv6hdr */
	struct tcphdr *tcp;
	__u64 l3_end;        /* frame offset of the IP packet's end */
	__u64 doff;          /* TCP header length, options included */
	__u8  l4;            /* IP protocol / last IPv6 next header */
	__u8  family;        /* 4 or 6: set for es_pkt_fill() only (the parsers
				for the path of every packet need not keep it) */
};

#define ES_TCP_FIN 0x01
#define ES_TCP_SYN 0x02
#define ES_TCP_RST 0x04
#define ES_TCP_ACK 0x10

static __always_inline int parse_eth(struct cursor *c, __u16 *proto)
{
	struct ethhdr *eth = c->pos;

	if ((void *)(eth + 1) > c->end)
		return ES_CNT_MALFORMED_ETH;
	/* struct ethhdr is packed, so eth->h_proto reads as two bytes; the
	 * field is 2-aligned in any frame, one 16-bit load does */
	*proto = *(__be16 *)((void *)eth + __builtin_offsetof(struct ethhdr, h_proto));
	c->pos = eth + 1;
	return 0;
}

static __always_inline int is_vlan(__u16 proto)
{
	return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD);
}

/* Up to ES_MAX_VLANS tags (802.1Q and 802.1ad, in any order). A deeper
 * stack is not IP to us: counted as malformed VLAN and passed. */
static __always_inline int parse_vlans(struct cursor *c, __u16 *proto)
{
	int i;

#pragma unroll
	for (i = 0; i < ES_MAX_VLANS; i++) {
		struct vlan_hdr *vh = c->pos;

		if (!is_vlan(*proto))
			return 0;
		if ((void *)(vh + 1) > c->end)
			return ES_CNT_MALFORMED_VLAN;
		*proto = vh->proto;
		c->pos = vh + 1;
	}
	return is_vlan(*proto) ? ES_CNT_MALFORMED_VLAN : 0;
}

/* Returns the IP total length that is really in the frame, so Ethernet
 * padding of short frames is never read as TCP payload. */
static __always_inline int parse_ipv4(struct cursor *c, struct es_hdrs *h)
{
	struct iphdr *ip = c->pos;
	__u64 hlen, tot;
	__u8 vihl;

	if ((void *)(ip + 1) > c->end)
		return ES_CNT_MALFORMED_IPV4;
	/* version 4 and ihl >= 5 in one test: the first byte is 0x45..0x4f */
	vihl = *(__u8 *)ip;
	if ((__u8)(vihl - 0x45) > 0x4f - 0x45)
		return ES_CNT_MALFORMED_IPV4;
	hlen = (vihl & 0x0f) * 4;
	tot = bpf_ntohs(ip->tot_len);
	if (tot < hlen || cursor_off(c, ip) + tot > c->len)
		return ES_CNT_MALFORMED_IPV4;
	if (ip->frag_off & bpf_htons(0x3fff))   /* MF set or offset non-zero */
		return ES_CNT_FRAGMENT;
	h->l4 = ip->protocol;
	h->l3 = ip;
	h->l3_end = cursor_off(c, ip) + tot;
	c->pos = (void *)ip + hlen;
	return 0;
}

struct ipv6_opt_hdr_min {
	__u8 nexthdr;
	__u8 hdrlen;
};

static __always_inline int is_ipv6_ext(__u8 nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_DSTOPTS || nh == IPPROTO_FRAGMENT;
}

/* Walks hop-by-hop, routing, destination-options and fragment headers,
 * at most ES_MAX_IPV6_EXT of them. A fragment header with a non-zero
 * offset or the M flag is a fragment: counted and passed. */
static __always_inline int parse_ipv6_ext(struct cursor *c, __u8 *nh)
{
	int i;

#pragma unroll
	for (i = 0; i < ES_MAX_IPV6_EXT; i++) {
		struct ipv6_opt_hdr_min *h = c->pos;

		if (!is_ipv6_ext(*nh))
			return 0;
		if ((void *)(h + 1) > c->end)
			return ES_CNT_MALFORMED_IPV6;
		if (*nh == IPPROTO_FRAGMENT) {
			__be16 *off = (void *)h + 2;

			if ((void *)h + 8 > c->end)
				return ES_CNT_MALFORMED_IPV6;
			if (*off & bpf_htons(0xfff9))   /* offset bits or M flag */
				return ES_CNT_FRAGMENT;
			*nh = h->nexthdr;
			c->pos = (void *)h + 8;
			continue;
		}
		*nh = h->nexthdr;
		c->pos = (void *)h + (h->hdrlen + 1) * 8;
		if (c->pos > c->end)
			return ES_CNT_MALFORMED_IPV6;
	}
	return is_ipv6_ext(*nh) ? ES_CNT_MALFORMED_IPV6 : 0;
}

static __always_inline int parse_ipv6(struct cursor *c, struct es_hdrs *h)
{
	struct ipv6hdr *ip6 = c->pos;
	__u64 end;

	if ((void *)(ip6 + 1) > c->end)
		return ES_CNT_MALFORMED_IPV6;
	if (ip6->version != 6)
		return ES_CNT_MALFORMED_IPV6;
	end = cursor_off(c, ip6 + 1) + bpf_ntohs(ip6->payload_len);
	if (end > c->len)
		return ES_CNT_MALFORMED_IPV6;
	h->l3 = ip6;
	h->l4 = ip6->nexthdr;
	h->l3_end = end;
	c->pos = ip6 + 1;
	return parse_ipv6_ext(c, &h->l4);
}

static __always_inline int parse_tcp(struct cursor *c, struct es_hdrs *h)
{
	struct tcphdr *tcp = c->pos;
	__u64 doff;

	if ((void *)(tcp + 1) > c->end)
		return ES_CNT_MALFORMED_TCP;
	doff = (((__u8 *)tcp)[12] >> 4) * 4;
	/* Options must be in the linear part too: the scanner reads the
	 * payload from payload_off. doff >= 20 makes the last test cover the
	 * fixed header's end against the IP length as well. */
	if (doff < sizeof(*tcp) || (void *)tcp + doff > c->end ||
	    cursor_off(c, tcp) + doff > h->l3_end)
		return ES_CNT_MALFORMED_TCP;
	h->tcp = tcp;
	h->doff = doff;
	c->pos = (void *)tcp + doff;
	return 0;
}

/*
 * The frame most traffic is -- untagged Ethernet, IPv4 without options,
 * TCP -- parsed at fixed offsets with one bounds check for the three fixed
 * headers. Returns 1 when the frame is exactly that and well formed, with h
 * as parse_eth() .. parse_tcp() would leave it; 0 sends the frame through
 * those, which find its exact outcome (a frame this refuses may still be
 * fine: VLAN tags, IP options, IPv6). The tests are those of the generic
 * parsers; with ihl 5, tot >= hlen follows from the last one.
 */
static __always_inline int parse_common_ipv4_tcp(const struct cursor *c, struct es_hdrs *h)
{
	void *frame = c->start;
	struct iphdr *ip = frame + sizeof(struct ethhdr);
	struct tcphdr *tcp = (void *)(ip + 1);
	__u64 l3_end, doff;

	if ((void *)(tcp + 1) > c->end)
		return 0;
	if (*(__be16 *)(frame + __builtin_offsetof(struct ethhdr, h_proto)) != bpf_htons(ETH_P_IP) ||
	    *(__u8 *)ip != 0x45 || (ip->frag_off & bpf_htons(0x3fff)) ||
	    ip->protocol != IPPROTO_TCP)
		return 0;
	l3_end = sizeof(struct ethhdr) + bpf_ntohs(ip->tot_len);
	doff = (((__u8 *)tcp)[12] >> 4) * 4;
	if (l3_end > c->len || doff < sizeof(*tcp) || (void *)tcp + doff > c->end ||
	    sizeof(struct ethhdr) + sizeof(*ip) + doff > l3_end)
		return 0;
	h->l3 = ip;
	h->tcp = tcp;
	h->l3_end = l3_end;
	h->doff = doff;
	h->l4 = IPPROTO_TCP;
	return 1;
}

/* The monitored packet's key, sequence numbers, flags and payload bounds,
 * from the headers parse_tcp() accepted (dir is the caller's). */
static __always_inline void es_pkt_fill(struct es_pkt *p, const struct cursor *c,
					const struct es_hdrs *h)
{
	const struct tcphdr *tcp = h->tcp;

	__builtin_memset(p, 0, sizeof(*p));
	p->key.family = h->family;
	if (h->family == 4) {
		const struct iphdr *ip = h->l3;

		__builtin_memcpy(p->key.saddr, &ip->saddr, 4);
		__builtin_memcpy(p->key.daddr, &ip->daddr, 4);
	} else {
		const struct ipv6hdr *ip6 = h->l3;

		__builtin_memcpy(p->key.saddr, &ip6->saddr, 16);
		__builtin_memcpy(p->key.daddr, &ip6->daddr, 16);
	}
	p->key.sport = bpf_ntohs(tcp->source);
	p->key.dport = bpf_ntohs(tcp->dest);
	p->seq = bpf_ntohl(tcp->seq);
	p->ack = bpf_ntohl(tcp->ack_seq);
	p->tcp_flags = ((const __u8 *)tcp)[13];
	p->payload_off = cursor_off(c, tcp) + h->doff;
	p->payload_len = h->l3_end - p->payload_off;
}

#endif /* EDISENSOR_PARSE_H */
