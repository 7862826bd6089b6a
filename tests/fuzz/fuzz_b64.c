/* Fuzz target: base64 bodies in userspace (b64_body.c, b64_decode.c and
 * the host scanner over decoded bytes), fed ES_EV_B64 items, GAPs and
 * FLOW_ENDs of four flow directions as the input says. Input: ops of
 * [op][len lo][len hi][len bytes of text]: op & 3 the flow, op >> 2 & 7 the
 * event (0 start, 1-3 text, 4 end of text, 5 end at the cap, 6 GAP, 7
 * FLOW_END), op >> 5 a hole before the item (0: contiguous). Invariants:
 * every event out is base64-flagged: a segment of at most ES_SEG_MAX
 * bytes, its length as said, or a body's end with a count and no data; every body begun ends exactly once (counted by why);
 * decoded bytes at most 3/4 of the text plus a quantum per body; the
 * segments counted are the events out. Seeds: tests/fuzz/corpus/fuzz_b64
 * (samples in base64 as bodies of 300-character items, PROVENANCE.tsv). */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "b64_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t out_events;

static void on_segment(void *ctx, const struct es_event *ev, size_t len)
{
	(void)ctx;
	if (!(ev->flags & ES_SEGF_BASE64) || ev->data_len > ES_SEG_MAX ||
	    len != ES_EVENT_HDR_LEN + ev->data_len)
		abort();
	if (ev->type == ES_EV_B64 && (ev->data_len || !ev->seg_len))
		abort();   /* a body's end: only a count of segments not forwarded */
	if (ev->type == ES_EV_SEGMENT)
		out_events++;
	else if (ev->type != ES_EV_B64)
		abort();
}

static const char ALL[][4] = { "*" };
static const size_t N_ALL = 1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct es_event ev;
	struct b64_bodies *b = b64_bodies_new(2, ALL, &N_ALL, on_segment, NULL);
	uint64_t next[4] = { 0 };
	const struct b64_body_stats *st;
	uint64_t ended;

	if (!b)
		abort();
	out_events = 0;
	while (size >= 3) {
		uint8_t op = data[0];
		size_t len = (size_t)data[1] | (size_t)data[2] << 8;
		int f = op & 3, kind = op >> 2 & 7;

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		if (len > ES_SEG_MAX)
			len = ES_SEG_MAX;
		memset(&ev, 0, ES_EVENT_HDR_LEN);
		ev.flow.sport = (uint16_t)(1000 + f);
		ev.flow.family = 4;
		next[f] += op >> 5;
		ev.stream_off = next[f];
		if (kind <= 5) {
			ev.type = ES_EV_B64;
			ev.aux = kind == 0 ? ES_B64_START : kind == 4 ? ES_B64_END_TEXT :
				 kind == 5 ? ES_B64_END_CAP : ES_B64_MORE;
			if (kind < 4) {
				ev.data_len = (uint16_t)len;
				memcpy(ev.data, data, len);
				data += len;
				size -= len;
				next[f] += len;
			}
		} else {
			ev.type = kind == 6 ? ES_EV_GAP : ES_EV_FLOW_END;
		}
		b64_bodies_event(b, &ev);
	}
	b64_bodies_flush(b);
	st = b64_bodies_stats(b);
	ended = st->ended_text + st->ended_cap + st->ended_gap + st->ended_flow + st->ended_lost +
		st->ended_evicted + st->ended_flush;
	if (ended != st->bodies || st->segments != out_events ||
	    st->decoded_bytes > st->text_bytes / 4 * 3 + 3 * st->bodies)
		abort();
	b64_bodies_free(b);
	return 0;
}
