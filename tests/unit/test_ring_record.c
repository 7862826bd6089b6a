/* The ring record reader (userspace/ring_record.c): records written in the
 * kernel's layout by tests/lib/ring_writer.h come back as the same events;
 * records that are cut, overlong, or claim more than they hold are refused
 * without a read past the output (the ASan build checks that, the buffers
 * here are exact-size heap copies). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ring_record.h"
#include "../lib/ring_writer.h"

#define MAX_EV 64

static const struct es_seps EDIFACT_SEPS = { .component = ':', .element = '+', .decimal = '.',
					     .release = '?', .repetition = ' ',
					     .terminator = '\'' };
static const struct es_seps UNA_SEPS = { .component = '>', .element = '*', .decimal = ',',
					 .release = '!', .repetition = ' ', .terminator = '~' };

static uint64_t out_words[MAX_EV * (sizeof(struct es_event) + sizeof(struct es_rec_hdr)) / 8];
static struct es_event got[MAX_EV];

static void base_event(struct es_event *e, uint8_t type)
{
	memset(e, 0, sizeof(*e));
	e->ts_ns = 1700000000123456789ull;
	e->flow.family = 4;
	memcpy(e->flow.saddr, "\xc0\x00\x02\x01", 4);
	memcpy(e->flow.daddr, "\xc6\x33\x64\x07", 4);
	e->flow.sport = 40001;
	e->flow.dport = 3305;
	e->ifindex = 7;
	e->dir = ES_DIR_TO_SERVER;
	e->hook = ES_HOOK_XDP;
	e->type = type;
}

static void seg_event(struct es_event *e, const char *text, uint64_t off,
		      const struct es_seps *seps)
{
	base_event(e, ES_EV_SEGMENT);
	e->stream_off = off;
	e->data_len = (uint16_t)strlen(text);
	e->seg_len = e->data_len;
	e->syntax = ES_SYNTAX_EDIFACT;
	e->seps = *seps;
	memcpy(e->data, text, e->data_len);
}

/* Writes n events; the output's length. */
static size_t write_all(const struct es_event *ev, size_t n)
{
	struct ring_writer w;

	ring_writer_init(&w, out_words, sizeof(out_words));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ring_writer_add(&w, &ev[i]), 0);
	return ring_writer_finish(&w);
}

/* Reads len bytes from an exact-size copy at an odd address (the reader
 * must not assume alignment); events into got[]. Returns the final
 * ring_reader_next() result, *n the events read. */
static int read_all(const void *data, size_t len, size_t *n)
{
	unsigned char *copy = malloc(len + 1);
	struct ring_reader r;
	int k;

	assert_non_null(copy);
	memcpy(copy + 1, data, len);
	*n = 0;
	ring_reader_init(&r, copy + 1, len);
	while ((k = ring_reader_next(&r, &got[*n])) > 0) {
		assert_int_equal(k, ES_EVENT_HDR_LEN + got[*n].data_len);
		assert_true(*n + 1 < MAX_EV);
		(*n)++;
	}
	/* the error is sticky: nothing more comes out */
	assert_int_equal(ring_reader_next(&r, &got[*n]), k);
	free(copy);
	return k;
}

static void assert_same_event(const struct es_event *a, const struct es_event *b)
{
	assert_memory_equal(a, b, ES_EVENT_HDR_LEN);
	assert_memory_equal(a->data, b->data, a->data_len);
}

static const struct es_rec_hdr *rec_at(size_t off)
{
	return (const struct es_rec_hdr *)((const uint8_t *)out_words + off);
}

static void test_empty_output(void **state)
{
	size_t n;

	(void)state;
	assert_int_equal(read_all("", 0, &n), 0);
	assert_int_equal(n, 0);
}

/* A gap, then segments: one record, the gap without separators. */
static void test_gap_then_segments_one_record(void **state)
{
	struct es_event ev[3];
	size_t len, n;

	(void)state;
	base_event(&ev[0], ES_EV_GAP);
	ev[0].stream_off = 100;
	ev[0].aux = 1448;
	seg_event(&ev[1], "UNH+1+CUSCAR:D:95B:UN'", 1548, &EDIFACT_SEPS);
	seg_event(&ev[2], "BGM+85+X'", 1570, &EDIFACT_SEPS);
	ev[2].aux = 3;   /* skipped before it */
	len = write_all(ev, 3);
	assert_int_equal(len, sizeof(struct es_rec_hdr) + ES_REC_ITEM_SPAN(0) +
			      ES_REC_ITEM_SPAN(22) + ES_REC_ITEM_SPAN(9));
	assert_int_equal(rec_at(0)->n_items, 3);
	assert_int_equal(rec_at(0)->len, len);
	assert_int_equal(read_all(out_words, len, &n), 0);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < 3; i++)
		assert_same_event(&got[i], &ev[i]);
	assert_int_equal(got[0].syntax, 0);
	assert_int_equal(got[0].seps.terminator, 0);
	assert_int_equal(got[2].seps.terminator, '\'');
}

/* Separators change between two interchanges of one packet: two records,
 * each segment with its own separators. */
static void test_seps_change_two_records(void **state)
{
	struct es_event ev[4];
	size_t len, n, first;

	(void)state;
	seg_event(&ev[0], "UNT+2+1'", 0, &EDIFACT_SEPS);
	seg_event(&ev[1], "UNZ+1+1'", 8, &EDIFACT_SEPS);
	seg_event(&ev[2], "UNA>*,! ~", 16, &UNA_SEPS);
	seg_event(&ev[3], "UNB*UNOC>3*S*R*240101>1200*2~", 25, &UNA_SEPS);
	len = write_all(ev, 4);
	first = rec_at(0)->len;
	assert_int_equal(rec_at(0)->n_items, 2);
	assert_int_equal(rec_at(0)->seps.terminator, '\'');
	assert_int_equal(rec_at(first)->n_items, 2);
	assert_int_equal(rec_at(first)->seps.terminator, '~');
	assert_int_equal(first + rec_at(first)->len, len);
	assert_int_equal(read_all(out_words, len, &n), 0);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_same_event(&got[i], &ev[i]);
	assert_int_equal(got[1].seps.element, '+');
	assert_int_equal(got[2].seps.element, '*');
}

/* Mid-stream flag and per-item flags survive the split between the
 * record header and the item. */
static void test_flags_split(void **state)
{
	struct es_event ev[2];
	size_t len, n;

	(void)state;
	seg_event(&ev[0], "UNH+1+X'", 0, &EDIFACT_SEPS);
	ev[0].flags = ES_SEGF_MIDSTREAM | ES_SEGF_AFTER_GAP;
	seg_event(&ev[1], "FTX+AAA+++LONG'", 8, &EDIFACT_SEPS);
	ev[1].flags = ES_SEGF_MIDSTREAM | ES_SEGF_TRUNCATED;
	ev[1].seg_len = 4000;
	len = write_all(ev, 2);
	assert_int_equal(rec_at(0)->flags, ES_SEGF_MIDSTREAM);
	assert_int_equal(read_all(out_words, len, &n), 0);
	assert_int_equal(n, 2);
	assert_same_event(&got[0], &ev[0]);
	assert_same_event(&got[1], &ev[1]);
}

/* Offsets count from the record's first item; one more than 4 GiB past it
 * starts a record of its own. */
static void test_offsets_past_4g(void **state)
{
	struct es_event ev[4];
	size_t len, n, first;

	(void)state;
	seg_event(&ev[0], "UNH+1+X'", 0x123456789ull, &EDIFACT_SEPS);
	seg_event(&ev[1], "FTX+AAA'", 0x123456789ull + 0xFFFFFFFFull, &EDIFACT_SEPS);
	seg_event(&ev[2], "UNT+3+1'", 0x123456789ull + 0x100000000ull, &EDIFACT_SEPS);
	base_event(&ev[3], ES_EV_FLOW_END);
	ev[3].stream_off = 0x123456789ull + 0x100000008ull;
	len = write_all(ev, 4);
	first = rec_at(0)->len;
	assert_int_equal(rec_at(0)->n_items, 2);
	assert_int_equal(rec_at(0)->base_off, 0x123456789ull);
	assert_int_equal(rec_at(first)->n_items, 2);
	assert_int_equal(read_all(out_words, len, &n), 0);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_same_event(&got[i], &ev[i]);
}

/* Events of pseudo-random flows, types and lengths come back unchanged. */
static void test_round_trip_random(void **state)
{
	static struct es_event ev[40];
	uint32_t x = 12345;

	(void)state;
	for (int round = 0; round < 200; round++) {
		size_t k = 1 + round % 40, len, n;

		for (size_t i = 0; i < k; i++) {
			x = x * 1103515245u + 12345u;
			if ((x >> 8) % 5 == 0) {
				base_event(&ev[i], (x >> 12) & 1 ? ES_EV_GAP : ES_EV_FLOW_END);
				ev[i].aux = x >> 16;
			} else {
				base_event(&ev[i], ES_EV_SEGMENT);
				ev[i].syntax = (x >> 12) & 1 ? ES_SYNTAX_X12 : ES_SYNTAX_EDIFACT;
				ev[i].seps = (x >> 13) & 1 ? UNA_SEPS : EDIFACT_SEPS;
				ev[i].data_len = (uint16_t)((x >> 14) % (ES_SEG_MAX + 1));
				ev[i].seg_len = ev[i].data_len + ((x >> 24) & 1) * 1000;
				for (size_t j = 0; j < ev[i].data_len; j++)
					ev[i].data[j] = (uint8_t)(x >> (j % 24));
			}
			ev[i].flow.sport = (uint16_t)(40000 + ((x >> 20) & 1));
			ev[i].stream_off = i * 100u + ((x >> 23) & 1 ? (uint64_t)x << 8 : 0);
			ev[i].flags = (uint16_t)((x >> 22) & 1 ? ES_SEGF_MIDSTREAM : 0);
		}
		len = write_all(ev, k);
		assert_int_equal(len % 8, 0);
		assert_int_equal(read_all(out_words, len, &n), 0);
		assert_int_equal(n, k);
		for (size_t i = 0; i < k; i++)
			assert_same_event(&got[i], &ev[i]);
	}
}

/* Every cut of a two-record output: the first record's events when it is
 * whole, never an event of the cut record, and an error unless the cut
 * falls between the records. */
static void test_truncated(void **state)
{
	struct es_event ev[3];
	size_t len, first, n;

	(void)state;
	seg_event(&ev[0], "UNB+UNOC:3+S+R+240101:1200+1'", 0, &EDIFACT_SEPS);
	seg_event(&ev[1], "UNA>*,! ~", 30, &UNA_SEPS);
	seg_event(&ev[2], "UNB*UNOC>3*S*R*240101>1200*2~", 39, &UNA_SEPS);
	len = write_all(ev, 3);
	first = rec_at(0)->len;
	for (size_t cut = 1; cut < len; cut++) {
		/* cut after the first record: a whole output of one record */
		assert_int_equal(read_all(out_words, cut, &n), cut == first ? 0 : -EINVAL);
		assert_int_equal(n, cut >= first ? 1 : 0);
	}
}

/* The item counts of the records before a cut one (headers only: a record
 * whose items are wrong still counts what its header says). */
static void test_output_events(void **state)
{
	struct es_event ev[5];
	size_t len, first;

	(void)state;
	base_event(&ev[0], ES_EV_GAP);
	seg_event(&ev[1], "UNB+UNOC:3+S+R+240101:1200+1'", 0, &EDIFACT_SEPS);
	seg_event(&ev[2], "UNH+1+X'", 30, &EDIFACT_SEPS);
	seg_event(&ev[3], "UNA>*,! ~", 38, &UNA_SEPS);
	base_event(&ev[4], ES_EV_FLOW_END);
	ev[4].stream_off = 47;
	len = write_all(ev, 5);
	first = rec_at(0)->len;
	assert_int_equal(ring_output_events(out_words, len), 5);
	assert_int_equal(ring_output_events(out_words, len - 8), 3);
	assert_int_equal(ring_output_events(out_words, first), 3);
	assert_int_equal(ring_output_events(out_words, first - 1), 0);
	assert_int_equal(ring_output_events(out_words, 0), 0);
	((uint8_t *)out_words)[sizeof(struct es_rec_hdr) +
			       offsetof(struct es_rec_item, data_len) + 1] = 0xFF;   /* item 0's */
	assert_int_equal(ring_output_events(out_words, len), 5);
	((uint8_t *)out_words)[0] = ES_REC_VERSION + 1;
	assert_int_equal(ring_output_events(out_words, len), 0);
}

/* Builds one record by hand: header fields as given, items as raw bytes. */
static size_t hand_record(uint8_t *out, uint16_t n_items, uint32_t len_field,
			  const struct es_rec_item *items, size_t n_raw_items)
{
	struct es_rec_hdr h = { .version = ES_REC_VERSION, .n_items = n_items, .len = len_field };
	size_t at = sizeof(h);

	for (size_t i = 0; i < n_raw_items; i++) {
		memcpy(out + at, &items[i], sizeof(items[i]));
		memset(out + at + sizeof(items[i]), 'A',
		       ES_REC_ITEM_SPAN(items[i].data_len > ES_SEG_MAX ? ES_SEG_MAX :
					items[i].data_len) - sizeof(items[i]));
		at += ES_REC_ITEM_SPAN(items[i].data_len > ES_SEG_MAX ? ES_SEG_MAX :
				       items[i].data_len);
	}
	memcpy(out, &h, sizeof(h));
	return at;
}

static void test_malformed(void **state)
{
	static uint8_t buf[4096];
	struct es_rec_item it = { .type = ES_EV_SEGMENT, .data_len = 10 };
	struct es_rec_item two[2] = { { .type = ES_EV_SEGMENT, .data_len = 10 },
				      { .type = ES_EV_GAP } };
	const size_t hl = sizeof(struct es_rec_hdr);
	size_t len, n;

	(void)state;
	/* well formed, to show the hand-made record is right */
	len = hand_record(buf, 1, hl + ES_REC_ITEM_SPAN(10), &it, 1);
	assert_int_equal(read_all(buf, len, &n), 0);
	assert_int_equal(n, 1);
	/* zero items */
	len = hand_record(buf, 0, hl, NULL, 0);
	assert_int_equal(read_all(buf, len, &n), -EINVAL);
	len = hand_record(buf, 0, hl + ES_REC_ITEM_SPAN(10), &it, 1);
	assert_int_equal(read_all(buf, len, &n), -EINVAL);
	/* an item past the record's end: len covers the header only */
	len = hand_record(buf, 1, hl, &it, 1);
	assert_int_equal(read_all(buf, len, &n), -EINVAL);
	/* the item's data past the record's end (len covers the item header) */
	len = hand_record(buf, 1, hl + sizeof(it), &it, 1);
	assert_int_equal(read_all(buf, len, &n), -EINVAL);
	/* the record's length past the output's end */
	len = hand_record(buf, 1, hl + ES_REC_ITEM_SPAN(10) + 8, &it, 1);
	assert_int_equal(read_all(buf, len, &n), -EINVAL);
	/* more items claimed than the record holds */
	len = hand_record(buf, 2, hl + ES_REC_ITEM_SPAN(10), &it, 1);
	assert_int_equal(read_all(buf, len, &n), -EINVAL);
	/* fewer items claimed than the record holds: trailing bytes */
	len = hand_record(buf, 1, hl + ES_REC_ITEM_SPAN(10) + ES_REC_ITEM_SPAN(0), two, 2);
	assert_int_equal(read_all(buf, len, &n), -EINVAL);
	/* data_len beyond ES_SEG_MAX, the record long enough for it */
	it.data_len = ES_SEG_MAX + 1;
	hand_record(buf, 1, hl + ES_REC_ITEM_SPAN(ES_SEG_MAX + 1), &it, 1);
	len = hl + ES_REC_ITEM_SPAN(ES_SEG_MAX + 1);   /* the last bytes: whatever buf holds */
	assert_int_equal(read_all(buf, len, &n), -EINVAL);
	it.data_len = 0xFFFF;
	len = hand_record(buf, 1, hl + ES_REC_ITEM_SPAN(ES_SEG_MAX), &it, 1);
	assert_int_equal(read_all(buf, len, &n), -EINVAL);
	/* a length that is not a multiple of 8 */
	it.data_len = 10;
	len = hand_record(buf, 1, hl + sizeof(it) + 10, &it, 1);
	assert_int_equal(read_all(buf, len, &n), -EINVAL);
	/* another ABI version */
	len = hand_record(buf, 1, hl + ES_REC_ITEM_SPAN(10), &it, 1);
	buf[0] = ES_REC_VERSION + 1;
	assert_int_equal(read_all(buf, len, &n), -EPROTO);
	/* shorter than a header */
	assert_int_equal(read_all(buf, hl - 1, &n), -EINVAL);
}

/* A stream of short segments, as a chunk record's tests cut it. */
static const char CHUNK_STREAM[] =
	"UNH+1+CUSCAR:D:95B:UN'BGM+85+REF1+9'DTM+137:20240101:102'NAD+CA+ACME'"
	"EQD+CN+MSKU1234565+22G1'MEA+AAE+G+KGM:12000'FTX+AAA+++GOODS?'QUOTED'"
	"UNT+8+1'";

/* The segments of CHUNK_STREAM (terminator '\'', release '?') as events. */
static size_t chunk_stream_events(struct es_event *ev, size_t max)
{
	size_t n = 0, begin = 0;

	for (size_t i = 0; CHUNK_STREAM[i] && n < max; i++) {
		if (CHUNK_STREAM[i] == '?') {
			i++;
			continue;
		}
		if (CHUNK_STREAM[i] != '\'')
			continue;
		seg_event(&ev[n], "", begin, &EDIFACT_SEPS);
		ev[n].data_len = (uint16_t)(i + 1 - begin);
		ev[n].seg_len = ev[n].data_len;
		memcpy(ev[n].data, CHUNK_STREAM + begin, ev[n].data_len);
		n++;
		begin = i + 1;
	}
	return n;
}

/*
 * Records with a chunk (the kernel's record of a scanned chunk): for every
 * chunk of the stream, the segments inside it refer to it, the one begun
 * before it and the one running past it carry their bytes, a FLOW_END
 * after them carries none; every event comes back as written, the record
 * is the header, the chunk, 8 bytes per referring item (16 for one with
 * skipped segments before it) and the others' spans; every cut of the
 * output is refused or a whole record's events.
 */
static void test_chunk_records(void **state)
{
	static struct es_event ev[MAX_EV];
	const size_t sn = sizeof(CHUNK_STREAM) - 1;

	(void)state;
	for (size_t from = 0; from < sn; from += 7) {
		for (size_t to = from + 1; to <= sn; to += 11) {
			size_t k = chunk_stream_events(ev, MAX_EV - 1), len, n, want;
			struct ring_writer w;

			for (size_t i = 0; i < k; i++)
				ev[i].aux = i % 3 == 1 ? 2 : 0;
			base_event(&ev[k], ES_EV_FLOW_END);
			ev[k].stream_off = sn;
			k++;
			ring_writer_init(&w, out_words, sizeof(out_words));
			ring_writer_chunk(&w, CHUNK_STREAM + from, (uint32_t)(to - from), from);
			want = sizeof(struct es_rec_hdr) + ((to - from + 7) & ~(size_t)7);
			for (size_t i = 0; i < k; i++) {
				bool in = ev[i].type == ES_EV_SEGMENT && ev[i].stream_off >= from &&
					  ev[i].stream_off + ev[i].data_len <= to;

				assert_int_equal(ring_writer_add(&w, &ev[i]), 0);
				want += !in ? ES_REC_ITEM_SPAN(ev[i].data_len) :
					ev[i].aux ? sizeof(struct es_rec_item) : ES_REC_ITEM_SHORT;
			}
			len = ring_writer_finish(&w);
			assert_int_equal(len, want);
			assert_int_equal(rec_at(0)->chunk_len, to - from);
			assert_int_equal(rec_at(0)->base_off + rec_at(0)->chunk_off, from);
			assert_int_equal(read_all(out_words, len, &n), 0);
			assert_int_equal(n, k);
			for (size_t i = 0; i < k; i++)
				assert_same_event(&got[i], &ev[i]);
			for (size_t cut = 0; cut < len; cut++) {
				assert_int_equal(read_all(out_words, cut, &n), cut ? -EINVAL : 0);
				assert_int_equal(n, 0);
			}
		}
	}
}

/* Builds a record with a chunk of chunk_len bytes ('C') by hand, its
 * chunk_off and items as given; the output's length. */
static size_t hand_chunk_record(uint8_t *out, uint32_t chunk_len, uint32_t chunk_off,
				const struct es_rec_item *items, size_t n_items)
{
	struct es_rec_hdr h = { .version = ES_REC_VERSION, .n_items = (uint16_t)n_items,
				.chunk_len = chunk_len, .chunk_off = chunk_off };
	size_t at = sizeof(h) + (((size_t)chunk_len + 7) & ~(size_t)7);

	memset(out + sizeof(h), 'C', at - sizeof(h));
	for (size_t i = 0; i < n_items; i++) {
		size_t span = (items[i].flags & ES_ITEMF_SHORT) ? ES_REC_ITEM_SHORT :
			      (items[i].flags & ES_ITEMF_CHUNK) ? sizeof(items[i]) :
			      ES_REC_ITEM_SPAN(items[i].data_len);

		memset(out + at, 'A', span);
		memcpy(out + at, &items[i], span < sizeof(items[i]) ? span : sizeof(items[i]));
		at += span;
	}
	h.len = (uint32_t)at;
	memcpy(out, &h, sizeof(h));
	return at;
}

/* Chunk records that claim more than they hold, or items whose data are
 * not inside the chunk, are refused; the chunk flag is no event flag. */
static void test_chunk_malformed(void **state)
{
	static uint8_t buf[4096];
	struct es_rec_item it = { .type = ES_EV_SEGMENT, .off = 30, .data_len = 10,
				  .flags = ES_ITEMF_CHUNK | ES_SEGF_TRUNCATED };
	size_t len, n;

	(void)state;
	/* well formed: chunk bytes 10..50 of the record's offsets */
	len = hand_chunk_record(buf, 40, 10, &it, 1);
	assert_int_equal(len, sizeof(struct es_rec_hdr) + 40 + sizeof(it));
	assert_int_equal(read_all(buf, len, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(got[0].data_len, 10);
	assert_memory_equal(got[0].data, "CCCCCCCCCC", 10);
	assert_int_equal(got[0].flags, ES_SEGF_TRUNCATED);
	/* data to the chunk's last byte, not one past it */
	it.off = 40;
	assert_int_equal(read_all(buf, hand_chunk_record(buf, 40, 10, &it, 1), &n), 0);
	it.off = 41;
	assert_int_equal(read_all(buf, hand_chunk_record(buf, 40, 10, &it, 1), &n), -EINVAL);
	/* an item before the chunk */
	it.off = 9;
	assert_int_equal(read_all(buf, hand_chunk_record(buf, 40, 10, &it, 1), &n), -EINVAL);
	/* offsets that wrap: off - chunk_off + data_len past 4 GiB */
	it.off = 0xFFFFFFFFu;
	assert_int_equal(read_all(buf, hand_chunk_record(buf, 40, 0, &it, 1), &n), -EINVAL);
	/* no chunk at all */
	it.off = 0;
	assert_int_equal(read_all(buf, hand_chunk_record(buf, 0, 0, &it, 1), &n), -EINVAL);
	/* data_len beyond ES_SEG_MAX in a chunk that would hold it */
	it.data_len = ES_SEG_MAX + 1;
	assert_int_equal(read_all(buf, hand_chunk_record(buf, 2048, 0, &it, 1), &n), -EINVAL);
	/* a chunk longer than the record, and one of 4 GiB (padding wraps a
	 * 32-bit sum) */
	it.data_len = 10;
	len = hand_chunk_record(buf, 40, 0, &it, 1);
	((struct es_rec_hdr *)buf)->chunk_len = 48;
	assert_int_equal(read_all(buf, len, &n), -EINVAL);
	((struct es_rec_hdr *)buf)->chunk_len = 0xFFFFFFFFu;
	assert_int_equal(read_all(buf, len, &n), -EINVAL);
	/* a record of its header and chunk, no room for its item */
	len = hand_chunk_record(buf, 40, 0, &it, 1);
	((struct es_rec_hdr *)buf)->len = (uint32_t)(sizeof(struct es_rec_hdr) + 40);
	assert_int_equal(read_all(buf, len - sizeof(it), &n), -EINVAL);
	/* an item without the flag takes its data after it */
	it.flags = 0;
	len = hand_chunk_record(buf, 40, 0, &it, 1);
	assert_int_equal(read_all(buf, len, &n), 0);
	assert_memory_equal(got[0].data, "AAAAAAAAAA", 10);
	assert_int_equal(ring_output_events(buf, len), 1);
	/* a short item: 8 bytes, seg_len its data_len, aux 0, the record's
	 * last bytes (the reader reads no more of it) */
	it.flags = ES_ITEMF_CHUNK | ES_ITEMF_SHORT;
	it.seg_len = 99;
	it.aux = 5;
	len = hand_chunk_record(buf, 40, 0, &it, 1);
	assert_int_equal(len, sizeof(struct es_rec_hdr) + 40 + ES_REC_ITEM_SHORT);
	assert_int_equal(read_all(buf, len, &n), 0);
	assert_int_equal(got[0].seg_len, 10);
	assert_int_equal(got[0].aux, 0);
	assert_int_equal(got[0].flags, 0);
	assert_memory_equal(got[0].data, "CCCCCCCCCC", 10);
	/* its data outside the chunk; short without the chunk flag */
	it.off = 31;
	assert_int_equal(read_all(buf, hand_chunk_record(buf, 40, 0, &it, 1), &n), -EINVAL);
	it.off = 0;
	it.flags = ES_ITEMF_SHORT;
	assert_int_equal(read_all(buf, hand_chunk_record(buf, 40, 0, &it, 1), &n), -EINVAL);
	/* a whole item's length claimed, 8 bytes there */
	it.flags = ES_ITEMF_CHUNK;
	len = hand_chunk_record(buf, 40, 0, &it, 1);
	((struct es_rec_hdr *)buf)->len -= 8;
	assert_int_equal(read_all(buf, len - 8, &n), -EINVAL);
}

/* Arbitrary bytes: the reader stops, and only reads what it was given. */
static void test_garbage(void **state)
{
	static uint8_t buf[2048];
	uint32_t x = 99;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)round % sizeof(buf), n;

		for (size_t i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (uint8_t)(x >> 16);
		}
		if (len >= sizeof(struct es_rec_hdr)) {
			/* plausible header, random items: reach the item checks */
			struct es_rec_hdr *h = (struct es_rec_hdr *)buf;

			h->version = ES_REC_VERSION;
			h->n_items = (uint16_t)(1 + h->n_items % 4);
			h->len = (uint32_t)(len & ~(size_t)7);
			if (round & 1) {
				/* a chunk that fits: reach the chunk items' checks */
				h->chunk_len %= (uint32_t)(len - sizeof(*h) + 1);
				h->chunk_off %= 64;
			}
		}
		assert_true(read_all(buf, len, &n) <= 0);
	}
}

int main(void)
{
#define T(f) cmocka_unit_test(f)
	const struct CMUnitTest tests[] = {
		T(test_empty_output),
		T(test_gap_then_segments_one_record),
		T(test_seps_change_two_records),
		T(test_flags_split),
		T(test_offsets_past_4g),
		T(test_round_trip_random),
		T(test_truncated),
		T(test_output_events),
		T(test_malformed),
		T(test_chunk_records),
		T(test_chunk_malformed),
		T(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
