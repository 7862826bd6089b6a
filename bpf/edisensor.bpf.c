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
#include "maps.h"
#include "parse.h"
#include "hook.h"

/* Load-time settings (set by userspace before load). */
const volatile __u8 tap_mode = 0;        /* 1: mirror port, drop after inspection */
const volatile __u8 cidrs_configured = 0; /* 1: consult the cidrs map */
/* Payload bytes a direction may be sought through without finding an EDI
 * header before it is no longer scanned (flow.h); 0 = unlimited. */
const volatile __u64 seek_depth = 0;

/* Replay: userspace writes the capture time of the packet it is about to
 * run, so events carry capture time. 0 in live mode. */
__u64 replay_clock_ns = 0;

/* Bumped by userspace after each change of the tags map
 * (sensor_bpf_set_tags()): the per-CPU tag decision cache (flow.h) is
 * emptied when it sees a new value. */
__u64 tags_gen = 0;

/* Timestamp for events (the flow tracker and scanner use it). */
static __always_inline __attribute__((unused)) __u64 es_now(void)
{
	return replay_clock_ns ? replay_clock_ns : bpf_ktime_get_ns();
}

#include "flow.h"   /* flow tracking and the EDI scanner: uses es_now(), tags_gen */

static __always_inline int addr_monitored(__u8 family, const void *addr)
{
	struct es_cidr_key k = {};

	k.family = family;
	__builtin_memcpy(k.addr, addr, family == 4 ? 4 : 16);
	k.prefixlen = 8 + (family == 4 ? 32 : 128);
	return bpf_map_lookup_elem(&cidrs, &k) != NULL;
}

static __always_inline int cidr_monitored(const struct es_hdrs *h)
{
	if (h->family == 4) {
		const struct iphdr *ip = h->l3;

		return addr_monitored(4, &ip->saddr) || addr_monitored(4, &ip->daddr);
	}
	const struct ipv6hdr *ip6 = h->l3;

	return addr_monitored(6, &ip6->saddr) || addr_monitored(6, &ip6->daddr);
}

static __always_inline int port_set(const struct es_port_bitmap *m, __be16 port)
{
	__u16 p = bpf_ntohs(port);

	return (m->bits[p >> 6] >> (p & 63)) & 1;
}

/*
 * Which direction of a monitored connection the packet travels (enum
 * es_dir), or ES_DIR_UNKNOWN when it is not monitored. On the path of
 * every TCP packet: the ports straight from the header, one inlined array
 * lookup, and the CIDR trie only when userspace configured CIDRs.
 */
static __always_inline __u8 monitored_dir(const struct es_hdrs *h)
{
	const struct es_port_bitmap *m;
	__u32 zero = 0;
	__u16 sport, dport;

	m = bpf_map_lookup_elem(&ports, &zero);
	if (m && port_set(m, h->tcp->dest))
		return ES_DIR_TO_SERVER;
	if (m && port_set(m, h->tcp->source))
		return ES_DIR_TO_CLIENT;
	if (!cidrs_configured || !cidr_monitored(h))
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

/* Monitored TCP packet: account its payload; the flow tracker and
 * scanner take it from here. */
static __always_inline void es_tcp_packet(struct es_frame *fr, const struct cursor *c,
					  const struct es_hdrs *h, __u8 dir)
{
	struct es_pkt pkt;

	es_frame_ifindex(fr);
	es_pkt_fill(&pkt, c, h);
	pkt.dir = dir;
	if (!pkt.payload_len) {
		count(fr->hook, ES_CNT_PAYLOAD_EMPTY);
		/* SYN, FIN and RST without data still drive the flow state */
		if (pkt.tcp_flags & (ES_TCP_SYN | ES_TCP_FIN | ES_TCP_RST))
			es_flow_packet(fr, &pkt);
		return;
	}
	count_add(fr->hook, ES_CNT_PAYLOAD_BYTES, pkt.payload_len);
	es_flow_packet(fr, &pkt);
}

/* Parses the frame under cursor c; returns the outcome counter. For a
 * monitored packet, h holds the headers and *dir its direction. */
static __always_inline __u32 classify(struct cursor *cur, struct es_hdrs *h, __u8 *dir)
{
	struct cursor c = *cur;
	__u16 proto;
	int r;

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
	*dir = monitored_dir(h);
	return *dir ? ES_CNT_MONITORED : ES_CNT_NOT_MONITORED;
}

static __always_inline int es_outcome_malformed(__u32 outcome)
{
	return outcome >= ES_CNT_MALFORMED_ETH && outcome <= ES_CNT_MALFORMED_TCP;
}

/*
 * Every packet is counted once, in its outcome counter: userspace derives
 * ES_CNT_PACKETS as the sum of the outcomes (counters_read()), which saves
 * a second per-CPU increment on the path of every packet.
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
	count(ES_HOOK_XDP, outcome);
	if (outcome == ES_CNT_MONITORED)
		es_tcp_packet(&fr, &c, &h, dir);
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
	if (es_outcome_malformed(outcome) && fr.linear < fr.len && fr.linear < ES_TC_PULL_LEN &&
	    !bpf_skb_pull_data(skb, fr.len < ES_TC_PULL_LEN ? fr.len : ES_TC_PULL_LEN)) {
		es_frame_skb(&fr, &c, skb, hook);
		outcome = classify(&c, &h, &dir);
	}
	count(hook, outcome);
	if (outcome == ES_CNT_MONITORED)
		es_tcp_packet(&fr, &c, &h, dir);
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
