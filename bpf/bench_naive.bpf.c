// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark baselines for tools/bench-xdp, run on the same frames as the
 * sensor (Ethernet, IPv4, TCP, payload in the linear part):
 *
 * bench_naive: the obvious way to do the sensor's job in XDP, one payload
 *   byte per loop iteration straight from the packet: collect the bytes of
 *   the segment in progress (state kept across packets in a per-CPU map
 *   value), honour the release character, and at each terminator look the
 *   tag up (service segments, then the same tag map contents) and send the
 *   segment's bytes to a ring buffer.
 * bench_count: the least any byte loop does: terminators counted, release
 *   character honoured, nothing kept, nothing sent.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include "edisensor.h"

#define NAIVE_MAX 1500

struct naive_state {
	__u8 seg[ES_SEG_MAX];
	__u32 len;
	__u8 rel;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct naive_state);
} naive_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ES_MAX_TAGS);
	__type(key, struct es_tag_key);
	__type(value, __u8);
} naive_tags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, ES_RINGBUF_BYTES);
} naive_events SEC(".maps");

__u64 naive_segments = 0;   /* keeps bench_count's work alive */

static __always_inline __u8 *payload(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	struct tcphdr *tcp;

	if ((void *)(ip + 1) > end || ip->ihl < 5)
		return NULL;
	tcp = (void *)ip + ip->ihl * 4;
	if ((void *)(tcp + 1) > end || tcp->doff < 5)
		return NULL;
	return (__u8 *)tcp + tcp->doff * 4;
}

static __always_inline int naive_service(const __u8 *t)
{
	if (t[0] == 'U' && t[1] == 'N')
		return t[2] == 'A' || t[2] == 'B' || t[2] == 'G' || t[2] == 'H' ||
		       t[2] == 'T' || t[2] == 'E' || t[2] == 'Z';
	return 0;
}

/* A segment is complete: forward it if its tag is wanted. */
static __always_inline void naive_segment(struct naive_state *st)
{
	struct es_tag_key k = {};
	__u32 n = st->len;

	k.tag[0] = st->seg[0];
	k.tag[1] = st->seg[1];
	k.tag[2] = st->seg[2];
	if (naive_service(k.tag) || bpf_map_lookup_elem(&naive_tags, &k)) {
		if (n > ES_SEG_MAX)
			n = ES_SEG_MAX;
		/* verifier: bound the very register passed as the size */
		asm volatile("" : "+r"(n));
		n &= 2 * ES_SEG_MAX - 1;
		if (n > ES_SEG_MAX)
			return;
		bpf_ringbuf_output(&naive_events, st->seg, n, BPF_RB_NO_WAKEUP);
	}
	st->len = 0;
}

struct naive_ctx {
	struct xdp_md *ctx;
	struct naive_state *st;
	__u32 off;              /* payload offset in the frame */
};

#define NAIVE_BLOCK 64

/*
 * NAIVE_BLOCK bytes, one per iteration. (The blocks only keep the verifier's
 * walk short: one open-coded loop over the whole payload exceeds its
 * jump-history limit. A bpf_loop call per 64 bytes costs nothing here.)
 */
static long naive_block(__u64 index, void *data)
{
	struct naive_ctx *nc = data;
	struct naive_state *st = nc->st;
	void *end = (void *)(long)nc->ctx->data_end;
	__u8 *p = (__u8 *)(long)nc->ctx->data;
	__u32 i, off = nc->off + (__u32)index * NAIVE_BLOCK;

	/* verifier: packet offsets must stay well below 64 KiB to be checkable */
	if (off > 0x3fff)
		return 1;
	p += off;
	for (i = 0; i < NAIVE_BLOCK; i++) {
		__u8 c;

		/* verifier: check and load through the same register */
		asm volatile("" : "+r"(p));
		if ((void *)(p + 1) > end)
			return 1;
		c = *p;
		p++;
		if (st->len == 0 && (c == '\r' || c == '\n' || c == ' '))
			continue;   /* blanks between segments */
		if (st->len < ES_SEG_MAX)
			st->seg[st->len & (ES_SEG_MAX - 1)] = c;
		st->len++;
		if (st->rel)
			st->rel = 0;
		else if (c == '?')
			st->rel = 1;
		else if (c == '\'')
			naive_segment(st);
	}
	return 0;
}

SEC("xdp")
int bench_naive(struct xdp_md *ctx)
{
	struct naive_ctx nc = { .ctx = ctx };
	__u32 zero = 0;
	__u8 *p = payload(ctx);

	nc.st = bpf_map_lookup_elem(&naive_state, &zero);
	if (!p || !nc.st)
		return XDP_PASS;
	nc.off = (__u32)((long)p - (long)ctx->data);
	bpf_loop(NAIVE_MAX / NAIVE_BLOCK + 1, naive_block, &nc, 0);
	return XDP_PASS;
}

SEC("xdp")
int bench_count(struct xdp_md *ctx)
{
	void *end = (void *)(long)ctx->data_end;
	__u8 *p = payload(ctx), rel = 0;
	__u32 i, segs = 0;

	if (!p)
		return XDP_PASS;
	for (i = 0; i < NAIVE_MAX; i++) {
		__u8 c;

		if ((void *)(p + 1) > end)
			break;
		c = *p++;
		if (rel)
			rel = 0;
		else if (c == '?')
			rel = 1;
		else if (c == '\'')
			segs++;
	}
	naive_segments += segs;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
