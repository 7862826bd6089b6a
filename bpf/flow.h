/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-direction TCP flow tracking in front of the EDI scanner: an LRU hash
 * of flow state keyed by the direction's 4-tuple, with the next expected
 * sequence number, the stream offset and the scanner state (carry included).
 *
 *  - SYN (re)initialises the direction; data of a flow whose SYN was not
 *    seen starts the scanner in seek mode (ES_SEGF_MIDSTREAM on its events);
 *  - bytes before the expected sequence number (retransmissions, partial
 *    overlaps) are skipped and counted;
 *  - a segment that arrives before its predecessor (reordering: after a
 *    retransmission, on multipath links) is held, one per direction, in
 *    the LRU hash `held` (up to ES_HOLD_BYTES of it; load-time size, 0 =
 *    off: reorder_hold); when next_seq reaches it, its bytes not seen yet
 *    are scanned right after the packet that filled the hole, through the
 *    same chunk scan the packet bytes take (es_hold_flush_g());
 *  - bytes after it that cannot be held (a second early segment past the
 *    held one, too large, too far ahead, FIN/RST, the hole unfilled after
 *    ES_HOLD_WAIT_PKTS packets) emit ES_EV_GAP and make the scanner seek
 *    the next interchange/message/group header (edi_scan.h: a UNH shows
 *    its separators in S009, a UNB without UNA uses the defaults, a header
 *    gets ES_HDR_LIMIT bytes to its terminator); a held segment given up
 *    that way is a GAP up to it, then scanned: what the flow tracker did
 *    before it held anything (one whose entry the LRU gave to another
 *    direction: a GAP over its bytes too). ES_CNT_REORDER_HELD =
 *    _RELEASED + _ABANDONED + those still held (or lost with an evicted
 *    flow state);
 *  - a mid-stream flow's offsets count from the first payload byte of the
 *    first packet seen (docs/MANIFEST.md, streamOffset);
 *  - FIN emits ES_EV_FLOW_END and frees the state of its direction only (a
 *    half-close: the other direction may go on sending); an RST aborts the
 *    connection, so it ends both: the packet's direction, then the reverse
 *    one (key swapped, its events in a record of their own with its key
 *    and direction: es_rev_begin_g()): its held segment given up as on its
 *    own RST (a GAP up to it, then its bytes scanned), its ES_EV_FLOW_END
 *    with its pending skipped count, its state freed (es_rev_end_g()), also
 *    when the RST's own direction has no state. Its next packet starts it
 *    afresh, mid-stream;
 *  - seek depth (load-time `seek_depth`, 0 = unlimited): a direction whose
 *    scanner has sought for more than seek_depth payload bytes since it last
 *    found an interchange/message/group header (or since its start) gives
 *    up: its payload is no longer scanned (ES_CNT_SEEK_GIVEUP once,
 *    ES_CNT_SEEK_SKIPPED_BYTES per packet), only next_seq/stream_off follow
 *    it, until a SYN restarts the direction or FIN/RST end it. A long non-EDI
 *    stream on a monitored port (bulk HTTP, iperf) then costs a lookup per
 *    packet instead of a scan of every byte (Suricata's
 *    stream.reassembly.depth bounds inspection the same way). Accounting is
 *    per packet: a packet in which the scanner found a header restarts the
 *    budget, one that seeks from its first byte to its last adds its bytes,
 *    one that begins or ends inside an interchange adds nothing
 *    (es_seek_account()).
 *
 * Payload is read with es_frame_load() (hook.h: bpf_xdp_load_bytes() at
 * XDP, bpf_skb_load_bytes() at tc) into a per-CPU scratch buffer,
 * ES_SCAN_CHUNK bytes at a time, so linear, multi-buffer (xdp.frags) and
 * non-linear (GSO/GRO) frames take the same path. Every program of the
 * object shares the flows map: a direction is one entry whichever hook
 * sees it, and bytes a second hook sees again are retransmissions to it.
 * The segments of a chunk's scan are items of the chunk's record (edisensor.h:
 * one header with what they share, the chunk, then compact items; those
 * inside the chunk refer to it), built in the per-CPU scratch around the
 * chunk buffer and handed to the ring buffer with one bpf_ringbuf_output()
 * at the chunk's end; GAP and FLOW_END items are batched into records
 * without a chunk, output before the chunk's record and at the packet's end.
 *
 * The includer provides: the maps of maps.h, struct es_pkt (parse.h),
 * struct es_frame (hook.h), es_now() (capture clock), seek_depth (a const
 * volatile __u64 set before load), reorder_hold (a const volatile __u8 set
 * before load: 0 = hold nothing), tag_class (the table of tags.h) and
 * tags_all (every tag is asked for), both written by userspace.
 */
#ifndef EDISENSOR_FLOW_H
#define EDISENSOR_FLOW_H

#include "edisensor.h"

/* the fast path's segments as short items without es_scan_emit()'s checks
 * per segment (es_scan_emit_fast()) */
#define ES_HAS_EMIT_FAST 1
#include "edi_scan.h"   /* declares the hooks defined below */

#define ES_FLOWF_MIDSTREAM  0x1   /* first seen without SYN */
#define ES_FLOWF_GAVE_UP    0x2   /* past the seek depth: payload not scanned */
#define ES_FLOWF_EVENTS_LOST 0x4  /* events of the direction lost (ring buffer
				     full): the next one carries ES_SEGF_EVENTS_LOST */
#define ES_FLOWF_HOLDING    0x8   /* an early segment waits in `held` */
#define ES_FLOWF_SPARSE     0x10  /* the direction's last chunk with forwarded
				     segments forwarded less than 3/4 of its
				     bytes: its segments are copied, the chunk
				     not sent (es_scan_emit()) */

/* Value of the flows map: one direction of a TCP connection. */
struct es_flow {
	__u32 next_seq;         /* next expected sequence number */
	__u32 flags;            /* ES_FLOWF_* */
	__u64 stream_off;       /* stream offset of next_seq */
	__u64 seek_bytes;       /* payload bytes sought through since the last
				   header found (or the start): the seek depth */
	__u32 hold_seq;         /* ES_FLOWF_HOLDING: the held segment's first
				   sequence number ... */
	__u16 hold_len;         /* ... and its bytes (the map entry must agree) */
	__u8  hold_waits;       /* packets since that brought nothing new */
	__u8  hold_mode;        /* scanner mode before the held bytes' scan
				   (the seek depth: es_hold_scanned_g()) */
	struct es_scan_state scan;
};

/*
 * Value of the held map: one early segment of a direction. Laid out as the
 * scanner's chunk buffer (data first, ES_SCAN_PAD bytes of fields after
 * it), so a segment is staged in the per-CPU chunk buffer and stored with
 * one map update, and its bytes go back there to be scanned.
 */
struct es_held {
	__u8  data[ES_HOLD_BYTES];
	__u32 seq;              /* sequence number of data[0] */
	__u32 len;              /* bytes in data[] */
	__u64 pad;
};

#define ES_HOLD_WAIT_PKTS 8          /* packets that bring nothing new before a
					held segment is given up */
#define ES_HOLD_MAX_HOLE  (64u << 10) /* a segment further ahead is a loss, not
					 reordering: a GAP at once */

_Static_assert(sizeof(struct es_held) == sizeof(struct es_chunk),
	       "a held segment is staged in the chunk buffer");
_Static_assert(ES_HOLD_BYTES <= ES_SCAN_CHUNK && (ES_HOLD_BYTES & (ES_HOLD_BYTES - 1)) == 0,
	       "a held segment is scanned as one chunk; offsets are masked");

#ifndef ES_MAX_CHUNKS
#define ES_MAX_CHUNKS 32        /* chunks scanned per packet: 64 KiB of payload */
#endif
#define ES_BATCH_BYTES 8192     /* records without a chunk, then one ring buffer output */
#define ES_CREC_BYTES  8192     /* a chunk's record: header, chunk, items */
#define ES_BATCH_SLACK 1024     /* record header + item + word overrun past the end */
#define ES_REC_HDR_LEN ((__u32)sizeof(struct es_rec_hdr))
#define ES_ITEM_MAX    ES_REC_ITEM_SPAN(ES_SEG_MAX)

_Static_assert(ES_REC_HDR_LEN + ES_ITEM_MAX + 8 <= ES_BATCH_SLACK,
	       "ES_BATCH_SLACK too small for one item");
_Static_assert((ES_BATCH_BYTES & (ES_BATCH_BYTES - 1)) == 0 &&
	       (ES_CREC_BYTES & (ES_CREC_BYTES - 1)) == 0, "offsets are masked");
_Static_assert(ES_REC_HDR_LEN + ES_SCAN_CHUNK + 8 + 8 * ES_ITEM_MAX <= ES_CREC_BYTES,
	       "a chunk's record holds the chunk and several of the largest items");

#ifdef __bpf__

/* max_entries is set by userspace before load (sensor_bpf.c: max_flows). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, ES_MAX_FLOWS);
	__type(key, struct es_flow_key);
	__type(value, struct es_flow);
} flows SEC(".maps");

/*
 * Early segments, one per direction that waits for a hole to fill.
 * max_entries is set by userspace before load (sensor_bpf.c:
 * reorder_slots); LRU: a direction that holds longest gives way, and finds
 * out when it next looks (ES_CNT_REORDER_ABANDONED; its next packet is a
 * GAP as without holding).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, ES_REORDER_SLOTS);
	__type(key, struct es_flow_key);
	__type(value, struct es_held);
} held SEC(".maps");

/*
 * What event writing needs; lives on the entry program's stack. No pointers:
 * the global step function receives it as plain memory, where a stored
 * pointer would be an unusable number.
 */
struct es_env {
	struct es_rec_hdr hdr;  /* what every record of the packet shares (time,
				   flow, ifindex, dir, hook, ES_SEGF_MIDSTREAM);
				   syntax and seps are the open record's */
	__u32 batch_len;        /* bytes of records in scr->batch */
	__u32 rec_off;          /* the open record's header in scr->batch */
	__u16 rec_items;        /* items in the open record */
	__u8  rec_open;         /* a record is open: items go into it */
	__u8  rec_seps;         /* it holds a segment: its syntax and seps are set */
	__u8  lost_flag;        /* ES_SEGF_EVENTS_LOST for the next item: earlier
				   items of the direction were lost (es_flush) */
	__u8  ended;            /* FLOW_END emitted: the flow state is deleted */
	__u8  crec_open;        /* the chunk's record is open (in scr, from 0) */
	__u8  crec_refs;        /* an item of it refers to the chunk: attach it */
	__u8  mode_before;      /* scanner mode before the packet's chunks (seek depth) */
	__u8  chunk_sparse;     /* ES_FLOWF_SPARSE of the direction, kept up to date */
	__u16 crec_items;       /* its items */
	__u32 crec_pos;         /* its end: where the next item goes */
	__u32 chunk_fwd;        /* data bytes of the chunk's segment items so far */
	__u32 crec_fast_end;    /* es_scan_emit_fast() writes while crec_pos is below */
	__u32 crec_fast_rel;    /* the chunk's base_off minus the record's */
	__u32 events;           /* items in the batch */
	__u32 sent;             /* items handed to the ring buffer */
	__u32 lost;             /* items whose ring buffer output failed */
};

/*
 * Per-CPU scratch: the chunk being scanned inside the record of its events
 * (crec_hdr, buf, crec_items: the header is written when the record ends,
 * the items go after the chunk's bytes, padded to 8; one ring buffer
 * output sends header, chunk and items, so a forwarded segment inside the
 * chunk is an item referring to it, no copy of its bytes: edisensor.h),
 * the scanner's per-chunk context (here, not on the stack: the call chain
 * down to the scanner's global functions stays within the 512-byte BPF
 * stack) and the batch of the packet's other events.
 */
struct es_scratch {
	struct es_rec_hdr crec_hdr;
	struct es_chunk buf;
	__u8 crec_items[ES_CREC_BYTES + ES_BATCH_SLACK - ES_REC_HDR_LEN - sizeof(struct es_chunk)];
	struct es_scan_ctx ctx;
	struct es_env env;
	__u8 batch[ES_BATCH_BYTES + ES_BATCH_SLACK];
};

_Static_assert(__builtin_offsetof(struct es_scratch, buf) + 2 * ES_SCAN_CHUNK + ES_RUN_WORDS * 8 <=
	       sizeof(struct es_scratch),
	       "es_scan_run() reads ES_RUN_WORDS words from the chunk at pos < 2 * ES_SCAN_CHUNK");
_Static_assert(__builtin_offsetof(struct es_scratch, buf) == ES_REC_HDR_LEN &&
	       __builtin_offsetof(struct es_scratch, crec_items) ==
	       ES_REC_HDR_LEN + sizeof(struct es_chunk),
	       "the chunk follows its record's header: one output sends both");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct es_scratch);
} es_scratch_map SEC(".maps");

/* The chunk's record as bytes: offsets from its header. */
#define ES_CREC(scr) ((__u8 *)(scr))

/* The scanner's env inside the global step: both pointers, tracked. */
struct es_emit_ref {
	struct es_env *env;
	struct es_scratch *scr;
};

/* Ends the open record: its length and item count into its header. */
static __always_inline void es_rec_close(struct es_env *env, struct es_scratch *scr)
{
	struct es_rec_hdr *h;

	if (!env->rec_open)
		return;
	/* verifier: masked offset keeps the header inside batch[] */
	h = (struct es_rec_hdr *)(scr->batch + (env->rec_off & (ES_BATCH_BYTES - 1)));
	h->len = env->batch_len - env->rec_off;
	h->n_items = env->rec_items;
	env->rec_open = 0;
}

/*
 * Waking the ring buffer's reader. Userspace sets this to 1 just before its
 * reader thread sleeps in epoll (sensor_bpf_reader_waiting()); the first
 * output that sees it forces the wakeup and clears it, and every other
 * output wakes nobody. So a reader that drains in batches without sleeping
 * (the daemon naps between small drains; replay and the bench drain after
 * runs) costs no wakeup at all, where the ring buffer's adaptive mode
 * queued one (an irq_work: a self-interrupt, microseconds in a VM) for the
 * first record after every drain, whether anybody slept or not. A record
 * committed right as the reader goes to sleep can miss the flag; the
 * reader looks once more after setting it, and otherwise the next output
 * or the reader's poll timeout brings it.
 */
__u32 es_reader_waiting = 0;

/* n bytes of records holding items events, as one ring buffer output. */
static __always_inline void es_output(struct es_env *env, void *data, __u64 n, __u32 items)
{
	__u64 wake = BPF_RB_NO_WAKEUP;

	if (*(volatile __u32 *)&es_reader_waiting)
		wake = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(&events, data, n, wake)) {
		env->lost += items;
		/* the direction's next item tells userspace (the flow state
		 * keeps it past this packet: es_flow_packet()) */
		env->lost_flag = ES_SEGF_EVENTS_LOST;
	} else {
		env->sent += items;
		if (wake == BPF_RB_FORCE_WAKEUP)
			*(volatile __u32 *)&es_reader_waiting = 0;   /* one wakeup per sleep */
	}
}

/* Everything batched, as one ring buffer output. */
static __always_inline void es_flush(struct es_env *env, struct es_scratch *scr)
{
	__u32 n;

	es_rec_close(env, scr);
	n = env->batch_len;
	if (!n)
		return;
	/* verifier: the size argument needs a bound inside the buffer */
	if (n > ES_BATCH_BYTES)
		n = ES_BATCH_BYTES;
	es_output(env, scr->batch, n, env->events);
	env->batch_len = 0;
	env->events = 0;
}

/*
 * Ends the chunk's record and outputs it: its header (from env->hdr) in
 * front of the chunk when an item refers to it or the chunk's scan goes
 * on (done 0: another record follows in the same chunk, whose bytes are
 * still needed); else, the scan done, right before its items, over the
 * chunk's last bytes, so the chunk is not sent.
 */
static __always_inline void es_crec_out(struct es_env *env, struct es_scratch *scr, int done)
{
	struct es_rec_hdr *h;
	__u32 start = 0;
	__u64 n;

	if (!env->crec_open)
		return;
	env->crec_open = 0;
	if (done) {
		/* the next chunk's segments: referring to it or copied */
		env->chunk_sparse = env->chunk_fwd * 4 < scr->ctx.len * 3;
		env->chunk_fwd = 0;
	}
	if (!env->crec_refs && done)
		start = (scr->ctx.len + 7) & ~7u;
	start &= ES_SCAN_CHUNK * 2 - 1;
	/* verifier: masked offsets keep header and output inside the scratch */
	h = (struct es_rec_hdr *)(ES_CREC(scr) + start);
	__builtin_memcpy(h, &env->hdr, sizeof(*h));
	h->len = env->crec_pos - start;
	h->n_items = env->crec_items;
	if (!start) {
		h->chunk_len = scr->ctx.len;
		h->chunk_off = (__u32)(scr->ctx.base_off - env->hdr.base_off);
	}
	n = (__u64)env->crec_pos - start;
	/* verifier: the size argument needs a bound inside the scratch, on the
	 * very register passed (as in es_scan_payload()) */
	ES_OPAQUE(n);
	if (n > ES_CREC_BYTES)
		n = ES_CREC_BYTES;
	es_output(env, h, n, env->crec_items);
}

/*
 * Room for one more item of any size at stream offset off, in a record
 * whose segments have this syntax and these separators (seg: the item is a
 * segment; GAP and FLOW_END items go into any record). Flushes when the
 * batch is full; starts a record when none is open, a segment's separators
 * differ from the open one's (another interchange later in the same packet)
 * or off is not within 4 GiB after its base_off (offsets rise within a
 * packet, so only for a segment of gigabytes). Writes the item's offset.
 */
static __always_inline struct es_rec_item *es_item_slot(struct es_env *env,
							struct es_scratch *scr, __u64 off,
							int seg, __u8 syntax, __u64 seps)
{
	__u64 *hseps = (__u64 *)&env->hdr.seps;
	struct es_rec_item *it;
	struct es_rec_hdr *h;

	if (env->batch_len + ES_REC_HDR_LEN + ES_ITEM_MAX > ES_BATCH_BYTES)
		es_flush(env, scr);
	if (env->rec_open && ((seg && env->rec_seps &&
			       (env->hdr.syntax != syntax || *hseps != seps)) ||
			      off - env->hdr.base_off > 0xFFFFFFFFull))
		es_rec_close(env, scr);
	if (!env->rec_open) {
		env->hdr.base_off = off;
		/* verifier: masked offsets keep the header inside batch[] */
		h = (struct es_rec_hdr *)(scr->batch + (env->batch_len & (ES_BATCH_BYTES - 1)));
		__builtin_memcpy(h, &env->hdr, sizeof(*h));
		env->rec_off = env->batch_len;
		env->rec_items = 0;
		env->rec_open = 1;
		env->rec_seps = 0;
		env->batch_len += ES_REC_HDR_LEN;
	}
	if (seg && !env->rec_seps) {
		/* the record's first segment sets its syntax and separators */
		h = (struct es_rec_hdr *)(scr->batch + (env->rec_off & (ES_BATCH_BYTES - 1)));
		env->hdr.syntax = syntax;
		*hseps = seps;
		h->syntax = syntax;
		*(__u64 *)&h->seps = seps;
		env->rec_seps = 1;
	}
	/* verifier: masked offset keeps item and data inside batch[] */
	it = (struct es_rec_item *)(scr->batch + (env->batch_len & (ES_BATCH_BYTES - 1)));
	it->off = (__u32)(off - env->hdr.base_off);
	return it;
}

/*
 * The chunk's record ends (es_crec_out()). A global function: called once
 * per chunk, and its output off the scanner's frames (the call chain to
 * the scanner's steps is at the 512-byte stack limit).
 */
__attribute__((noinline)) int es_crec_out_g(struct es_scratch *scr)
{
	if (!scr)
		return 0;
	es_crec_out(&scr->env, scr, 1);
	return 0;
}

/*
 * A chunk's record for a segment item at stream offset off with this
 * syntax and these separators: the open one output first (es_crec_slot()
 * says why), and before the chunk's first record the batch (the GAP before
 * the chunk's segments). Its base_off is the item's offset or the chunk's,
 * the lower (a segment begun in an earlier packet comes first). A global
 * function: once per chunk, and its outputs' spills off es_run_g()'s frame.
 */
__attribute__((noinline)) int es_crec_open_g(struct es_scratch *scr, __u64 off, __u32 syntax,
					     __u64 seps)
{
	struct es_env *env;

	if (!scr)
		return 0;
	env = &scr->env;
	es_crec_out(env, scr, 0);
	if (env->batch_len)
		es_flush(env, scr);
	env->hdr.base_off = off < scr->ctx.base_off ? off : scr->ctx.base_off;
	env->hdr.syntax = (__u8)syntax;
	*(__u64 *)&env->hdr.seps = seps;
	env->crec_pos = ES_REC_HDR_LEN + ((scr->ctx.len + 7) & ~7u);
	env->crec_items = 0;
	env->crec_refs = 0;
	env->crec_open = 1;
	return 0;
}

/*
 * Room for one more segment item at stream offset off in the chunk's
 * record. A new record when none is open (the chunk's first), when the
 * segment's syntax or separators differ from the open one's segments'
 * (another interchange later in the same chunk), off is not within 4 GiB
 * after its base_off, or it is full. Writes the item's offset.
 */
static __always_inline struct es_rec_item *es_crec_slot(struct es_env *env,
							struct es_scratch *scr, __u8 *rec,
							__u64 off, __u8 syntax, __u64 seps)
{
	struct es_rec_item *it;

	if (!env->crec_open || env->crec_pos + ES_ITEM_MAX > ES_CREC_BYTES ||
	    env->hdr.syntax != syntax || *(__u64 *)&env->hdr.seps != seps ||
	    off - env->hdr.base_off > 0xFFFFFFFFull)
		es_crec_open_g(scr, off, syntax, seps);
	/* verifier: masked offset keeps item and data inside the scratch */
	it = (struct es_rec_item *)(rec + (env->crec_pos & (ES_CREC_BYTES - 1)));
	it->off = (__u32)(off - env->hdr.base_off);
	return it;
}

static __always_inline void es_crec_commit(struct es_env *env, struct es_rec_item *it,
					   __u32 span)
{
	it->flags |= env->lost_flag;
	env->lost_flag = 0;
	env->crec_pos += span;
	env->crec_items++;
}

static __always_inline void es_item_commit(struct es_env *env, struct es_rec_item *it,
					   __u32 data_len)
{
	it->flags |= env->lost_flag;
	env->lost_flag = 0;
	env->batch_len += ES_REC_ITEM_SPAN(data_len);
	env->rec_items++;
	env->events++;
}

/* GAP / FLOW_END: an item without data; skipped: the direction's segments
 * not forwarded since its last forwarded one (they belong to the message
 * open before it, and no forwarded segment of it will report them). */
static __always_inline void es_emit_plain(struct es_env *env, struct es_scratch *scr, __u8 type,
					  __u64 off, __u32 aux, __u32 skipped)
{
	struct es_rec_item *it = es_item_slot(env, scr, off, 0, 0, 0);

	it->seg_len = skipped;
	it->aux = aux;
	it->data_len = 0;
	it->flags = 0;
	it->type = type;
	es_item_commit(env, it, 0);
}

/*
 * The includer's hooks are inlined into the scanner's functions: a BPF
 * subprogram call per segment (argument set-up, the callee's saved
 * registers, the return through this kernel's return thunk) cost more
 * than their bodies (bench-xdp: ~5-9% of a CUSCAR frame for the two).
 */

/* The fast path's decision: the table userspace fills (tags.h). */
static __always_inline __u32 es_scan_tag_class(void *ctx __attribute__((unused)), __u32 tag)
{
	return es_tagt_get(tag_class, es_tagt_index(tag));
}

/* The general step's (a parsed tag, not a service tag): the table too, but
 * for tags of four bytes, which no configuration names. */
static __always_inline int es_scan_want(void *ctx, __u32 tag)
{
	if (tag > 0xFFFFFF)
		return tags_all;
	return es_scan_tag_class(ctx, tag) == ES_TAGT_FWD;
}

/*
 * Bytes from the chunk (scr->buf, where the scanner reads: see
 * es_ctx_in()) into to, the chunk's record or the batch (to_mask, a
 * constant at each caller, bounds its offsets): n bytes from chunk offset
 * src to offset dst, 16 bytes per iteration, tail bytes past n are
 * padding. Both are in scr, so one masked offset per 16 bytes bounds both
 * accesses for the verifier (the chunk has ES_SCAN_PAD readable bytes
 * after ES_SCAN_CHUNK, the record ES_BATCH_SLACK) where
 * es_copy_from_chunk() masks each word: half the instructions per segment.
 * The record's items lie after the chunk's len bytes: what the scanner
 * reads there (word loads up to ES_SCAN_PAD past len) it ignores.
 */
static __always_inline void es_copy_chunk_16s(__u8 *to, __u32 to_mask, const struct es_scratch *scr,
					      __u32 dst, __u32 src, __u32 n)
{
	__u32 k;

	for (k = 0; k < ES_SEG_MAX; k += 16) {
		__u32 s = (src + k) & (ES_SCAN_CHUNK - 1);
		__u32 t = (dst + k) & to_mask;

		if (k >= n)
			break;
		*(__u64 *)(to + t) = *(const __u64 *)(scr->buf.b + s);
		*(__u64 *)(to + t + 8) = *(const __u64 *)(scr->buf.b + s + 8);
	}
}

/* A segment begun in an earlier packet: the carry's bytes, then these,
 * into the chunk's record. */
__attribute__((noinline)) int es_item_copy_chunk(struct es_scratch *scr, __u32 dst, __u32 src,
						 __u32 n)
{
	if (scr)
		es_copy_chunk_16s(ES_CREC(scr), ES_CREC_BYTES - 1, scr, dst, src, n);
	return 0;
}

_Static_assert(ES_SCAN_PAD >= 15, "es_item_copy_chunk reads 16 bytes at ES_SCAN_CHUNK - 1");

/*
 * es_item_copy_chunk() for a segment of any length: its first
 * ES_ITEM_COPY_INLINE bytes copied inline, unconditionally (no call, no
 * loop whose exit depends on the length: most segments are shorter, and a
 * mispredicted loop exit per segment cost more than the bytes), the rest
 * by the loop. What lands past n is padding the next item overwrites or
 * beyond the record's end (ES_BATCH_SLACK covers it).
 */
#define ES_ITEM_COPY_INLINE 48
_Static_assert(ES_ITEM_COPY_INLINE % 16 == 0 && ES_ITEM_COPY_INLINE + 16 < ES_BATCH_SLACK,
	       "inline copy: whole 16-byte pieces inside the batch's slack");

static __always_inline void es_item_copy_16(__u8 *rec, __u32 dst, __u32 src)
{
	__u32 s = src & (ES_SCAN_CHUNK - 1), t = dst & (ES_CREC_BYTES - 1);
	const __u8 *chunk = rec + ES_REC_HDR_LEN;

	*(__u64 *)(rec + t) = *(const __u64 *)(chunk + s);
	*(__u64 *)(rec + t + 8) = *(const __u64 *)(chunk + s + 8);
}

/* rec: the chunk's record (scr), the chunk after its header */
static __always_inline void es_item_copy(struct es_scratch *scr, __u8 *rec, __u32 dst, __u32 src,
					 __u32 n)
{
	es_item_copy_16(rec, dst, src);
	es_item_copy_16(rec, dst + 16, src + 16);
	es_item_copy_16(rec, dst + 32, src + 32);
	if (n > ES_ITEM_COPY_INLINE)
		es_item_copy_chunk(scr, dst + ES_ITEM_COPY_INLINE, src + ES_ITEM_COPY_INLINE,
				   n - ES_ITEM_COPY_INLINE);
}

/*
 * A forwarded segment into the chunk's record: wholly in the chunk, an
 * item referring to it (ES_ITEMF_CHUNK: no copy; the chunk goes out with
 * the record); begun in an earlier packet (or collected bytewise: UNA,
 * ISA), an item with the carry's bytes and the chunk's after it; so too
 * every segment of a sparse direction (ES_FLOWF_SPARSE: its chunk would
 * cost more ring bytes than its segments' copies). Counts the chunk's
 * forwarded bytes for that decision (es_crec_out()).
 */
static __always_inline void es_scan_emit(void *ctx, const struct es_scan_state *st,
					 const __u8 *buf, const struct es_seg_desc *d)
{
	struct es_emit_ref *ref = ctx;
	struct es_env *env = ref->env;
	/* buf is scr->buf.b (es_ctx_in()), right after the record's header:
	 * the record's bytes from there, not from scr, which clang would keep
	 * in a register (spilled) of its own through the scanner's loop */
	__u8 *rec = (__u8 *)(unsigned long)buf - ES_REC_HDR_LEN;
	/* the separators as one word: st->seps is 8-aligned in the flow map
	 * value, and x86-64 would take an unaligned load anyway */
	struct es_rec_item *it = es_crec_slot(env, ref->scr, rec, d->stream_off, st->syntax,
					      *(const __u64 *)&st->seps);
	__u32 cn = d->carry_n, bn = d->buf_n;

	/* verifier: both parts bounded by the cap (the scanner guarantees it) */
	if (cn > ES_SEG_MAX)
		cn = ES_SEG_MAX;
	if (bn > ES_SEG_MAX - cn)
		bn = ES_SEG_MAX - cn;
	it->data_len = (__u16)(cn + bn);
	it->type = ES_EV_SEGMENT;
	env->chunk_fwd += cn + bn;
	if (!cn && d->seg_len == bn && !env->chunk_sparse) {
		/* all its bytes, none seen before this chunk: it starts at
		 * buf_begin, its offset in the chunk (off - chunk_off); with
		 * no segment skipped before it, the short item */
		env->crec_refs = 1;
		if (!d->skipped) {
			it->flags = (__u8)d->flags | ES_ITEMF_CHUNK | ES_ITEMF_SHORT;
			es_crec_commit(env, it, ES_REC_ITEM_SHORT);
			return;
		}
		it->seg_len = d->seg_len;
		it->aux = d->skipped;
		it->flags = (__u8)d->flags | ES_ITEMF_CHUNK;
		es_crec_commit(env, it, sizeof(*it));
		return;
	}
	it->seg_len = d->seg_len;
	it->aux = d->skipped;   /* segments skipped before it: exact counts upstream */
	it->flags = (__u8)d->flags;
	if (cn)
		es_copy_from_span((struct es_span *)(it + 1), 0, (const struct es_span *)st->carry, cn);
	if (bn)
		es_item_copy(ref->scr, rec, env->crec_pos + (__u32)sizeof(*it) + cn, d->buf_begin, bn);
	es_crec_commit(env, it, ES_REC_ITEM_SPAN(cn + bn));
}

/*
 * The fast path's forwarded segments (es_scan_run(), ES_HAS_EMIT_FAST): a
 * segment that es_scan_emit() would make a short item of, in the open
 * record, written with one store. What es_crec_slot() and es_scan_emit()
 * check per segment cannot change within a run but at es_scan_emit() (a
 * new record, a loss, the flags and skipped count cleared): the syntax and
 * separators (a header that changes them ends a run), the chunk, the
 * direction's sparseness; es_scan_emit_fast_sync() checks them at the
 * run's start and after each es_scan_emit() in it, and leaves the room
 * check and the skipped count (a skipped segment does not call it) to each
 * segment: crec_fast_end is the crec_pos below which a short item may go
 * into the open record (0: none may).
 */
#define ES_CREC_FAST_END (ES_CREC_BYTES - ES_ITEM_MAX + 1)   /* es_crec_slot()'s room */

static __always_inline void es_scan_emit_fast_sync(void *ctx, const struct es_scan_state *st,
						   __u64 base_off, __u32 len)
{
	struct es_env *env = ((struct es_emit_ref *)ctx)->env;
	__u64 rec_base = env->hdr.base_off;
	__u32 end = 0;

	if (env->crec_open && env->crec_refs && !env->chunk_sparse && !env->lost_flag &&
	    !st->flags && env->hdr.syntax == st->syntax &&
	    *(__u64 *)&env->hdr.seps == *(const __u64 *)&st->seps &&
	    rec_base <= base_off && base_off + len - rec_base <= 0xFFFFFFFFull)
		end = ES_CREC_FAST_END;
	env->crec_fast_end = end;
	env->crec_fast_rel = (__u32)(base_off - rec_base);
}

_Static_assert(__builtin_offsetof(struct es_rec_item, type) == 0 &&
	       __builtin_offsetof(struct es_rec_item, flags) == 1 &&
	       __builtin_offsetof(struct es_rec_item, data_len) == 2 &&
	       __builtin_offsetof(struct es_rec_item, off) == 4,
	       "es_scan_emit_fast() writes a short item as one little-endian word");

static __always_inline int es_scan_emit_fast(void *ctx, const struct es_scan_state *st,
					     __u32 pos, __u32 n)
{
	struct es_emit_ref *ref = ctx;
	struct es_env *env = ref->env;
	__u32 at = env->crec_pos;
	__u64 item;

	if (at >= env->crec_fast_end || st->skipped)
		return 0;
	/* es_scan_emit()'s short item: type, flags, data_len, off */
	item = ES_EV_SEGMENT | (__u64)(ES_ITEMF_CHUNK | ES_ITEMF_SHORT) << 8 | (__u64)n << 16 |
	       (__u64)(pos + env->crec_fast_rel) << 32;
	/* verifier: masked offset keeps the item inside the scratch */
	*(__u64 *)(ES_CREC(ref->scr) + (at & (ES_CREC_BYTES - 1))) = item;
	env->crec_pos = at + ES_REC_ITEM_SHORT;
	env->crec_items++;
	env->chunk_fwd += n;
	return 1;
}

/*
 * n bytes of base64 text from chunk offset src into the batch at dst
 * (es_copy_chunk_16s(); what lands past n is padding: ES_BATCH_SLACK). The text
 * goes into the batch with its item, not into the chunk's record as an
 * item referring to the chunk: the record side (es_crec_*) stays the
 * segments' alone.
 */
__attribute__((noinline)) int es_b64_copy_g(struct es_scratch *scr, __u32 dst, __u32 src, __u32 n)
{
	if (scr)
		es_copy_chunk_16s(scr->batch, ES_BATCH_BYTES - 1, scr, dst, src, n);
	return 0;
}

/*
 * Base64 text of a body (ES_MODE_B64) as an ES_EV_B64 item, counted. A
 * global function: off the scanner's fast path, checked once, and its
 * frame no deeper than the step's other callees (the chain is near the
 * 512-byte stack limit).
 */
__attribute__((noinline)) int es_b64_item_g(struct es_scratch *scr, struct es_env *env,
					    const struct es_scan_state *st, __u64 off, __u32 span)
{
	__u32 cn = ES_B64_SPAN_CN(span), bn = ES_B64_SPAN_N(span), aux = ES_B64_SPAN_AUX(span);
	struct es_rec_item *it;
	__u8 hook;

	if (!scr || !env || !st)
		return 0;
	/* verifier: both parts bounded by the cap (the scanner guarantees it) */
	if (cn > ES_PEEK)
		cn = ES_PEEK;
	if (bn > ES_SEG_MAX - cn)
		bn = ES_SEG_MAX - cn;
	/* the chunk's segments before it go out first: stream order (its
	 * items go into the batch, a later segment opens a new record) */
	if (env->crec_open)
		es_crec_out(env, scr, 0);
	it = es_item_slot(env, scr, off, 0, 0, 0);
	it->seg_len = st->seg_len;
	it->aux = aux;
	it->data_len = (__u16)(cn + bn);
	it->flags = st->flags;
	it->type = ES_EV_B64;
	if (cn)
		es_copy_from_span((struct es_span *)(it + 1), 0, (const struct es_span *)st->carry, cn);
	if (bn)
		es_b64_copy_g(scr, env->batch_len + (__u32)sizeof(*it) + cn,
			      ES_B64_SPAN_BEGIN(span), bn);
	es_item_commit(env, it, cn + bn);
	hook = env->hdr.hook;
	if (aux == ES_B64_START)
		count(hook, ES_CNT_B64_BODIES);
	else if (aux == ES_B64_END_CAP)
		count(hook, ES_CNT_B64_CAPPED);
	if (cn + bn)
		count_add(hook, ES_CNT_B64_BYTES, cn + bn);
	return 0;
}

static __always_inline void es_scan_emit_b64(void *ctx, const struct es_scan_state *st, __u64 off,
					     __u32 span)
{
	struct es_emit_ref *ref = ctx;

	es_b64_item_g(ref->scr, ref->env, st, off, span);
}

/*
 * The context's scalars in (from the scratch map) and out: the global
 * functions below get the pointers as arguments and keep them in a local
 * context, because memory handed to a global function is "misc" to the
 * verifier afterwards, so no pointer may live in it. Field by field on
 * purpose: copying the scalar tail with one __builtin_memcpy made clang
 * give a frame on the chain 16 bytes more (combined stack 528 > 512: the
 * program no longer loads).
 */
static __always_inline void es_ctx_in(struct es_scan_ctx *c, const struct es_scan_ctx *cin,
				      struct es_scan_state *st, struct es_scratch *scr,
				      struct es_emit_ref *ref)
{
	c->st = st;
	c->buf = scr->buf.b;
	c->env = ref;
	c->base_off = cin->base_off;
	c->len = cin->len;
	c->pos = cin->pos;
	c->seg_begin = cin->seg_begin;
	c->n_inter = cin->n_inter;
	c->n_seg = cin->n_seg;
	c->n_skip = cin->n_skip;
	c->n_trunc = cin->n_trunc;
	c->n_garbage = cin->n_garbage;
}

static __always_inline void es_ctx_out(struct es_scan_ctx *cin, const struct es_scan_ctx *c)
{
	cin->pos = c->pos;
	cin->seg_begin = c->seg_begin;
	cin->n_inter = c->n_inter;
	cin->n_seg = c->n_seg;
	cin->n_skip = c->n_skip;
	cin->n_trunc = c->n_trunc;
	cin->n_garbage = c->n_garbage;
}

/*
 * One scanner step as a global function. Returns 1 when the chunk is used
 * up, ES_STEP_FREE after a release character inside a segment. Verifier:
 * checked once, with unknown arguments, instead of once per call site and
 * loop state; the pointers arrive as sized memory (hence the NULL checks).
 */
__attribute__((noinline)) int es_step_g(struct es_scan_ctx *cin, struct es_scan_state *st,
					struct es_scratch *scr, struct es_env *envp)
{
	struct es_emit_ref ref;
	struct es_scan_ctx c;
	int r;

	if (!cin || !st || !scr || !envp)
		return 1;
	ref.env = envp;
	ref.scr = scr;
	es_ctx_in(&c, cin, st, scr, &ref);
	if (c.len > ES_SCAN_CHUNK)
		return 1;
	r = es_scan_step(&c);
	es_ctx_out(cin, &c);
	return r;
}

/*
 * The fast path (es_scan_run(): a run of ordinary segments, at most budget
 * steps) as a global function of its own: a frame of its own too (the call
 * chain stays within the 512-byte BPF stack) and nothing to do but a check
 * when the scanner is not at a segment start. Returns what es_scan_run()
 * does.
 */
__attribute__((noinline)) int es_run_g(struct es_scan_ctx *cin, struct es_scan_state *st,
				       struct es_scratch *scr, struct es_env *envp, __u32 budget)
{
	struct es_emit_ref ref;
	struct es_scan_ctx c;
	__u32 n;

	if (!cin || !st || !scr || !envp)
		return 0;
	if (st->mode != ES_MODE_SEGSTART || st->carry_len)
		return 0;
	ref.env = envp;
	ref.scr = scr;
	/* what es_scan_run() reads of the context; its counts go to cin */
	c.st = st;
	c.buf = scr->buf.b;
	c.env = &ref;
	c.base_off = cin->base_off;
	c.len = cin->len;
	c.pos = cin->pos;
	if (c.len > ES_SCAN_CHUNK || budget > ES_SCAN_STEPS)
		return 0;
	n = es_scan_run(&c, cin, budget);
	cin->pos = c.pos;
	cin->seg_begin = c.seg_begin;
	return (int)n;
}

/*
 * The scanner over one chunk: es_scan_chunk() of the host build (the fast
 * path, then one general step, until the chunk is used up or the step
 * budget is), with each part in a global function. Verifier: a global
 * function too, so its loop is walked once, not once per chunk of the
 * caller's loop; an ES_CAN_LOOP loop (every pass takes a step at least,
 * so the step budget bounds it, and the free steps past release
 * characters, ES_STEP_FREE, move two bytes on each): its state at the
 * loop head is the same every pass (the pointers in this frame, the step
 * count widened), so it is walked twice, not once per pass (a counted
 * loop: ~80k instructions).
 * Should ES_CAN_LOOP stop it, the rest of the chunk is skipped as when
 * the step budget runs out (ES_CNT_SCAN_LIMIT).
 */
__attribute__((noinline)) int es_scan_chunk_g(struct es_scan_ctx *c, struct es_scan_state *st,
					      struct es_scratch *scr, struct es_env *env)
{
	__u32 used = 0, r;

	if (!c || !st || !scr || !env)
		return 0;
	c->pos = 0;
	c->seg_begin = 0;
	while (used < ES_SCAN_STEPS && ES_CAN_LOOP) {
		r = 0;
		/* es_run_g()'s own first test, without the call (a chunk that
		 * begins inside a segment, and after each general step that
		 * leaves the scanner elsewhere than at a segment's start) */
		if (st->mode == ES_MODE_SEGSTART && !st->carry_len)
			r = (__u32)es_run_g(c, st, scr, env, ES_SCAN_STEPS - used);
		used += r & ~ES_RUN_MORE;
		if (used >= ES_SCAN_STEPS || (r & ES_RUN_MORE))
			continue;
		r = (__u32)es_step_g(c, st, scr, env);
		if (r == 1)
			return 0;
		if (r != ES_STEP_FREE)
			used++;
	}
	if (c->pos < c->len) {
		es_scan_budget_out(st);
		return -1;
	}
	return 0;
}

/* Scanner statistics of one chunk into the per-CPU counters. */
static __always_inline void es_count_scan(__u8 hook, const struct es_scan_ctx *c)
{
	if (c->n_inter)
		count_add(hook, ES_CNT_INTERCHANGES, c->n_inter);
	if (c->n_seg)
		count_add(hook, ES_CNT_SEGMENTS, c->n_seg);
	if (c->n_skip)
		count_add(hook, ES_CNT_SEGMENTS_SKIPPED, c->n_skip);
	if (c->n_trunc)
		count_add(hook, ES_CNT_SEG_TRUNCATED, c->n_trunc);
	if (c->n_garbage)
		count_add(hook, ES_CNT_SCAN_RESYNC, c->n_garbage);
}

/*
 * Scan payload bytes [from, from + n) of the packet (offsets in the frame)
 * whose first byte is at stream offset off. Returns the headers found
 * (interchanges or bare messages/groups: the seek depth's restarts).
 */
static __always_inline __u32 es_scan_payload(const struct es_frame *fr, struct es_env *env,
					     struct es_scratch *scr, struct es_flow *f, __u32 from,
					     __u32 n)
{
	struct es_scan_ctx *c = &scr->ctx;
	__u32 i, headers = 0;

	for (i = 0; i < ES_MAX_CHUNKS; i++) {
		__u64 k = n;

		if (!k)
			return headers;
		if (k > ES_SCAN_CHUNK)
			k = ES_SCAN_CHUNK;
		/* verifier: the helper's size needs bounds on the very register
		 * passed; clang compares a zero-extended copy of a 32-bit value,
		 * so keep k 64-bit and check it once more after a barrier */
		ES_OPAQUE(k);
		if (k == 0 || k > ES_SCAN_CHUNK)
			return headers;
		if (es_frame_load(fr, from, scr->buf.b, k))
			return headers;   /* cannot happen: parse.h keeps the payload in the frame */
		__builtin_memset(c, 0, sizeof(*c));
		c->len = (__u32)k;
		c->base_off = f->stream_off;
		if (es_scan_chunk_g(c, &f->scan, scr, env) < 0)
			count(fr->hook, ES_CNT_SCAN_LIMIT);
		/* before the next chunk overwrites this one */
		es_crec_out_g(scr);
		es_count_scan(fr->hook, c);
		headers += c->n_inter;
		f->stream_off += k;
		from += (__u32)k;
		n -= (__u32)k;
	}
	if (n) {
		/* more than ES_MAX_CHUNKS chunks in one frame: skip the rest */
		count(fr->hook, ES_CNT_SCAN_LIMIT);
		f->stream_off += n;
		es_scan_resync(&f->scan);
	}
	return headers;
}

/*
 * Seek depth, after a packet's n bytes were scanned: a header restarts the
 * budget; a packet seeking from its first byte to its last spends it; one
 * that began inside an interchange spends nothing (its bytes after the
 * trailer are not told apart: at most a packet less is counted, never EDI
 * bytes as seek bytes).
 */
static __always_inline void es_seek_account(__u8 hook, struct es_flow *f, __u32 n,
					    __u32 headers, __u8 mode_before)
{
	if (!seek_depth)
		return;
	if (headers) {
		f->seek_bytes = 0;
		return;
	}
	if (mode_before != ES_MODE_SEEK || f->scan.mode != ES_MODE_SEEK)
		return;
	f->seek_bytes += n;
	if (f->seek_bytes > seek_depth) {
		f->flags |= ES_FLOWF_GAVE_UP;
		count(hook, ES_CNT_SEEK_GIVEUP);
	}
}

/*
 * n bytes of a held segment from offset skip to the chunk buffer, 8 at a
 * time (the words past n are the chunk's padding). Verifier: a global
 * function, its loop walked once; the source offset is masked, and the
 * value has 16 bytes of fields after its data for the last word.
 */
__attribute__((noinline)) int es_hold_copy_g(struct es_chunk *dst, const struct es_held *src,
					     __u32 skip, __u32 n)
{
	__u32 k;

	if (!dst || !src)
		return 0;
	for (k = 0; k < ES_HOLD_BYTES; k += 8) {
		if (k >= n)
			break;
		*(__u64 *)(dst->b + k) = *(const __u64 *)(src->data +
							  ((skip + k) & (ES_HOLD_BYTES - 1)));
	}
	return 0;
}

/* A GAP of the bytes missing before next_seq + ahead (none when ahead is
 * not positive): next_seq moves past them and the scanner resyncs. */
static __always_inline void es_hold_gap(struct es_env *env, struct es_scratch *scr,
					struct es_flow *f, __u32 hook, __s32 ahead)
{
	if (ahead <= 0)
		return;
	count(hook, ES_CNT_GAP);
	es_emit_plain(env, scr, ES_EV_GAP, f->stream_off, (__u32)ahead, f->scan.skipped);
	f->scan.skipped = 0;
	f->stream_off += (__u32)ahead;
	f->next_seq += (__u32)ahead;
	es_scan_resync(&f->scan);
}

/*
 * The direction's held segment goes into the stream now, its map entry
 * away: when next_seq has reached it (released), its bytes not seen yet
 * are scanned; when it has not (given up: another early segment, FIN,
 * RST, a hole that stays), a GAP up to it first and a resync, then its
 * bytes, as if it had been taken when it came. A lost entry (evicted by
 * the LRU, or not this segment) is given up with nothing to scan: the GAP
 * covers its bytes too. The key is the packet's flow (env->hdr.flow).
 * Returns the bytes left in the chunk buffer to scan, the scan context set
 * up for them (es_hold_flush()).
 * Verifier: a global function, checked once; it does not call the scanner
 * itself, so its frame is not on the call chain down to the scanner's
 * steps, which is near the 512-byte stack limit.
 */
__attribute__((noinline)) int es_hold_flush_g(struct es_flow *f, struct es_scratch *scr,
					      __u32 hook)
{
	struct es_scan_ctx *c;
	struct es_env *env;
	struct es_held *h;
	__u32 hs, hl, skip = 0, k;
	__s32 ahead;

	if (!f || !scr || !(f->flags & ES_FLOWF_HOLDING))
		return 0;
	env = &scr->env;
	f->flags &= ~ES_FLOWF_HOLDING;
	hs = f->hold_seq;
	hl = f->hold_len;
	h = bpf_map_lookup_elem(&held, &env->hdr.flow);
	if (!h || h->seq != hs || h->len != hl || hl > ES_HOLD_BYTES) {
		/* its bytes are lost too: the GAP goes over them */
		count(hook, ES_CNT_REORDER_ABANDONED);
		es_hold_gap(env, scr, f, hook, (__s32)(hs + hl - f->next_seq));
		return 0;
	}
	ahead = (__s32)(hs - f->next_seq);
	if (ahead > 0) {
		count(hook, ES_CNT_REORDER_ABANDONED);
		es_hold_gap(env, scr, f, hook, ahead);
	} else {
		count(hook, ES_CNT_REORDER_RELEASED);
		skip = (__u32)-ahead;
	}
	if (skip >= hl) {
		/* the packets that filled the hole brought all of it */
		bpf_map_delete_elem(&held, &env->hdr.flow);
		return 0;
	}
	k = hl - skip;
	es_hold_copy_g(&scr->buf, h, skip, k);
	bpf_map_delete_elem(&held, &env->hdr.flow);
	f->next_seq += k;
	if (f->flags & ES_FLOWF_GAVE_UP) {
		/* the packet before gave up: the held bytes are not scanned either */
		count_add(hook, ES_CNT_SEEK_SKIPPED_BYTES, k);
		f->stream_off += k;
		return 0;
	}
	f->hold_mode = f->scan.mode;
	c = &scr->ctx;
	__builtin_memset(c, 0, sizeof(*c));
	c->len = k;
	c->base_off = f->stream_off;
	return (int)k;
}

/*
 * After the scan of the k held bytes es_hold_flush_g() staged: the
 * scanner's counts, stream_off, the seek depth (as es_scan_payload() and
 * es_flow_packet() do for a packet's chunk). A global function of its own
 * rather than one around the scan: a frame between the monitored path and
 * the scanner's steps would pass the 512-byte stack limit.
 */
__attribute__((noinline)) int es_hold_scanned_g(struct es_flow *f, struct es_scratch *scr,
						__u32 hook, __u32 k, __u32 limit_hit)
{
	const struct es_scan_ctx *c;

	if (!f || !scr)
		return 0;
	/* the chunk's record, before anything else uses the chunk buffer */
	es_crec_out(&scr->env, scr, 1);
	c = &scr->ctx;
	if (limit_hit)
		count(hook, ES_CNT_SCAN_LIMIT);
	es_count_scan(hook, c);
	f->stream_off += k;
	es_seek_account(hook, f, k, c->n_inter, f->hold_mode);
	return 0;
}

/* The held segment into the stream now (released or given up). */
static __always_inline void es_hold_flush(struct es_flow *f, struct es_scratch *scr, __u8 hook)
{
	int k = es_hold_flush_g(f, scr, hook);

	if (k > 0)
		es_hold_scanned_g(f, scr, hook, (__u32)k,
				  es_scan_chunk_g(&scr->ctx, &f->scan, scr, &scr->env) < 0);
}

/*
 * Holds the packet's n payload bytes from frame offset from, the first at
 * sequence number seq, ahead of next_seq by hole bytes: staged in the
 * chunk buffer (struct es_held has its layout), stored with one map
 * update. 1 when held; 0 when it cannot be (holding off, FIN/RST, larger
 * than ES_HOLD_BYTES, too far ahead, map update failed): a GAP then.
 */
static __always_inline int es_hold_take(const struct es_frame *fr, const struct es_pkt *pkt,
					struct es_scratch *scr, struct es_flow *f, __u32 from,
					__u32 n, __u32 hole)
{
	struct es_held *h = (struct es_held *)&scr->buf;
	__u64 k = n;

	if (!reorder_hold || (pkt->tcp_flags & (ES_TCP_FIN | ES_TCP_RST)) ||
	    hole > ES_HOLD_MAX_HOLE)
		return 0;
	/* verifier: the helper's size is bounded on the register passed */
	ES_OPAQUE(k);
	if (k == 0 || k > ES_HOLD_BYTES)
		return 0;
	if (es_frame_load(fr, from, h->data, k))
		return 0;
	h->seq = pkt->seq;
	h->len = (__u32)k;
	if (bpf_map_update_elem(&held, &pkt->key, h, BPF_ANY))
		return 0;
	f->flags |= ES_FLOWF_HOLDING;
	f->hold_seq = pkt->seq;
	f->hold_len = (__u16)k;
	f->hold_waits = 0;
	count(fr->hook, ES_CNT_REORDER_HELD);
	return 1;
}

/*
 * A direction that gives up holding without scanning (past the seek depth,
 * or a SYN restarting it): the held segment is counted as given up and its
 * entry freed. Past the seek depth its bytes count as skipped and next_seq
 * moves past them, as if it had been taken when it came (new: it moves
 * them at all).
 */
static __always_inline void es_hold_drop(__u8 hook, const struct es_pkt *pkt,
					 struct es_flow *f, int advance)
{
	__s32 ahead = (__s32)(f->hold_seq + f->hold_len - f->next_seq);

	f->flags &= ~ES_FLOWF_HOLDING;
	count(hook, ES_CNT_REORDER_ABANDONED);
	bpf_map_delete_elem(&held, &pkt->key);
	if (!advance || ahead <= 0)
		return;
	count_add(hook, ES_CNT_SEEK_SKIPPED_BYTES,
		  (__u32)ahead < f->hold_len ? (__u32)ahead : f->hold_len);
	f->next_seq += (__u32)ahead;
	f->stream_off += (__u32)ahead;
}

/*
 * A packet of a direction past its seek depth (no SYN, FIN or RST): only
 * its new bytes are counted and followed, so next_seq and stream_off (the
 * FLOW_END offset) stay right; a hole moves them past its missing bytes,
 * which are not counted.
 */
static __always_inline void es_flow_skip(__u8 hook, const struct es_pkt *pkt,
					 struct es_flow *f)
{
	__u32 n = pkt->payload_len;
	__s32 ahead;

	if (f->flags & ES_FLOWF_HOLDING)
		es_hold_drop(hook, pkt, f, 1);
	ahead = (__s32)(pkt->seq + n - f->next_seq);
	if (!n || ahead <= 0)
		return;   /* empty, or a retransmission */
	count_add(hook, ES_CNT_SEEK_SKIPPED_BYTES, (__u32)ahead < n ? (__u32)ahead : n);
	f->next_seq += (__u32)ahead;
	f->stream_off += (__u32)ahead;
}

/* New state for a direction; SYN or not. */
static __always_inline struct es_flow *es_flow_new(const struct es_frame *fr,
						   const struct es_pkt *pkt, __u32 next_seq,
						   __u32 flags)
{
	struct es_scratch *scr;
	struct es_flow *f;
	__u32 zero = 0;

	/* the value is too big for the stack: build it in the scratch buffer
	 * (before its chunk buffer is used for this packet) */
	scr = bpf_map_lookup_elem(&es_scratch_map, &zero);
	if (!scr)
		return NULL;
	f = (struct es_flow *)scr->batch;
	__builtin_memset(f, 0, sizeof(*f) - sizeof(f->scan.carry));
	f->next_seq = next_seq;
	f->flags = flags;
	if (bpf_map_update_elem(&flows, &pkt->key, f, BPF_ANY)) {
		count(fr->hook, ES_CNT_FLOW_NOT_TRACKED);
		return NULL;
	}
	count(fr->hook, ES_CNT_FLOW_NEW);
	if (flags & ES_FLOWF_MIDSTREAM)
		count(fr->hook, ES_CNT_FLOW_MIDSTREAM);
	return bpf_map_lookup_elem(&flows, &pkt->key);
}

static __always_inline void es_flow_end(struct es_env *env, struct es_scratch *scr,
					const struct es_pkt *pkt, struct es_flow *f, __u32 reason)
{
	es_emit_plain(env, scr, ES_EV_FLOW_END, f->stream_off, reason, f->scan.skipped);
	env->ended = 1;
	count(env->hdr.hook, ES_CNT_FLOW_END);
	bpf_map_delete_elem(&flows, &pkt->key);
}

/*
 * An RST aborts the whole connection: the reverse direction of the packet's
 * ends too, or its state would wait in the LRU map until evicted, its
 * skipped count never reported and its held segment never released.
 * es_rev_begin_g() turns the packet's env to it: the key (env->hdr.flow)
 * swapped, the open record closed, so its events go into records of their
 * own with its key, direction and ES_SEGF_MIDSTREAM. Its held segment is
 * then given up as on its own RST (es_hold_flush(): a GAP up to it, its
 * bytes scanned), and es_rev_end_g() emits its FLOW_END with its skipped
 * count, counts it and frees its state. Its next packet starts it afresh,
 * as any unknown flow (mid-stream, seeking). The two are global functions
 * that call no scanner (checked once, their frames off the call chain to
 * the scanner's steps, at the 512-byte stack limit); the scan of the held
 * bytes is called from the program's frame, as for the packet's direction.
 * Returns 1 when the reverse direction has state.
 */
__attribute__((noinline)) int es_rev_begin_g(struct es_scratch *scr)
{
	struct es_flow_key *k;
	struct es_env *env;
	struct es_flow *f;
	__u8 a[16];
	__u16 port;

	if (!scr)
		return 0;
	env = &scr->env;
	k = &env->hdr.flow;
	__builtin_memcpy(a, k->saddr, sizeof(a));
	__builtin_memcpy(k->saddr, k->daddr, sizeof(a));
	__builtin_memcpy(k->daddr, a, sizeof(a));
	port = k->sport;
	k->sport = k->dport;
	k->dport = port;
	f = bpf_map_lookup_elem(&flows, k);
	if (!f)
		return 0;
	es_rec_close(env, scr);
	env->hdr.dir = env->hdr.dir == ES_DIR_TO_SERVER ? ES_DIR_TO_CLIENT :
		       env->hdr.dir == ES_DIR_TO_CLIENT ? ES_DIR_TO_SERVER : ES_DIR_UNKNOWN;
	env->hdr.flags = (f->flags & ES_FLOWF_MIDSTREAM) ? ES_SEGF_MIDSTREAM : 0;
	env->lost_flag = (f->flags & ES_FLOWF_EVENTS_LOST) ? ES_SEGF_EVENTS_LOST : 0;
	return 1;
}

/* The reverse direction's FLOW_END (es_rev_begin_g()). */
__attribute__((noinline)) int es_rev_end_g(struct es_scratch *scr, __u32 hook)
{
	struct es_env *env;
	struct es_flow *f;

	if (!scr)
		return 0;
	env = &scr->env;
	f = bpf_map_lookup_elem(&flows, &env->hdr.flow);
	if (!f)
		return 0;
	es_emit_plain(env, scr, ES_EV_FLOW_END, f->stream_off, ES_END_RST, f->scan.skipped);
	count(hook, ES_CNT_FLOW_END);
	bpf_map_delete_elem(&flows, &env->hdr.flow);
	return 0;
}

static __always_inline void es_flow_end_reverse(struct es_scratch *scr, __u8 hook)
{
	struct es_flow *rf;

	if (!es_rev_begin_g(scr))
		return;
	rf = bpf_map_lookup_elem(&flows, &scr->env.hdr.flow);
	if (!rf)
		return;
	es_hold_flush(rf, scr, hook);
	es_rev_end_g(scr, hook);
}

/* A packet's env: an empty batch and the header its records share (fflags:
 * the direction's ES_FLOWF_*). */
static __always_inline void es_env_init(struct es_env *env, const struct es_frame *fr,
					const struct es_pkt *pkt, __u32 fflags)
{
	__builtin_memset(env, 0, sizeof(*env));
	env->hdr.version = ES_REC_VERSION;
	env->hdr.dir = pkt->dir;
	env->hdr.hook = fr->hook;
	env->hdr.flags = (fflags & ES_FLOWF_MIDSTREAM) ? ES_SEGF_MIDSTREAM : 0;
	env->hdr.ifindex = fr->ifindex;
	env->hdr.ts_ns = es_now();
	__builtin_memcpy(&env->hdr.flow, &pkt->key, sizeof(env->hdr.flow));
}

/* The packet's batch to the ring buffer, its items counted. */
static __always_inline void es_batch_out(const struct es_frame *fr, struct es_env *env,
					 struct es_scratch *scr)
{
	es_flush(env, scr);
	if (env->sent)
		count_add(fr->hook, ES_CNT_EVENTS, env->sent);
	if (env->lost)
		count_add(fr->hook, ES_CNT_RINGBUF_FULL, env->lost);
}

/* An RST of a direction without state: the reverse one may have some. */
static __always_inline void es_rst_unknown(const struct es_frame *fr, const struct es_pkt *pkt)
{
	struct es_scratch *scr;
	__u32 zero = 0;

	scr = bpf_map_lookup_elem(&es_scratch_map, &zero);
	if (!scr)
		return;
	es_env_init(&scr->env, fr, pkt, 0);
	es_flow_end_reverse(scr, fr->hook);
	es_batch_out(fr, &scr->env, scr);
}

/*
 * A monitored TCP packet. Never fails: whatever goes wrong is counted and
 * the caller's verdict stands.
 */
static __always_inline void es_flow_packet(const struct es_frame *fr, const struct es_pkt *pkt)
{
	struct es_env *env;
	struct es_scratch *scr;
	struct es_flow *f;
	__u32 zero = 0, from = pkt->payload_off, n = pkt->payload_len, seq_before;
	__s32 delta;
	int held_now = 0;

	f = bpf_map_lookup_elem(&flows, &pkt->key);
	if (f && (f->flags & ES_FLOWF_GAVE_UP) &&
	    !(pkt->tcp_flags & (ES_TCP_SYN | ES_TCP_FIN | ES_TCP_RST))) {
		/* past the seek depth: no scanner, no events, no batch */
		es_flow_skip(fr->hook, pkt, f);
		return;
	}
	if (pkt->tcp_flags & ES_TCP_SYN) {
		/* (re)start: the stream begins after the SYN's sequence number;
		 * lost events not yet told are the previous connection's, whose
		 * open message userspace still holds; so is a held segment */
		if (f && (f->flags & ES_FLOWF_HOLDING))
			es_hold_drop(fr->hook, pkt, f, 0);
		f = es_flow_new(fr, pkt, pkt->seq + 1, f ? f->flags & ES_FLOWF_EVENTS_LOST : 0);
		if (!f)
			return;
		delta = 0;
		if (!n)
			return;
		/* data on a SYN (TCP Fast Open) follows the SYN's sequence number */
	} else if (!f) {
		if (pkt->tcp_flags & ES_TCP_RST) {
			es_rst_unknown(fr, pkt);
			return;   /* no state for RSTs */
		}
		if (!n)
			return;   /* nothing to scan: no state for bare ACKs/FINs */
		f = es_flow_new(fr, pkt, pkt->seq, ES_FLOWF_MIDSTREAM);
		if (!f)
			return;
	}
	scr = bpf_map_lookup_elem(&es_scratch_map, &zero);
	if (!scr)
		return;
	env = &scr->env;
	es_env_init(env, fr, pkt, f->flags);
	env->chunk_sparse = !!(f->flags & ES_FLOWF_SPARSE);
	if (f->flags & ES_FLOWF_EVENTS_LOST) {
		env->lost_flag = ES_SEGF_EVENTS_LOST;
		f->flags &= ~ES_FLOWF_EVENTS_LOST;
	}

	if (pkt->tcp_flags & ES_TCP_RST) {
		/* a held segment is given up: a GAP before it, then its bytes */
		es_hold_flush(f, scr, fr->hook);
		es_flow_end(env, scr, pkt, f, ES_END_RST);
		/* the connection is aborted: both directions end */
		es_flow_end_reverse(scr, fr->hook);
		goto out;
	}
	if (pkt->tcp_flags & ES_TCP_SYN)
		delta = (__s32)(pkt->seq + 1 - f->next_seq);
	else
		delta = (__s32)(pkt->seq - f->next_seq);
	seq_before = f->next_seq;
	if (n && delta > 0 && (f->flags & ES_FLOWF_HOLDING)) {
		/* another early packet. Starting inside the hole: a GAP up to
		 * it below, the held segment waits on. A copy of the held
		 * segment: nothing new. Past it: the held segment is given up
		 * first, then this packet goes on from where it ends. */
		__u32 rel = pkt->seq - f->hold_seq;

		if ((__s32)rel >= 0 && rel + n <= f->hold_len) {
			count(fr->hook, ES_CNT_RETRANS);
			n = 0;
		} else if ((__s32)rel >= 0) {
			es_hold_flush(f, scr, fr->hook);
			delta = (__s32)(pkt->seq - f->next_seq);
		}
	}
	if (n && delta < 0) {
		__u32 seen = (__u32)-delta;

		if (seen >= n) {
			count(fr->hook, ES_CNT_RETRANS);
			n = 0;
		} else {
			count(fr->hook, ES_CNT_OVERLAP);
			from += seen;
			n -= seen;
		}
	} else if (n && delta > 0 && !(f->flags & (ES_FLOWF_HOLDING | ES_FLOWF_GAVE_UP)) &&
		   es_hold_take(fr, pkt, scr, f, from, n, (__u32)delta)) {
		/* early: held until the bytes before it come */
		n = 0;
		held_now = 1;
	} else if (n && delta > 0) {
		/* bytes missing: the scanner cannot trust its state any more */
		count(fr->hook, ES_CNT_GAP);
		es_emit_plain(env, scr, ES_EV_GAP, f->stream_off, (__u32)delta, f->scan.skipped);
		f->scan.skipped = 0;   /* reported: the next forwarded segment is after the gap */
		f->stream_off += (__u32)delta;
		f->next_seq += (__u32)delta;
		es_scan_resync(&f->scan);
	}
	if (n && (f->flags & ES_FLOWF_GAVE_UP)) {
		/* a FIN with data past the seek depth */
		count_add(fr->hook, ES_CNT_SEEK_SKIPPED_BYTES, n);
		f->next_seq += n;
		f->stream_off += n;
	} else if (n) {
		/* in the scratch, not a register: the frame stays within the
		 * call chain's 512 bytes */
		env->mode_before = f->scan.mode;
		if (from + n > fr->linear)
			count(fr->hook, ES_CNT_FRAGS_READ);
		f->next_seq += n;
		es_seek_account(fr->hook, f, n, es_scan_payload(fr, env, scr, f, from, n),
				env->mode_before);
		f->flags = (f->flags & ~ES_FLOWF_SPARSE) | (env->chunk_sparse ? ES_FLOWF_SPARSE : 0);
	}
	if ((f->flags & ES_FLOWF_HOLDING) && !held_now &&
	    ((__s32)(f->next_seq - f->hold_seq) >= 0 || (pkt->tcp_flags & ES_TCP_FIN) ||
	     (f->next_seq == seq_before && ++f->hold_waits >= ES_HOLD_WAIT_PKTS)))
		/* the hole filled (released), or it will not (given up) */
		es_hold_flush(f, scr, fr->hook);
	if (pkt->tcp_flags & ES_TCP_FIN)
		es_flow_end(env, scr, pkt, f, ES_END_FIN);
out:
	es_batch_out(fr, env, scr);
	/* a loss not yet told (no item after it in this packet) waits in the
	 * flow state for the direction's next item; after FLOW_END the state
	 * is gone, and so is the flow in userspace once it sees the end (a
	 * lost FLOW_END is left to the daemon's loss report) */
	if (env->lost_flag && !env->ended)
		f->flags |= ES_FLOWF_EVENTS_LOST;
}

#endif /* __bpf__ */
#endif /* EDISENSOR_FLOW_H */
