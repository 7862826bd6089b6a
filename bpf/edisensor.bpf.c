// SPDX-License-Identifier: GPL-2.0
/*
 * edisensor programs: parse L2-L4, decide whether the packet belongs to
 * monitored traffic, hand monitored TCP packets to the flow tracker and EDI
 * scanner. One object, three thin entries over the same code and maps:
 *
 *   edisensor_xdp     XDP (ingress). Passive: XDP_PASS on every path
 *                     (XDP_DROP only in the opt-in tap mode for mirror
 *                     ports, after inspection).
 *   edisensor_tc_in   tc ingress  } clsact or tcx: egress coverage, and a
 *   edisensor_tc_eg   tc egress   } home beside foreign XDP programs.
 *                     Verdict ES_TC_VERDICT on every path.
 *
 * The frame is read only through hook.h, which is all that differs.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "edisensor.h"
#include "tags.h"
#include "maps.h"
#include "parse.h"
#include "hook.h"

/* Load-time settings (set by userspace before load). */
const volatile __u8 tap_mode = 0;        /* 1: mirror port, drop after inspection */
const volatile __u8 cidrs_configured = 0; /* 1: consult the cidrs map */
/* Payload bytes a direction may be sought through without finding an EDI
 * header before it is no longer scanned (flow.h); 0 = unlimited. */
const volatile __u64 seek_depth = 0;
/* 1: a direction may hold one early TCP segment until its predecessor
 * comes (flow.h, the `held` map); 0: an early segment is a gap at once. */
const volatile __u8 reorder_hold = 1;

/* Replay: userspace writes the capture time of the packet it is about to
 * run, so events carry capture time. 0 in live mode. */
__u64 replay_clock_ns = 0;

/* The forwarding decision per tag (tags.h), written by userspace
 * (sensor_bpf_set_tags()); tags_all: every tag, also those of four bytes,
 * which the table has no room for. Globals, not maps: the scanner reads
 * them straight, no lookup. */
__u64 tag_class[ES_TAGT_WORDS] = {};
__u8 tags_all = 0;

/* Timestamp for events (the flow tracker and scanner use it). */
static __always_inline __attribute__((unused)) __u64 es_now(void)
{
	return replay_clock_ns ? replay_clock_ns : bpf_ktime_get_ns();
}

#include "flow.h"   /* flow tracking and the EDI scanner: uses es_now(), tag_class */

static __always_inline int addr_monitored(__u8 family, const void *addr)
{
	struct es_cidr_key k = {};

	k.family = family;
	__builtin_memcpy(k.addr, addr, family == 4 ? 4 : 16);
	k.prefixlen = 8 + (family == 4 ? 32 : 128);
	return bpf_map_lookup_elem(&cidrs, &k) != NULL;
}

/* The family from the version nibble the IP parsers checked (not kept in
 * h: one register less on the path of every packet). */
static __always_inline int cidr_monitored(const struct cursor *c, const struct es_hdrs *h)
{
	const struct iphdr *ip = h->l3;
	const struct ipv6hdr *ip6 = h->l3;

	if (ip->version == 4)
		return addr_monitored(4, &ip->saddr) || addr_monitored(4, &ip->daddr);
	/* verifier: it cannot tell an IPv6 header from the nibble */
	if ((const void *)(ip6 + 1) > c->end)
		return 0;
	return addr_monitored(6, &ip6->saddr) || addr_monitored(6, &ip6->daddr);
}

/* The port as it sits in the header indexes the bitmap (see maps.h). */
static __always_inline int port_set(__be16 port)
{
	__u16 i = (__u16)port;

	return (monitored_ports[i >> 6] >> (i & 63)) & 1;
}

/*
 * Which direction of a monitored connection the packet travels (enum
 * es_dir), or ES_DIR_UNKNOWN when it is not monitored. On the path of
 * every TCP packet: the ports straight from the header against the
 * bitmap, and the CIDR trie only when userspace configured CIDRs.
 */
static __always_inline __u8 monitored_dir(const struct cursor *c, const struct es_hdrs *h)
{
	__u16 sport, dport;

	if (port_set(h->tcp->dest))
		return ES_DIR_TO_SERVER;
	if (port_set(h->tcp->source))
		return ES_DIR_TO_CLIENT;
	if (!cidrs_configured || !cidr_monitored(c, h))
		return ES_DIR_UNKNOWN;
	/* No monitored port: the lower port is taken as the server's. */
	sport = bpf_ntohs(h->tcp->source);
	dport = bpf_ntohs(h->tcp->dest);
	return dport < sport ? ES_DIR_TO_SERVER : ES_DIR_TO_CLIENT;
}

/*
 * tc verdict: TC_ACT_UNSPEC, which is "no opinion" -- the packet goes on to
 * the next tcx program or cls_bpf filter and, when none decides, passes.
 * TC_ACT_OK would pass too but end the chain, so a firewall's filter
 * attached after edisensor would never run: a passive sensor must not do
 * that. Never a drop, whatever goes wrong (fail-open).
 */
#define ES_TC_VERDICT TC_ACT_UNSPEC

/* Headers a tc skb may hold outside its linear part: pulled on demand. */
#define ES_TC_PULL_LEN 256u

/*
 * The monitored path as BPF subprograms, one per hook (the hook must stay
 * a constant: each program may call only its own hook's helpers), not
 * inlined into the entry programs: those stay small, so the compiler keeps
 * the parse of every packet in registers instead of spilling it for the
 * sake of this large path, which pays for the call. Only where the IP and
 * TCP headers start and the direction come from the entry, as arguments
 * (neither a copy on the entry's stack -- the call chain down to the
 * scanner must fit the 512-byte BPF stack -- nor more live values in the
 * entry); the rest is read again from the headers the entry validated.
 * Offsets, not packet pointers: the verifier then walks the monitored path
 * once for the parse paths that reach it with the same ranges, instead of
 * once per header layout (~80k instructions less).
 */
#define ES_MON_ARGS __u64 l3_off, __u64 tcp_off, __u8 dir
#define ES_MON_PASS(start, h, dir) \
	(__u64)((h).l3 - (start)), (__u64)((void *)(h).tcp - (start)), (dir)

/*
 * Header offsets stay below 14 + 2 * 4 + 40 + ES_MAX_IPV6_EXT * 2048
 * (Ethernet, VLAN tags, IPv6, extension headers of at most 2048 bytes):
 * masking with this changes none, and bounds them for the verifier, which
 * marks a packet pointer's range only while offset and size stay within
 * 64 KiB.
 */
#define ES_HDR_OFF_MASK 0x3fffu
_Static_assert(14 + 2 * 4 + 40 + ES_MAX_IPV6_EXT * 2048 <= ES_HDR_OFF_MASK,
	       "header offsets must pass the mask unchanged");

/* The monitored packet out of its headers; no helper call, so nothing of
 * the headers has to be saved across one (stack: see above). Returns -1
 * when the headers are not within the linear part, which cannot happen
 * (the entry checked them): the tests and the mask are for the verifier,
 * which sees new pointers here. */
static __always_inline int es_pkt_from(struct es_pkt *pkt, const struct cursor *c, ES_MON_ARGS)
{
	const struct tcphdr *tcp;
	const struct iphdr *ip;
	struct es_hdrs h;
	const void *l3;

	l3_off &= ES_HDR_OFF_MASK;
	tcp_off &= ES_HDR_OFF_MASK;
	l3 = c->start + l3_off;
	tcp = c->start + tcp_off;
	/* an IPv4 header and a TCP header after it take 40 bytes too */
	if (l3 + sizeof(struct ipv6hdr) > c->end)
		return -1;
	/* verifier: keeps the two tests apart (merged into one branch on
	 * their or'ed results, neither bounds its pointer) */
	barrier_var(tcp);
	if ((const void *)(tcp + 1) > c->end)
		return -1;
	ip = l3;
	h.l3 = (void *)l3;
	h.tcp = (struct tcphdr *)tcp;
	h.doff = (((const __u8 *)tcp)[12] >> 4) * 4;
	/* the version nibble is where parse_ipv4()/parse_ipv6() left it */
	if (ip->version == 4) {
		h.family = 4;
		h.l3_end = l3_off + bpf_ntohs(ip->tot_len);
	} else {
		const struct ipv6hdr *ip6 = l3;

		h.family = 6;
		h.l3_end = l3_off + sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
	}
	es_pkt_fill(pkt, c, &h);
	pkt->dir = dir;
	return 0;
}

/* A monitored TCP packet, counted already: its payload accounted; the flow
 * tracker and scanner take it from here. */
static __always_inline int es_monitored(struct es_frame *fr, const struct es_pkt *pkt)
{
	es_frame_ifindex(fr);
	if (!pkt->payload_len) {
		count(fr->hook, ES_CNT_PAYLOAD_EMPTY);
		/* SYN, FIN and RST without data still drive the flow state */
		if (pkt->tcp_flags & (ES_TCP_SYN | ES_TCP_FIN | ES_TCP_RST))
			es_flow_packet(fr, pkt);
		return 0;
	}
	count_add(fr->hook, ES_CNT_PAYLOAD_BYTES, pkt->payload_len);
	es_flow_packet(fr, pkt);
	return 0;
}

static __attribute__((noinline)) int es_monitored_xdp(struct xdp_md *ctx, ES_MON_ARGS)
{
	struct es_frame fr;
	struct es_pkt pkt;
	struct cursor c;
	int bad;

	es_frame_xdp(&fr, &c, ctx);
	bad = es_pkt_from(&pkt, &c, l3_off, tcp_off, dir);
	count(ES_HOOK_XDP, ES_CNT_MONITORED);
	if (bad)
		return 0;
	es_frame_xdp_frags(&fr, &c, ctx);   /* the payload may reach into fragments */
	return es_monitored(&fr, &pkt);
}

static __always_inline int es_monitored_skb(struct __sk_buff *skb, __u8 hook, ES_MON_ARGS)
{
	struct es_frame fr;
	struct es_pkt pkt;
	struct cursor c;
	int bad;

	es_frame_skb(&fr, &c, skb, hook);
	bad = es_pkt_from(&pkt, &c, l3_off, tcp_off, dir);
	count(hook, ES_CNT_MONITORED);
	if (bad)
		return 0;
	return es_monitored(&fr, &pkt);
}

static __attribute__((noinline)) int es_monitored_tc_in(struct __sk_buff *skb, ES_MON_ARGS)
{
	return es_monitored_skb(skb, ES_HOOK_TC_INGRESS, l3_off, tcp_off, dir);
}

static __attribute__((noinline)) int es_monitored_tc_eg(struct __sk_buff *skb, ES_MON_ARGS)
{
	return es_monitored_skb(skb, ES_HOOK_TC_EGRESS, l3_off, tcp_off, dir);
}

/* Parses the frame under cursor c; returns the outcome counter. For a
 * monitored packet, h holds the headers and *dir its direction. */
static __always_inline __u32 classify(struct cursor *cur, struct es_hdrs *h, __u8 *dir)
{
	struct cursor c = *cur;
	__u16 proto;
	int r;

	if (parse_common_ipv4_tcp(&c, h))
		goto tcp;
	r = parse_eth(&c, &proto);
	if (!r)
		r = parse_vlans(&c, &proto);
	if (r)
		return r;
	if (proto == bpf_htons(ETH_P_IP))
		r = parse_ipv4(&c, h);
	else if (proto == bpf_htons(ETH_P_IPV6))
		r = parse_ipv6(&c, h);
	else
		return ES_CNT_NON_IP;
	if (r)
		return r;
	if (h->l4 != IPPROTO_TCP)
		return ES_CNT_NON_TCP;
	r = parse_tcp(&c, h);
	if (r)
		return r;
tcp:
	*dir = monitored_dir(&c, h);
	return *dir ? ES_CNT_MONITORED : ES_CNT_NOT_MONITORED;
}

static __always_inline int es_outcome_malformed(__u32 outcome)
{
	return outcome >= ES_CNT_MALFORMED_ETH && outcome <= ES_CNT_MALFORMED_TCP;
}

/*
 * Every packet is counted once, in its outcome counter: userspace derives
 * ES_CNT_PACKETS as the sum of the outcomes (counters_read()), which saves
 * a second per-CPU increment on the path of every packet. The headers stay
 * in h, which only the monitored branch hands on (as a copy), so for all
 * other packets the compiler keeps them in registers.
 */
SEC("xdp.frags")
int edisensor_xdp(struct xdp_md *ctx)
{
	struct es_hdrs h;
	struct es_frame fr;
	struct cursor c;
	__u32 outcome;
	__u8 dir = 0;

	es_frame_xdp(&fr, &c, ctx);
	outcome = classify(&c, &h, &dir);
	/* IP lengths past the linear part: parse again over the fragments */
	if (es_outcome_malformed(outcome) && es_frame_xdp_frags(&fr, &c, ctx))
		outcome = classify(&c, &h, &dir);
	if (outcome == ES_CNT_MONITORED)
		es_monitored_xdp(ctx, ES_MON_PASS(es_xdp_data_again(ctx), h, dir));
	else
		count(ES_HOOK_XDP, outcome);
	return tap_mode ? XDP_DROP : XDP_PASS;
}

/*
 * The tc entry. Headers normally sit in the skb's linear part; when they do
 * not (a cut that ends inside them), the first ES_TC_PULL_LEN bytes are
 * made linear and the frame parsed again -- only then, since pulling
 * copies (and un-clones a TCP egress skb).
 */
static __always_inline int es_tc(struct __sk_buff *skb, __u8 hook)
{
	struct es_hdrs h;
	struct es_frame fr;
	struct cursor c;
	__u32 outcome;
	__u8 dir = 0;

	es_frame_skb(&fr, &c, skb, hook);
	outcome = classify(&c, &h, &dir);
	if (es_outcome_malformed(outcome) && es_frame_skb_pull(&fr, &c, skb, hook, ES_TC_PULL_LEN))
		outcome = classify(&c, &h, &dir);
	if (outcome == ES_CNT_MONITORED && hook == ES_HOOK_TC_INGRESS)
		es_monitored_tc_in(skb, ES_MON_PASS(es_skb_data_again(skb), h, dir));
	else if (outcome == ES_CNT_MONITORED)
		es_monitored_tc_eg(skb, ES_MON_PASS(es_skb_data_again(skb), h, dir));
	else
		count(hook, outcome);
	return ES_TC_VERDICT;
}

SEC("tc")
int edisensor_tc_in(struct __sk_buff *skb)
{
	return es_tc(skb, ES_HOOK_TC_INGRESS);
}

SEC("tc")
int edisensor_tc_eg(struct __sk_buff *skb)
{
	return es_tc(skb, ES_HOOK_TC_EGRESS);
}

char LICENSE[] SEC("license") = "GPL";
