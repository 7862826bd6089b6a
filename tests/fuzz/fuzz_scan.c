/* Fuzz target: the EDI stream scanner (bpf/edi_scan.h), host build of the
 * code the XDP program runs, through the scanner tests' harness. The first
 * input byte chooses the forwarded tags and the packet cuts; the rest is
 * one direction of a TCP stream. It is scanned twice: whole (in
 * ES_SCAN_CHUNK pieces) and cut into random packets of 1 to 3000 bytes.
 * Invariants, per run: each forwarded segment's bytes are the stream's
 * bytes at its offset, at most ES_SEG_MAX of them, truncation flagged
 * exactly when the segment is longer, segments in stream order and inside
 * the stream. Across runs: when neither hit the step budget nor dropped a
 * runaway segment, the cuts change nothing; and the general step alone
 * (no fast path, harness_chunk_by_step()) gives exactly what the scanner
 * gives, cut or whole: segments, counters and state. Base64 bodies
 * (ES_MODE_B64): their text forwarded back to back, base64 and CR/LF
 * bytes only, a lone body's text the stream's, every body but the last
 * ended by an end item, the same with the fast path as without. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../unit/scan_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const some_tags[] = { "NAD", "CST", "EQD", "N1", "N10", "FTX", NULL };

static void check_run(const struct harness *h, const uint8_t *s, size_t n)
{
	uint64_t next = 0;

	for (size_t i = 0; i < h->n; i++) {
		const struct hseg *g = &h->segs[i];
		size_t want = g->seg_len < ES_SEG_MAX ? g->seg_len : ES_SEG_MAX;

		if (g->off < next || g->seg_len == 0 || g->off + g->seg_len > n)
			abort();   /* out of order, overlapping or outside the stream */
		if (g->data_len != want || !!(g->flags & ES_SEGF_TRUNCATED) != (g->seg_len > ES_SEG_MAX))
			abort();
		if (memcmp(g->data, s + g->off, g->data_len))
			abort();   /* forwarded bytes are not the stream's */
		next = g->off + g->seg_len;
	}
}

/* Base64 bodies (ES_MODE_B64): each forwarded back to back, only
 * alphabet, '=' and CR/LF bytes; one body's text is the stream's. */
static void check_b64(const struct harness *h, const uint8_t *s, size_t n)
{
	if (h->b64_discontig || h->b64_end_text + h->b64_end_cap > h->b64_bodies)
		abort();
	/* every body but the last ends with an end item (the step budget
	 * may drop one in progress: es_scan_budget_out()) */
	if (!h->n_budget && h->b64_bodies > h->b64_end_text + h->b64_end_cap + 1)
		abort();
	for (size_t i = 0; i < h->b64_n; i++) {
		uint8_t c = h->b64[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '/' || c == '=' || c == '\r' || c == '\n'))
			abort();
	}
	if (h->b64_bodies == 1 && (h->b64_first_off + h->b64_n > n ||
				   memcmp(h->b64, s + h->b64_first_off, h->b64_n)))
		abort();   /* forwarded text is not the stream's */
}

static int same_b64(const struct harness *a, const struct harness *b)
{
	return a->b64_n == b->b64_n && a->b64_bodies == b->b64_bodies &&
	       a->b64_items == b->b64_items && (!a->b64_n || !memcmp(a->b64, b->b64, a->b64_n));
}

static int same_segments(const struct harness *a, const struct harness *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct hseg *x = &a->segs[i], *y = &b->segs[i];

		if (x->off != y->off || x->seg_len != y->seg_len || x->data_len != y->data_len ||
		    x->syntax != y->syntax || memcmp(x->data, y->data, x->data_len))
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct harness whole, cut, whole_ref, cut_ref;
	uint64_t rng;
	const uint8_t *s;
	size_t n, at = 0;

	if (size < 1)
		return 0;
	s = data + 1;
	n = size - 1;
	rng = 0x9e3779b97f4a7c15ull ^ data[0];

	harness_init(&whole);
	harness_init(&cut);
	if (data[0] & 1) {
		whole.want_all = cut.want_all = 0;
		whole.tags = cut.tags = some_tags;
	}
	whole_ref = whole;
	cut_ref = cut;
	whole_ref.step_by_step = cut_ref.step_by_step = 1;
	harness_packet(&whole, s, n);
	harness_packet(&whole_ref, s, n);
	while (at < n) {
		size_t k;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		k = 1 + (size_t)(rng % ((data[0] & 2) ? 8 : 3000));
		if (k > n - at)
			k = n - at;
		harness_packet(&cut, s + at, k);
		harness_packet(&cut_ref, s + at, k);
		at += k;
	}
	if (!harness_same(&whole, &whole_ref) || !harness_same(&cut, &cut_ref) ||
	    !same_b64(&whole, &whole_ref) || !same_b64(&cut, &cut_ref))
		abort();   /* the fast path differs from the general step */
	check_run(&whole, s, n);
	check_run(&cut, s, n);
	check_b64(&whole, s, n);
	check_b64(&cut, s, n);
	if (!whole.n_budget && !cut.n_budget && !whole.n_garbage && !cut.n_garbage &&
	    !same_segments(&whole, &cut))
		abort();   /* the packet cuts changed what was found */
	harness_free(&whole);
	harness_free(&cut);
	harness_free(&whole_ref);
	harness_free(&cut_ref);
	return 0;
}
