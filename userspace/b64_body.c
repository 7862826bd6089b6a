#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#include "b64_body.h"
#include "b64_decode.h"
#include "flow_table.h"

/* The host build of the kernel's scanner; its hooks are below. */
#include "edi_scan.h"

struct body {
	struct flow_entry fe;     /* first: the table's entry */
	uint64_t next_off;        /* stream offset the next item must start at */
	struct es_event tmpl;     /* what its segment events share (flow, time...) */
	struct b64_dec dec;
	struct es_scan_state st;
	uint8_t buf[ES_SCAN_BUF]; /* decoded bytes of one item, padded for the scanner */
};

struct b64_bodies {
	struct flow_table open;
	size_t max_bodies;
	const char (*tags)[4];
	const size_t *n_tags;
	b64_emit_fn emit;
	void *ctx;
	struct b64_body_stats st;
	struct body *cur;         /* the body being scanned (the scanner's hooks) */
	struct es_event ev;       /* a segment event being made */
};

static int es_scan_want(void *env, __u32 tag)
{
	const struct b64_bodies *b = env;

	for (size_t i = 0; i < *b->n_tags; i++) {
		__u32 k = 0;

		memcpy(&k, b->tags[i], sizeof(k));
		if (k == tag || k == '*')
			return 1;
	}
	return 0;
}

static void es_scan_emit(void *env, const struct es_scan_state *st, const __u8 *buf,
			 const struct es_seg_desc *d)
{
	struct b64_bodies *b = env;
	struct body *y = b->cur;
	struct es_event *ev = &b->ev;
	size_t n = (size_t)d->carry_n + d->buf_n;
	uint64_t misses = y->dec.map_misses;

	if (n > ES_SEG_MAX)
		n = ES_SEG_MAX;   /* cannot happen: the scanner caps both */
	memcpy(ev, &y->tmpl, ES_EVENT_HDR_LEN);
	ev->type = ES_EV_SEGMENT;
	ev->stream_off = b64_dec_raw_of(&y->dec, d->stream_off);
	b->st.offset_misses += y->dec.map_misses - misses;
	ev->seg_len = d->seg_len;
	ev->aux = d->skipped;
	ev->flags = (uint16_t)(y->tmpl.flags | d->flags | ES_SEGF_BASE64);
	ev->syntax = st->syntax;
	ev->seps = st->seps;
	ev->data_len = (uint16_t)n;
	memcpy(ev->data, st->carry, d->carry_n < n ? d->carry_n : n);
	if (n > d->carry_n)
		memcpy(ev->data + d->carry_n, buf + d->buf_begin, n - d->carry_n);
	b->st.segments++;
	b->emit(b->ctx, ev, ES_EVENT_HDR_LEN + n);
}

static void es_scan_emit_b64(void *env, const struct es_scan_state *st, __u64 off, __u32 span)
{
	struct b64_bodies *b = env;

	(void)st;
	(void)off;
	if (ES_B64_SPAN_AUX(span) == ES_B64_START)
		b->st.nested++;
}

struct b64_bodies *b64_bodies_new(size_t max_bodies, const char (*tags)[4], const size_t *n_tags,
				  b64_emit_fn emit, void *ctx)
{
	struct b64_bodies *b = calloc(1, sizeof(*b));

	if (!b || !max_bodies || !n_tags || flow_table_init(&b->open, max_bodies)) {
		free(b);
		return NULL;
	}
	b->max_bodies = max_bodies;
	b->tags = tags;
	b->n_tags = n_tags;
	b->emit = emit;
	b->ctx = ctx;
	return b;
}

/* The decoded bytes in y->buf[0..n) through the scanner. */
static void scan_decoded(struct b64_bodies *b, struct body *y, size_t n)
{
	struct es_scan_ctx c;

	b->st.decoded_bytes += n;
	memset(y->buf + n, 0, ES_SCAN_PAD);
	memset(&c, 0, sizeof(c));
	c.st = &y->st;
	c.buf = y->buf;
	c.env = b;
	c.len = (__u32)n;
	c.base_off = y->dec.out - n;
	b->cur = y;
	es_scan_chunk(&c);
	b->cur = NULL;
}

/* The body's last bytes (a quantum without padding), then it is gone.
 * Segments its scanner did not forward after its last forwarded one, and
 * a segment the body's end cut (a truncated interchange: the plaintext
 * scanner would end it at the next terminator), go to the assembler as a
 * GAP or FLOW_END reports the kernel's: in seg_len of an ES_EV_B64 event
 * flagged ES_SEGF_BASE64. */
static void body_end(struct b64_bodies *b, struct body *y, uint64_t *why)
{
	size_t n = b64_dec_finish(&y->dec, y->buf);
	uint32_t pending;

	if (n)
		scan_decoded(b, y, n);
	pending = y->st.skipped;
	if (y->st.mode == ES_MODE_SEG || (y->st.mode == ES_MODE_SEGSTART && y->st.carry_len))
		pending++;
	if (pending) {
		struct es_event *ev = &b->ev;

		memcpy(ev, &y->tmpl, ES_EVENT_HDR_LEN);
		ev->type = ES_EV_B64;
		ev->aux = ES_B64_END_TEXT;
		ev->flags = (uint16_t)(y->tmpl.flags | ES_SEGF_BASE64);
		ev->stream_off = y->next_off;
		ev->seg_len = pending;
		ev->data_len = 0;
		b->emit(b->ctx, ev, ES_EVENT_HDR_LEN);
	}
	b->st.invalid_chars += y->dec.invalid;
	(*why)++;
	flow_table_remove(&b->open, &y->fe);
	free(y);
}

static struct body *body_start(struct b64_bodies *b, const struct es_event *ev)
{
	struct body *y;
	struct flow_entry *old;

	if (b->open.count >= b->max_bodies && (old = flow_table_oldest(&b->open)) != NULL)
		body_end(b, (struct body *)old, &b->st.ended_evicted);
	y = calloc(1, sizeof(*y));
	if (!y)
		return NULL;
	y->fe.key = ev->flow;
	y->next_off = ev->stream_off;
	memcpy(&y->tmpl, ev, ES_EVENT_HDR_LEN);
	/* the body's first segment says what the kernel said of its start */
	y->tmpl.flags = ev->flags & ES_SEGF_MIDSTREAM;
	b64_dec_init(&y->dec);
	flow_table_insert(&b->open, &y->fe);
	b->st.bodies++;
	return y;
}

static void body_text(struct b64_bodies *b, struct body *y, const struct es_event *ev)
{
	size_t n;

	/* an item is at most ES_SEG_MAX bytes: its bytes fit one chunk */
	_Static_assert(B64_DEC_ROOM(ES_SEG_MAX) <= ES_SCAN_CHUNK, "one item, one chunk");
	y->tmpl.ts_ns = ev->ts_ns;
	y->next_off = ev->stream_off + ev->data_len;
	b->st.text_bytes += ev->data_len;
	n = b64_dec_feed(&y->dec, ev->stream_off, ev->data, ev->data_len, y->buf);
	if (n)
		scan_decoded(b, y, n);
}

static void on_item(struct b64_bodies *b, const struct es_event *ev)
{
	struct body *y = (struct body *)flow_table_find(&b->open, &ev->flow);

	b->st.items++;
	if (ev->data_len > ES_SEG_MAX)
		return;   /* the ring reader never makes one */
	if (y && (ev->aux == ES_B64_START || ev->stream_off != y->next_off ||
		  (ev->flags & ES_SEGF_EVENTS_LOST))) {
		body_end(b, y, &b->st.ended_lost);
		y = NULL;
	}
	if (ev->aux == ES_B64_START) {
		y = body_start(b, ev);
		if (!y)
			return;
	}
	if (!y) {
		b->st.orphan_items++;
		return;
	}
	switch (ev->aux) {
	case ES_B64_END_TEXT:
		body_end(b, y, &b->st.ended_text);
		return;
	case ES_B64_END_CAP:
		body_end(b, y, &b->st.ended_cap);
		return;
	}
	body_text(b, y, ev);
}

void b64_bodies_event(struct b64_bodies *b, const struct es_event *ev)
{
	struct body *y;

	if (ev->type == ES_EV_B64) {
		on_item(b, ev);
		return;
	}
	if (ev->type != ES_EV_GAP && ev->type != ES_EV_FLOW_END)
		return;
	y = (struct body *)flow_table_find(&b->open, &ev->flow);
	if (y)
		body_end(b, y, ev->type == ES_EV_GAP ? &b->st.ended_gap : &b->st.ended_flow);
}

void b64_bodies_flush(struct b64_bodies *b)
{
	struct flow_entry *e;

	while ((e = flow_table_oldest(&b->open)) != NULL)
		body_end(b, (struct body *)e, &b->st.ended_flush);
}

const struct b64_body_stats *b64_bodies_stats(const struct b64_bodies *b)
{
	return &b->st;
}

void b64_bodies_free(struct b64_bodies *b)
{
	struct flow_entry *e;

	if (!b)
		return;
	while ((e = flow_table_oldest(&b->open)) != NULL) {
		flow_table_remove(&b->open, e);
		free(e);
	}
	flow_table_fini(&b->open);
	free(b);
}
