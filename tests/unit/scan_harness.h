/*
 * Host harness around bpf/edi_scan.h for the scanner tests (and fuzzing):
 * feeds a byte stream to the very same scanner code the XDP program runs,
 * in packets cut where the caller says, and records the forwarded segments.
 */
#ifndef SCAN_HARNESS_H
#define SCAN_HARNESS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#include "edi_scan.h"   /* declares the hooks defined below */

struct hseg {
	uint64_t off;
	uint32_t seg_len;
	uint16_t data_len;
	uint16_t flags;
	uint16_t skipped;           /* segments not forwarded just before it */
	uint8_t syntax;
	struct es_seps seps;
	uint8_t data[ES_SEG_MAX];
};

struct harness {
	struct es_scan_state st;
	int want_all;               /* forward every segment */
	const char *const *tags;    /* else these (NULL terminated) */
	struct hseg *segs;
	size_t n, cap;
	uint64_t off;               /* stream offset of the next byte fed */
	uint64_t n_inter, n_skip, n_trunc, n_garbage, n_budget;
	int step_by_step;           /* the general step alone, no fast path */
	/* base64 bodies (ES_MODE_B64): their text back to back */
	uint8_t *b64;
	size_t b64_n, b64_cap;
	uint64_t b64_first_off;     /* stream offset of the first body's first item */
	uint64_t b64_next_off;      /* where the next item of the body must start */
	unsigned b64_items, b64_bodies, b64_end_text, b64_end_cap, b64_discontig;
	const uint8_t *cur_buf;     /* the chunk being scanned (es_scan_emit_b64) */
};

static int es_scan_want(void *env, __u32 tag)
{
	struct harness *h = env;
	const char *const *t;

	if (h->want_all || es_is_service_tag(tag))
		return 1;
	for (t = h->tags; t && *t; t++) {
		__u32 k = 0;

		memcpy(&k, *t, strnlen(*t, 4));
		if (k == tag)
			return 1;
	}
	return 0;
}

static void es_scan_emit(void *env, const struct es_scan_state *st, const __u8 *buf,
			 const struct es_seg_desc *d)
{
	struct harness *h = env;
	struct hseg *s;

	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 256;
		h->segs = realloc(h->segs, h->cap * sizeof(*h->segs));
		if (!h->segs)
			abort();
	}
	s = &h->segs[h->n++];
	memset(s, 0, sizeof(*s));
	s->off = d->stream_off;
	s->seg_len = d->seg_len;
	s->flags = d->flags;
	s->skipped = d->skipped;
	s->syntax = st->syntax;
	s->seps = st->seps;
	if (d->carry_n + d->buf_n > ES_SEG_MAX)
		abort();
	memcpy(s->data, st->carry, d->carry_n);
	memcpy(s->data + d->carry_n, buf + d->buf_begin, d->buf_n);
	s->data_len = d->carry_n + d->buf_n;
}

static void es_scan_emit_b64(void *env, const struct es_scan_state *st, __u64 off, __u32 span)
{
	struct harness *h = env;
	size_t cn = ES_B64_SPAN_CN(span), bn = ES_B64_SPAN_N(span), n = cn + bn;
	__u32 aux = ES_B64_SPAN_AUX(span);

	if (n > ES_SEG_MAX)
		abort();
	h->b64_items++;
	if (aux == ES_B64_END_TEXT || aux == ES_B64_END_CAP) {
		if (n)
			abort();   /* end items carry no text */
		h->b64_end_text += aux == ES_B64_END_TEXT;
		h->b64_end_cap += aux == ES_B64_END_CAP;
		return;
	}
	if (aux == ES_B64_START) {
		if (!h->b64_bodies++)
			h->b64_first_off = off;
	} else if (off != h->b64_next_off) {
		h->b64_discontig++;
	}
	h->b64_next_off = off + n;
	if (h->b64_n + n > h->b64_cap) {
		h->b64_cap = (h->b64_n + n) * 2;
		h->b64 = realloc(h->b64, h->b64_cap);
		if (!h->b64)
			abort();
	}
	memcpy(h->b64 + h->b64_n, st->carry, cn);
	memcpy(h->b64 + h->b64_n + cn, h->cur_buf + ES_B64_SPAN_BEGIN(span), bn);
	h->b64_n += n;
}

/*
 * es_scan_chunk() without its fast path (es_scan_run()): one general step
 * at a time, as the scanner was before it. The reference the fast path
 * must equal in segments, counters and state.
 */
static int harness_chunk_by_step(struct es_scan_ctx *c)
{
	c->pos = 0;
	c->seg_begin = 0;
	if (c->len == 0)
		return 0;
	for (__u32 used = 0; used < ES_SCAN_STEPS;) {
		int r = es_scan_step(c);

		if (r == 1)
			return 0;
		if (r != ES_STEP_FREE)
			used++;   /* a step past a release character is free */
	}
	if (c->pos < c->len) {
		es_scan_budget_out(c->st);
		return -1;
	}
	return 0;
}

static void harness_init(struct harness *h)
{
	memset(h, 0, sizeof(*h));
	h->want_all = 1;
}

static void harness_free(struct harness *h)
{
	free(h->segs);
	free(h->b64);
	h->b64 = NULL;
	h->b64_n = h->b64_cap = 0;
	h->segs = NULL;
	h->n = h->cap = 0;
}

/*
 * One packet: cut into ES_SCAN_CHUNK chunks, each copied into a padded
 * buffer whose padding holds separators and header letters, so a scanner
 * that trusted bytes past the end would be caught.
 */
static void harness_packet(struct harness *h, const uint8_t *p, size_t n)
{
	static const char pad[] = "'~UNB+ISA*'~\n?'S";
	uint8_t buf[ES_SCAN_BUF];

	while (n) {
		size_t k = n < ES_SCAN_CHUNK ? n : ES_SCAN_CHUNK;
		struct es_scan_ctx c;

		memset(buf, 0, sizeof(buf));
		memcpy(buf, p, k);
		memcpy(buf + k, pad, ES_SCAN_PAD);
		memset(&c, 0, sizeof(c));
		c.st = &h->st;
		c.buf = buf;
		c.env = h;
		c.len = (__u32)k;
		c.base_off = h->off;
		h->cur_buf = buf;
		if ((h->step_by_step ? harness_chunk_by_step(&c) : es_scan_chunk(&c)) < 0)
			h->n_budget++;
		h->n_inter += c.n_inter;
		h->n_skip += c.n_skip;
		h->n_trunc += c.n_trunc;
		h->n_garbage += c.n_garbage;
		h->off += k;
		p += k;
		n -= k;
	}
}

/* Same segments (every field), counters and scanner state. */
static __attribute__((unused)) int harness_same(const struct harness *a, const struct harness *b)
{
	if (a->n != b->n || a->n_inter != b->n_inter || a->n_skip != b->n_skip ||
	    a->n_trunc != b->n_trunc || a->n_garbage != b->n_garbage ||
	    a->n_budget != b->n_budget || a->off != b->off ||
	    memcmp(&a->st, &b->st, sizeof(a->st)))
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct hseg *x = &a->segs[i], *y = &b->segs[i];

		if (x->off != y->off || x->seg_len != y->seg_len || x->data_len != y->data_len ||
		    x->flags != y->flags || x->skipped != y->skipped || x->syntax != y->syntax ||
		    memcmp(&x->seps, &y->seps, sizeof(x->seps)) ||
		    memcmp(x->data, y->data, x->data_len))
			return 0;
	}
	return 1;
}

#endif /* SCAN_HARNESS_H */
