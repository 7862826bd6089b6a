/* Writes events as ring buffer output in the XDP program's layout
 * (bpf/edisensor.h, bpf/flow.h es_item_slot()): the same record splits, so
 * the reader's tests and the fuzz harness feed it what the kernel would.
 * A record ends when an event's shared fields (time, flow, ifindex, dir,
 * hook, mid-stream flag) differ from the record's, a segment's syntax or
 * separators differ from the record's segments', or the event's stream
 * offset is not within 4 GiB after the record's first. Header-only, like
 * frames.h. */
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

/* Appends ev; -ENOSPC when it does not fit (nothing written). */
static inline int ring_writer_add(struct ring_writer *w, const struct es_event *ev)
{
	struct es_rec_item it = { 0 };
	size_t span = ES_REC_ITEM_SPAN(ev->data_len);

	if (w->open && !ring_writer_same_record(w, ev))
		ring_writer_close(w);
	if (w->len + (w->open ? 0 : sizeof(w->hdr)) + span > w->cap)
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
		w->hdr.base_off = ev->stream_off;
		w->rec_off = w->len;
		w->len += sizeof(w->hdr);
		w->open = true;
		w->has_seg = false;
	}
	if (ev->type == ES_EV_SEGMENT && !w->has_seg) {
		w->hdr.syntax = ev->syntax;
		w->hdr.seps = ev->seps;
		w->has_seg = true;
	}
	it.off = (uint32_t)(ev->stream_off - w->hdr.base_off);
	it.seg_len = ev->seg_len;
	it.aux = ev->aux;
	it.data_len = ev->data_len;
	it.flags = (uint8_t)(ev->flags & ~ES_SEGF_MIDSTREAM);
	it.type = ev->type;
	memset(w->buf + w->len, 0, span);
	memcpy(w->buf + w->len, &it, sizeof(it));
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
