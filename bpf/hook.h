/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the hooks the one scanner runs at: XDP (struct
 * xdp_md) and tc ingress/egress (struct __sk_buff). Everything else --
 * parsing, flow state, scanning, events -- is the same code; it reads the
 * frame only through these accessors.
 *
 * Each entry program builds its es_frame with a constant hook, so after
 * inlining the compiler keeps only that hook's branch: an XDP program never
 * contains a call to an skb helper, nor a tc program one to an XDP helper
 * (the verifier would refuse either).
 */
#ifndef EDISENSOR_HOOK_H
#define EDISENSOR_HOOK_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "edisensor.h"
#include "parse.h"

/* The frame one program run looks at. */
struct es_frame {
	void *ctx;              /* struct xdp_md * or struct __sk_buff * */
	__u32 len;              /* whole frame: linear part and fragments */
	__u32 linear;           /* bytes reachable by direct access from the start */
	__u32 ifindex;          /* interface the frame arrived on or leaves by */
	__u8  hook;             /* enum es_hook */
};

static __always_inline void es_frame_xdp(struct es_frame *fr, struct cursor *c,
					 struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	/* the linear part only: bpf_xdp_get_buff_len() is a helper call on
	 * the path of every packet; es_frame_xdp_frags() adds the fragments
	 * when the headers claim more bytes than the linear part holds */
	fr->ctx = ctx;
	fr->len = (__u32)(end - data);
	fr->linear = fr->len;
	fr->ifindex = 0;        /* es_frame_ifindex(), for monitored packets */
	fr->hook = ES_HOOK_XDP;
	c->pos = data;
	c->start = data;
	c->end = end;
	c->len = (__u64)(end - data);
}

/*
 * The whole multi-buffer frame, the cursor over it built anew from ctx;
 * returns 1 when it is longer than the linear part (a parse that found the
 * frame too short is worth redoing). Reloading data and data_end after the
 * helper call, rather than keeping them, lets the compiler keep the first
 * parse (the path of every packet) in registers: nothing of it has to
 * survive the call.
 */
static __always_inline int es_frame_xdp_frags(struct es_frame *fr, struct cursor *c,
					      struct xdp_md *ctx)
{
	__u32 len = (__u32)bpf_xdp_get_buff_len(ctx);

	es_frame_xdp(fr, c, ctx);
	fr->len = len;
	c->len = len;
	return fr->len > fr->linear;
}

/* tc: data starts at the Ethernet header on both directions (cls_bpf
 * pushes the MAC header back at ingress), skb->len counts it. */
static __always_inline void es_frame_skb(struct es_frame *fr, struct cursor *c,
					 struct __sk_buff *skb, __u8 hook)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;

	fr->ctx = skb;
	fr->len = skb->len;
	fr->linear = (__u32)(end - data);
	fr->ifindex = 0;        /* es_frame_ifindex(), for monitored packets */
	fr->hook = hook;
	c->pos = data;
	c->start = data;
	c->end = end;
	c->len = fr->len;
}

/* The interface, read only for monitored packets: for XDP it is a chain
 * of three loads (rxq, dev, ifindex) that a packet which is not monitored
 * does not need. */
static __always_inline void es_frame_ifindex(struct es_frame *fr)
{
	if (fr->hook == ES_HOOK_XDP)
		fr->ifindex = ((struct xdp_md *)fr->ctx)->ingress_ifindex;
	else
		fr->ifindex = ((struct __sk_buff *)fr->ctx)->ifindex;
}

/*
 * The frame's start read again from ctx: a compiler barrier forces the
 * load, so the start need not stay live through the parse of every
 * packet (one spill less there) for the monitored path, which wants it
 * once at the end.
 */
static __always_inline void *es_xdp_data_again(struct xdp_md *ctx)
{
	asm volatile("" ::: "memory");
	return (void *)(long)ctx->data;
}

static __always_inline void *es_skb_data_again(struct __sk_buff *skb)
{
	asm volatile("" ::: "memory");
	return (void *)(long)skb->data;
}

/*
 * tc: the skb's headers not all in its linear part (a parse found the frame
 * too short): makes up to pull_max bytes linear and the frame anew; returns
 * 1 when that happened and a parse is worth redoing. The frame is read
 * again from skb first (a compiler barrier forces the loads) rather than
 * kept from before the parse: keeping it would cost the parse of every
 * packet two registers.
 */
static __always_inline int es_frame_skb_pull(struct es_frame *fr, struct cursor *c,
					     struct __sk_buff *skb, __u8 hook, __u32 pull_max)
{
	asm volatile("" ::: "memory");
	es_frame_skb(fr, c, skb, hook);
	if (fr->linear >= fr->len || fr->linear >= pull_max ||
	    bpf_skb_pull_data(skb, fr->len < pull_max ? fr->len : pull_max))
		return 0;
	es_frame_skb(fr, c, skb, hook);
	return 1;
}

/*
 * Copies len bytes at offset off of the frame (linear part or fragments)
 * into to. len stays 64-bit: the caller bounds that very register (see
 * es_scan_payload()).
 */
static __always_inline long es_frame_load(const struct es_frame *fr, __u32 off, void *to,
					  __u64 len)
{
	if (fr->hook == ES_HOOK_XDP)
		return bpf_xdp_load_bytes((struct xdp_md *)fr->ctx, off, to, len);
	return bpf_skb_load_bytes(fr->ctx, off, to, len);
}

#endif /* EDISENSOR_HOOK_H */
