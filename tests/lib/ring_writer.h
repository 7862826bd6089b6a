/* Writes events as ring buffer output in the XDP program's layout
 * (bpf/edisensor.h, bpf/flow.h es_item_slot(), es_crec_slot()), so the
 * reader's tests and the fuzz harness feed it what the kernel would. A
 * record ends when an event's shared fields (time, flow, ifindex, dir,
 * hook, mid-stream flag) differ from the record's, a segment's syntax or
 * separators differ from the record's segments', or the event's stream
 * offset is not within 4 GiB after the record's first. With a chunk set
 * (ring_writer_chunk(), as the kernel's record of a scanned chunk) the
 * records carry it after their header and a segment whose data are the
 * chunk's bytes at its offset refers to them (a short item when it is
 * whole and no segment was skipped before it). Header-only, like frames.h. */
#ifndef EDISENSOR_TEST_RING_WRITER_H
#define EDISENSOR_TEST_RING_WRITER_H
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "edisensor.h"

struct ring_writer {
	uint8_t *buf;             /* 8-aligned */
	size_t cap, len;
	size_t rec_off;           /* the open record's header */
	bool open, has_seg;
	struct es_rec_hdr hdr;    /* the open record's header */
	const uint8_t *chunk;     /* ring_writer_chunk(): attached to records opened */
	uint32_t chunk_len;
	uint64_t chunk_off;       /* stream offset of chunk[0] */
};

static inline void ring_writer_init(struct ring_writer *w, void *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
}

static inline void ring_writer_close(struct ring_writer *w)
{
	if (!w->open)
		return;
	w->hdr.len = (uint32_t)(w->len - w->rec_off);
	memcpy(w->buf + w->rec_off, &w->hdr, sizeof(w->hdr));
	w->open = false;
}

static inline bool ring_writer_same_record(const struct ring_writer *w,
					   const struct es_event *ev)
{
	if (ev->ts_ns != w->hdr.ts_ns || memcmp(&ev->flow, &w->hdr.flow, sizeof(ev->flow)) ||
	    ev->ifindex != w->hdr.ifindex || ev->dir != w->hdr.dir || ev->hook != w->hdr.hook ||
	    (ev->flags & ES_SEGF_MIDSTREAM) != w->hdr.flags ||
	    ev->stream_off - w->hdr.base_off > 0xFFFFFFFFull)
		return false;
	return ev->type != ES_EV_SEGMENT || !w->has_seg ||
	       (ev->syntax == w->hdr.syntax && !memcmp(&ev->seps, &w->hdr.seps, sizeof(ev->seps)));
}

/*
 * Records opened from now on carry len bytes of the stream from offset off
 * (chunk, which must stay valid while they are written) after their
 * header: an added segment whose data are those bytes at its offset
 * becomes an item referring to them (ES_ITEMF_CHUNK). Ends the open
 * record; chunk NULL: no chunk from now on.
 */
static inline void ring_writer_chunk(struct ring_writer *w, const void *chunk, uint32_t len,
				     uint64_t off)
{
	ring_writer_close(w);
	w->chunk = chunk;
	w->chunk_len = chunk ? len : 0;
	w->chunk_off = off;
}

/* The open record's chunk holds ev's data at ev's offset. */
static inline bool ring_writer_in_chunk(const struct ring_writer *w, const struct es_event *ev)
{
	uint64_t at = w->hdr.base_off + w->hdr.chunk_off;

	return w->hdr.chunk_len && ev->type == ES_EV_SEGMENT && ev->stream_off >= at &&
	       ev->stream_off - at + ev->data_len <= w->hdr.chunk_len &&
	       !memcmp(w->chunk + (ev->stream_off - at), ev->data, ev->data_len);
}

/* Bytes of a record's chunk with its padding. */
static inline size_t ring_writer_chunk_span(uint32_t chunk_len)
{
	return ((size_t)chunk_len + 7) & ~(size_t)7;
}

/* Appends ev; -ENOSPC when it does not fit (nothing written). */
static inline int ring_writer_add(struct ring_writer *w, const struct es_event *ev)
{
	struct es_rec_item it = { 0 };
	size_t span = ES_REC_ITEM_SPAN(ev->data_len), opening;
	bool ref, short_item;

	if (w->open && !ring_writer_same_record(w, ev))
		ring_writer_close(w);
	opening = w->open ? 0 : sizeof(w->hdr) + ring_writer_chunk_span(w->chunk_len);
	if (w->len + opening + span > w->cap)
		return -ENOSPC;
	if (!w->open) {
		memset(&w->hdr, 0, sizeof(w->hdr));
		w->hdr.version = ES_REC_VERSION;
		w->hdr.ts_ns = ev->ts_ns;
		w->hdr.flow = ev->flow;
		w->hdr.ifindex = ev->ifindex;
		w->hdr.dir = ev->dir;
		w->hdr.hook = ev->hook;
		w->hdr.flags = ev->flags & ES_SEGF_MIDSTREAM;
		/* as the kernel: the base is the chunk's offset or, for a
		 * segment begun before the chunk, the segment's */
		w->hdr.base_off = ev->stream_off < w->chunk_off ? ev->stream_off : w->chunk_off;
		if (w->chunk_len && w->chunk_off - w->hdr.base_off <= 0xFFFFFFFFull &&
		    ev->stream_off - w->hdr.base_off <= 0xFFFFFFFFull) {
			w->hdr.chunk_len = w->chunk_len;
			w->hdr.chunk_off = (uint32_t)(w->chunk_off - w->hdr.base_off);
		} else {
			w->hdr.base_off = ev->stream_off;
		}
		w->rec_off = w->len;
		w->len += sizeof(w->hdr);
		if (w->hdr.chunk_len) {
			memset(w->buf + w->len, 0, ring_writer_chunk_span(w->chunk_len));
			memcpy(w->buf + w->len, w->chunk, w->chunk_len);
			w->len += ring_writer_chunk_span(w->chunk_len);
		}
		w->open = true;
		w->has_seg = false;
	}
	if (ev->type == ES_EV_SEGMENT && !w->has_seg) {
		w->hdr.syntax = ev->syntax;
		w->hdr.seps = ev->seps;
		w->has_seg = true;
	}
	ref = ring_writer_in_chunk(w, ev);
	short_item = ref && ev->seg_len == ev->data_len && !ev->aux;
	if (ref)
		span = short_item ? ES_REC_ITEM_SHORT : sizeof(it);
	it.off = (uint32_t)(ev->stream_off - w->hdr.base_off);
	it.seg_len = ev->seg_len;
	it.aux = ev->aux;
	it.data_len = ev->data_len;
	it.flags = (uint8_t)((ev->flags & ~ES_SEGF_MIDSTREAM) | (ref ? ES_ITEMF_CHUNK : 0) |
			     (short_item ? ES_ITEMF_SHORT : 0));
	it.type = ev->type;
	memset(w->buf + w->len, 0, span);
	memcpy(w->buf + w->len, &it, short_item ? ES_REC_ITEM_SHORT : sizeof(it));
	if (!ref)
		memcpy(w->buf + w->len + sizeof(it), ev->data, ev->data_len);
	w->len += span;
	w->hdr.n_items++;
	return 0;
}

/* Closes the open record; the output's length. */
static inline size_t ring_writer_finish(struct ring_writer *w)
{
	ring_writer_close(w);
	return w->len;
}

#endif
