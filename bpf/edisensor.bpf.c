// SPDX-License-Identifier: GPL-2.0
/*
 * edisensor XDP program: parse L2-L4, decide whether the packet belongs to
 * monitored traffic, hand monitored TCP packets to the flow tracker and EDI
 * scanner. Passive: the verdict is XDP_PASS on every path (XDP_DROP only in
 * the opt-in tap mode for mirror ports, after inspection).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "edisensor.h"
#include "maps.h"
#include "parse.h"

/* Load-time settings (set by userspace before load). */
const volatile __u8 tap_mode = 0;        /* 1: mirror port, drop after inspection */
const volatile __u8 cidrs_configured = 0; /* 1: consult the cidrs map */

/* Replay: userspace writes the capture time of the packet it is about to
 * run, so events carry capture time. 0 in live mode. */
__u64 replay_clock_ns = 0;

/* Timestamp for events (the flow tracker and scanner use it). */
static __always_inline __attribute__((unused)) __u64 es_now(void)
{
	return replay_clock_ns ? replay_clock_ns : bpf_ktime_get_ns();
}

#include "flow.h"   /* flow tracking and the EDI scanner: uses es_now() */

static __always_inline int addr_monitored(__u8 family, const __u8 *addr)
{
	struct es_cidr_key k = {};

	k.family = family;
	__builtin_memcpy(k.addr, addr, 16);
	k.prefixlen = 8 + (family == 4 ? 32 : 128);
	return bpf_map_lookup_elem(&cidrs, &k) != NULL;
}

/* Sets pkt->dir; returns 1 when the packet is monitored. */
static __always_inline int monitored(struct es_pkt *p)
{
	if (bpf_map_lookup_elem(&ports, &p->key.dport)) {
		p->dir = ES_DIR_TO_SERVER;
		return 1;
	}
	if (bpf_map_lookup_elem(&ports, &p->key.sport)) {
		p->dir = ES_DIR_TO_CLIENT;
		return 1;
	}
	if (cidrs_configured && (addr_monitored(p->key.family, p->key.saddr) ||
				 addr_monitored(p->key.family, p->key.daddr))) {
		/* No monitored port: the lower port is taken as the server's. */
		p->dir = p->key.dport < p->key.sport ? ES_DIR_TO_SERVER : ES_DIR_TO_CLIENT;
		return 1;
	}
	return 0;
}

/* Monitored TCP packet: account its payload; the flow tracker and
 * scanner take it from here. */
static __always_inline void es_tcp_packet(struct xdp_md *ctx, struct es_pkt *pkt)
{
	if (!pkt->payload_len) {
		count(ES_CNT_PAYLOAD_EMPTY);
		/* SYN, FIN and RST without data still drive the flow state */
		if (pkt->tcp_flags & (ES_TCP_SYN | ES_TCP_FIN | ES_TCP_RST))
			es_flow_packet(ctx, pkt);
		return;
	}
	count_add(ES_CNT_PAYLOAD_BYTES, pkt->payload_len);
	es_flow_packet(ctx, pkt);
}

/* Parses the frame; returns the outcome counter and fills pkt. */
static __always_inline __u32 classify(struct xdp_md *ctx, struct es_pkt *pkt)
{
	void *data = (void *)(long)ctx->data;
	struct cursor c = {
		.pos = data,
		.end = (void *)(long)ctx->data_end,
		.start = data,
		.len = (__u32)bpf_xdp_get_buff_len(ctx),
	};
	__u16 proto;
	__u8 l4 = 0;
	__u32 l3_end = 0;
	int r;

	r = parse_eth(&c, &proto);
	if (!r)
		r = parse_vlans(&c, &proto);
	if (r)
		return r;
	if (proto == bpf_htons(ETH_P_IP))
		r = parse_ipv4(&c, pkt, &l4, &l3_end);
	else if (proto == bpf_htons(ETH_P_IPV6))
		r = parse_ipv6(&c, pkt, &l4, &l3_end);
	else
		return ES_CNT_NON_IP;
	if (r)
		return r;
	if (l4 != IPPROTO_TCP)
		return ES_CNT_NON_TCP;
	r = parse_tcp(&c, pkt, l3_end);
	if (r)
		return r;
	return monitored(pkt) ? ES_CNT_MONITORED : ES_CNT_NOT_MONITORED;
}

SEC("xdp.frags")
int edisensor_xdp(struct xdp_md *ctx)
{
	struct es_pkt pkt = {};
	__u32 outcome;

	count(ES_CNT_PACKETS);
	outcome = classify(ctx, &pkt);
	count(outcome);
	if (outcome == ES_CNT_MONITORED)
		es_tcp_packet(ctx, &pkt);
	return tap_mode ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
