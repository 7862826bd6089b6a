/*
 * BPF_PROG_TEST_RUN fixtures for the flow tracker and the EDI scanner inside
 * the real XDP object: in-order streams, retransmission, overlap, gap,
 * reorder, mid-stream start, FIN, RST, multi-buffer frames and a full ring
 * buffer. Events are read from the ring buffer; the segments must equal
 * those of the host build of the same scanner (tests/unit/scan_harness.h)
 * fed the bytes the flow tracker should have let through. Needs root:
 * skipped loudly without it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "counters.h"
#include "sensor_bpf.h"
#include "../lib/frames.h"
#include "../lib/edi_streams.h"
#include "../lib/sensor_fixture.h"
#include "../unit/scan_harness.h"

#define PORT 3305
#define MAX_EVENTS 4096

static struct sensor_bpf *sb;
static struct ring_buffer *rb;
static struct es_event got[MAX_EVENTS];
static size_t n_got;
static uint8_t frame[FRAME_BUF];

static size_t n_outputs, n_records;   /* ring buffer outputs and the records in them */
static size_t n_chunk_records;        /* those carrying their payload chunk */

static int on_record(void *ctx, void *data, size_t len)
{
	const unsigned char *p = data;
	int err = fixture_split_record(data, len, got, &n_got, MAX_EVENTS);

	(void)ctx;
	n_outputs++;
	while (!err && len) {   /* checked whole by the reader: lengths hold */
		struct es_rec_hdr h;

		memcpy(&h, p, sizeof(h));
		n_records++;
		n_chunk_records += h.chunk_len > 0;
		p += h.len;
		len -= h.len;
	}
	return err;
}

static int load(const struct sensor_bpf_opts *o)
{
	if (fixture_load(&sb, o, PORT))
		return -1;
	rb = ring_buffer__new(sensor_bpf_events_fd(sb), on_record, NULL, NULL);
	return rb ? 0 : -1;
}

static void unload(void)
{
	ring_buffer__free(rb);
	rb = NULL;
	sensor_bpf_destroy(sb);
	sb = NULL;
}

/* Instructions the verifier walked: the complexity budget in use. */
static void report_verifier(void)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(sensor_bpf_prog_fd(sb), &info, &len) == 0)
		fprintf(stderr, "verifier: edisensor_xdp verified_insns %u (limit 1000000), "
			"xlated %u bytes, jited %u bytes\n", info.verified_insns,
			info.xlated_prog_len, info.jited_prog_len);
}

static int setup(void **state)
{
	struct sensor_bpf_opts o = { 0 };

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "SKIPPED: flow fixtures need root (BPF_PROG_TEST_RUN)\n");
		return 0;
	}
	if (load(&o))
		return -1;
	report_verifier();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unload();
	return 0;
}

#define NEED_ROOT() do { if (!sb) { print_message("SKIPPED: needs root\n"); skip(); } } while (0)

static struct es_counters before;

static void mark(void)
{
	n_got = 0;
	n_outputs = 0;
	n_records = 0;
	n_chunk_records = 0;
	assert_int_equal(counters_read(sensor_bpf_counters_fd(sb), &before), 0);
}

static uint64_t delta(int idx)
{
	return fixture_counter_since(sb, &before, idx);
}

/* One TCP packet of the client (sport) to the monitored port. */
static void send_pkt(uint16_t sport, uint32_t seq, uint8_t flags, const void *p, size_t n)
{
	assert_int_equal(fixture_xdp_tcp(sb, frame, sport, PORT, seq, flags, p, n), XDP_PASS);
	ring_buffer__consume(rb);
}

#define SYN 0x02
#define FIN 0x11
#define RST 0x04

/* The flows map holds the direction of client port cport's connection:
 * the client's, or the server's (reverse). */
static int direction_exists(uint16_t cport, int reverse)
{
	struct bpf_map *m = bpf_object__find_map_by_name(sensor_bpf_object(sb), "flows");
	struct es_flow_key k = { 0 };
	unsigned char v[4096];

	k.saddr[0] = 192; k.saddr[1] = 0; k.saddr[2] = 2; k.saddr[3] = reverse ? 2 : 1;
	k.daddr[0] = 192; k.daddr[1] = 0; k.daddr[2] = 2; k.daddr[3] = reverse ? 1 : 2;
	k.sport = reverse ? PORT : cport;
	k.dport = reverse ? cport : PORT;
	k.family = 4;
	assert_true(bpf_map__value_size(m) <= sizeof(v));
	return bpf_map_lookup_elem(bpf_map__fd(m), &k, v) == 0;
}

static int flow_exists(uint16_t sport)
{
	return direction_exists(sport, 0);
}

/* The segment events received, in order, equal the host scanner's on `s`. */
static void expect_segments(const char *s, size_t n, uint64_t base, uint16_t must_flags)
{
	struct harness h;
	size_t k = 0;

	harness_init(&h);
	harness_packet(&h, (const uint8_t *)s, n);
	for (size_t i = 0; i < n_got; i++) {
		const struct es_event *ev = &got[i];

		if (ev->type != ES_EV_SEGMENT)
			continue;
		if (k >= h.n)
			fail_msg("extra segment '%.*s'", ev->data_len, ev->data);
		if (ev->stream_off != base + h.segs[k].off || ev->seg_len != h.segs[k].seg_len ||
		    ev->data_len != h.segs[k].data_len ||
		    memcmp(ev->data, h.segs[k].data, ev->data_len) != 0 ||
		    ev->syntax != h.segs[k].syntax ||
		    ev->seps.terminator != h.segs[k].seps.terminator)
			fail_msg("segment %zu: got off %llu '%.*s', want off %llu '%.*s'", k,
				 (unsigned long long)ev->stream_off, ev->data_len, ev->data,
				 (unsigned long long)(base + h.segs[k].off), h.segs[k].data_len,
				 h.segs[k].data);
		if ((ev->flags & must_flags) != must_flags)
			fail_msg("segment %zu: flags 0x%x lack 0x%x", k, ev->flags, must_flags);
		assert_int_equal(ev->dir, ES_DIR_TO_SERVER);
		assert_int_equal(ev->flow.sport, got[0].flow.sport);
		k++;
	}
	if (k != h.n)
		fail_msg("%zu segments, want %zu", k, h.n);
	harness_free(&h);
}

static size_t count_type(int type)
{
	size_t c = 0;

	for (size_t i = 0; i < n_got; i++)
		c += got[i].type == type;
	return c;
}

static size_t count_prefix(const char *prefix);

static const char STREAM[] = EDI_STREAM_CUSCAR_TWO;

/* In order after a SYN, cut into small packets, FIN at the end. */
static void test_in_order_syn_fin(void **state)
{
	const size_t n = sizeof(STREAM) - 1;
	uint32_t isn = 0xfffffff0u;   /* sequence numbers wrap inside the stream */
	size_t at = 0;

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(41001, isn, SYN, NULL, 0);
	assert_true(flow_exists(41001));
	while (at < n) {
		size_t k = n - at < 37 ? n - at : 37;

		send_pkt(41001, isn + 1 + (uint32_t)at, 0, STREAM + at, k);
		at += k;
	}
	send_pkt(41001, isn + 1 + (uint32_t)n, FIN, NULL, 0);
	expect_segments(STREAM, n, 0, 0);
	assert_int_equal(count_type(ES_EV_FLOW_END), 1);
	assert_int_equal(got[n_got - 1].type, ES_EV_FLOW_END);
	assert_int_equal(got[n_got - 1].aux, ES_END_FIN);
	assert_int_equal(got[n_got - 1].stream_off, n);
	assert_false(flow_exists(41001));
	assert_int_equal(delta(ES_CNT_FLOW_NEW), 1);
	assert_int_equal(delta(ES_CNT_FLOW_MIDSTREAM), 0);
	assert_int_equal(delta(ES_CNT_FLOW_END), 1);
	assert_int_equal(delta(ES_CNT_GAP), 0);
	assert_int_equal(delta(ES_CNT_INTERCHANGES), 1);
	assert_int_equal(delta(ES_CNT_SEGMENTS), count_type(ES_EV_SEGMENT));
	assert_int_equal(delta(ES_CNT_EVENTS), n_got);
	assert_int_equal(delta(ES_CNT_RINGBUF_FULL), 0);
	for (size_t i = 0; i < n_got; i++)
		assert_int_equal(got[i].flags & ES_SEGF_MIDSTREAM, 0);
}

/* A packet sent twice: the copy is skipped and counted. */
static void test_retransmission(void **state)
{
	const size_t n = sizeof(STREAM) - 1;

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(41002, 100, SYN, NULL, 0);
	send_pkt(41002, 101, 0, STREAM, 100);
	send_pkt(41002, 101, 0, STREAM, 100);           /* retransmission */
	send_pkt(41002, 101, 0, STREAM, 60);            /* part of it again */
	send_pkt(41002, 201, 0, STREAM + 100, n - 100);
	expect_segments(STREAM, n, 0, 0);
	assert_int_equal(delta(ES_CNT_RETRANS), 2);
	assert_int_equal(delta(ES_CNT_OVERLAP), 0);
	assert_int_equal(delta(ES_CNT_GAP), 0);
	send_pkt(41002, 101 + (uint32_t)n, RST, NULL, 0);
}

/* A packet that repeats old bytes and brings new ones: only the new count. */
static void test_overlap(void **state)
{
	const size_t n = sizeof(STREAM) - 1;

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(41003, 5000, SYN, NULL, 0);
	send_pkt(41003, 5001, 0, STREAM, 120);
	send_pkt(41003, 5001 + 80, 0, STREAM + 80, 150);  /* 40 old, 110 new */
	send_pkt(41003, 5001 + 230, 0, STREAM + 230, n - 230);
	expect_segments(STREAM, n, 0, 0);
	assert_int_equal(delta(ES_CNT_OVERLAP), 1);
	assert_int_equal(delta(ES_CNT_RETRANS), 0);
	send_pkt(41003, 5001 + (uint32_t)n, RST, NULL, 0);
}

/*
 * Lost bytes: the packet after them is held (reordering?) until the next
 * one, past it, shows they are lost; then a GAP event, and the scanner
 * resyncs at the next UNH.
 */
static void test_gap(void **state)
{
	const size_t n = sizeof(STREAM) - 1;
	const char *unh2 = strstr(STREAM, "UNH+2");
	size_t cut = 140, resume = 200, i;

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(41004, 1, SYN, NULL, 0);
	send_pkt(41004, 2, 0, STREAM, cut);
	send_pkt(41004, 2 + (uint32_t)resume, 0, STREAM + resume, 50);
	assert_int_equal(delta(ES_CNT_GAP), 0);
	send_pkt(41004, 2 + (uint32_t)resume + 50, 0, STREAM + resume + 50, n - resume - 50);
	assert_int_equal(delta(ES_CNT_GAP), 1);
	assert_int_equal(delta(ES_CNT_REORDER_HELD), 1);
	assert_int_equal(delta(ES_CNT_REORDER_ABANDONED), 1);
	assert_int_equal(count_type(ES_EV_GAP), 1);
	for (i = 0; i < n_got && got[i].type != ES_EV_GAP; i++)
		;
	assert_int_equal(got[i].aux, resume - cut);
	assert_int_equal(got[i].stream_off, cut);
	/* next segment: the second message's UNH, flagged as after a gap */
	assert_true(i + 1 < n_got);
	assert_int_equal(got[i + 1].type, ES_EV_SEGMENT);
	assert_int_equal(got[i + 1].stream_off, (uint64_t)(unh2 - STREAM));
	assert_true(got[i + 1].flags & ES_SEGF_AFTER_GAP);
	assert_memory_equal(got[i + 1].data, "UNH+2+", 6);
	assert_int_equal(got[n_got - 1].type, ES_EV_SEGMENT);
	assert_memory_equal(got[n_got - 1].data, "UNZ+2+77'", 9);
	send_pkt(41004, 2 + (uint32_t)n, RST, NULL, 0);
}

/* Pieces [cut[k], cut[k + 1]) of s, sent in the order given (piece
 * indices), the first byte at sequence number seq0; flags on none. */
static void send_pieces(uint16_t sport, uint32_t seq0, const char *s, const size_t *cut,
			const int *order, size_t n_pieces)
{
	for (size_t i = 0; i < n_pieces; i++) {
		size_t a = cut[order[i]], b = cut[order[i] + 1];

		send_pkt(sport, seq0 + (uint32_t)a, 0, s + a, b - a);
	}
}

static void expect_reorder_counts(uint64_t held, uint64_t released, uint64_t abandoned)
{
	assert_int_equal(delta(ES_CNT_REORDER_HELD), held);
	assert_int_equal(delta(ES_CNT_REORDER_RELEASED), released);
	assert_int_equal(delta(ES_CNT_REORDER_ABANDONED), abandoned);
}

/* The events from the one after the first GAP on, moved to got[0]; the GAP
 * they followed. */
static struct es_event drop_until_gap(void)
{
	struct es_event gap;
	size_t i;

	for (i = 0; i < n_got && got[i].type != ES_EV_GAP; i++)
		;
	assert_true(i < n_got);
	gap = got[i];
	n_got -= i + 1;
	memmove(&got[0], &got[i + 1], n_got * sizeof(got[0]));
	return gap;
}

/*
 * A segment that arrives before its predecessor is held and scanned right
 * after the predecessor: the segments are those of the stream in order, no
 * gap, no retransmission.
 */
static void test_reorder(void **state)
{
	const size_t n = sizeof(STREAM) - 1;
	const size_t cut[] = { 0, 100, 200, 300, n };
	const int order[] = { 0, 2, 1, 3 };

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(41005, 700, SYN, NULL, 0);
	send_pieces(41005, 701, STREAM, cut, order, 2);
	assert_true(flow_exists(41005));
	assert_int_equal(count_type(ES_EV_GAP), 0);
	send_pieces(41005, 701, STREAM, cut, order + 2, 2);
	send_pkt(41005, 701 + (uint32_t)n, FIN, NULL, 0);
	expect_segments(STREAM, n, 0, 0);
	assert_int_equal(delta(ES_CNT_GAP), 0);
	assert_int_equal(delta(ES_CNT_RETRANS), 0);
	expect_reorder_counts(1, 1, 0);
	assert_int_equal(count_type(ES_EV_GAP), 0);
	assert_int_equal(got[n_got - 1].type, ES_EV_FLOW_END);
	assert_int_equal(got[n_got - 1].stream_off, n);
	assert_false(flow_exists(41005));
}

/*
 * Every cut: pieces [0, i), [i, j), [j, n) sent first, third, second, for
 * i along the stream and holes of 1, 13 and 60 bytes: the same segments
 * as in order (carries, release characters, headers and separators cut at
 * the hole and at the held segment's ends).
 */
static void test_reorder_every_cut(void **state)
{
	const size_t n = sizeof(STREAM) - 1;
	const size_t holes[] = { 1, 13, 60 };
	const int order[] = { 0, 2, 1 };
	uint16_t port = 43000;

	(void)state;
	NEED_ROOT();
	for (size_t i = 1; i < n; i += 7) {
		for (size_t h = 0; h < sizeof(holes) / sizeof(holes[0]); h++, port++) {
			const size_t cut[] = { 0, i, i + holes[h], n };

			if (i + holes[h] >= n)
				continue;
			mark();
			send_pkt(port, 1, SYN, NULL, 0);
			send_pieces(port, 2, STREAM, cut, order, 3);
			expect_segments(STREAM, n, 0, 0);
			expect_reorder_counts(1, 1, 0);
			assert_int_equal(delta(ES_CNT_GAP), 0);
			send_pkt(port, 2 + (uint32_t)n, RST, NULL, 0);
		}
	}
}

/* Two swaps in one stream: each held and released in turn. */
static void test_reorder_two_swaps(void **state)
{
	const size_t n = sizeof(STREAM) - 1;
	const size_t cut[] = { 0, 80, 160, 240, 320, n };
	const int order[] = { 0, 2, 1, 4, 3 };

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(41020, 50, SYN, NULL, 0);
	send_pieces(41020, 51, STREAM, cut, order, 5);
	expect_segments(STREAM, n, 0, 0);
	expect_reorder_counts(2, 2, 0);
	assert_int_equal(delta(ES_CNT_GAP), 0);
	send_pkt(41020, 51 + (uint32_t)n, RST, NULL, 0);
}

/* The GAP of [from, to) was emitted, then the scanner resynchronised at
 * the second message: what follows equals the host scanner from there. */
static void expect_gap_then_unh2(size_t from, size_t to)
{
	const size_t n = sizeof(STREAM) - 1;
	const char *unh2 = strstr(STREAM, "UNH+2");
	struct es_event gap = drop_until_gap();

	assert_int_equal(gap.stream_off, from);
	assert_int_equal(gap.aux, to - from);
	assert_int_equal(count_type(ES_EV_GAP), 0);
	assert_true(n_got > 0);
	assert_true(got[0].flags & ES_SEGF_AFTER_GAP);
	expect_segments(unh2, (size_t)(STREAM + n - unh2), (uint64_t)(unh2 - STREAM), 0);
}

/*
 * Held, but the hole never fills: the next early segment past the held one
 * gives it up -- a GAP up to it, then its bytes and the new segment's
 * scanned after a resync, as without holding; the late bytes after that
 * are a retransmission.
 */
static void test_reorder_hole_never_filled(void **state)
{
	const size_t n = sizeof(STREAM) - 1;
	const size_t cut[] = { 0, 140, 200, 300, n };
	const int order[] = { 0, 2, 3, 1 };

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(41021, 1, SYN, NULL, 0);
	send_pieces(41021, 2, STREAM, cut, order, 4);
	expect_reorder_counts(1, 0, 1);
	assert_int_equal(delta(ES_CNT_GAP), 1);
	assert_int_equal(delta(ES_CNT_RETRANS), 1);
	expect_gap_then_unh2(140, 200);
	send_pkt(41021, 2 + (uint32_t)n, RST, NULL, 0);
}

/* Held, then only old bytes again: given up after ES_HOLD_WAIT_PKTS (8)
 * such packets, not before. */
static void test_reorder_hole_waits(void **state)
{
	const size_t n = sizeof(STREAM) - 1;
	const size_t cut[] = { 0, 140, 200, n };
	const int order[] = { 0, 2 };

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(41022, 1, SYN, NULL, 0);
	send_pieces(41022, 2, STREAM, cut, order, 2);
	for (int r = 0; r < 7; r++)
		send_pkt(41022, 2, 0, STREAM, 140);
	assert_int_equal(delta(ES_CNT_GAP), 0);
	expect_reorder_counts(1, 0, 0);
	send_pkt(41022, 2, 0, STREAM, 140);
	assert_int_equal(delta(ES_CNT_GAP), 1);
	assert_int_equal(delta(ES_CNT_RETRANS), 8);
	expect_reorder_counts(1, 0, 1);
	expect_gap_then_unh2(140, 200);
	send_pkt(41022, 2 + (uint32_t)n, RST, NULL, 0);
}

/*
 * Retransmissions around a held segment: a copy of it is nothing new (and
 * gives it up no sooner than other old bytes); the packet that fills the
 * hole reaches 50 bytes into it: those are scanned once.
 */
static void test_reorder_retrans_overlap(void **state)
{
	const size_t n = sizeof(STREAM) - 1;

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(41023, 1, SYN, NULL, 0);
	send_pkt(41023, 2, 0, STREAM, 100);
	send_pkt(41023, 2 + 200, 0, STREAM + 200, 100);   /* early: held */
	send_pkt(41023, 2 + 200, 0, STREAM + 200, 100);   /* its copy */
	send_pkt(41023, 2 + 220, 0, STREAM + 220, 40);    /* part of it */
	send_pkt(41023, 2 + 100, 0, STREAM + 100, 150);   /* the hole and 50 held bytes */
	send_pkt(41023, 2 + 100, 0, STREAM + 100, 100);   /* old */
	send_pkt(41023, 2 + 300, 0, STREAM + 300, n - 300);
	expect_segments(STREAM, n, 0, 0);
	expect_reorder_counts(1, 1, 0);
	assert_int_equal(delta(ES_CNT_GAP), 0);
	assert_int_equal(delta(ES_CNT_RETRANS), 3);
	send_pkt(41023, 2 + (uint32_t)n, RST, NULL, 0);
}

/*
 * A second early segment inside the hole (before the held one): a GAP up
 * to it, it is scanned after the resync, and the held segment right after
 * it (released: its predecessor came).
 */
static void test_reorder_early_inside_hole(void **state)
{
	const size_t n = sizeof(STREAM) - 1;

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(41024, 1, SYN, NULL, 0);
	send_pkt(41024, 2, 0, STREAM, 140);
	send_pkt(41024, 2 + 300, 0, STREAM + 300, n - 300);   /* held */
	send_pkt(41024, 2 + 200, 0, STREAM + 200, 100);       /* early too, inside the hole */
	send_pkt(41024, 2 + 140, 0, STREAM + 140, 60);        /* late: old by now */
	expect_reorder_counts(1, 1, 0);
	assert_int_equal(delta(ES_CNT_GAP), 1);
	assert_int_equal(delta(ES_CNT_RETRANS), 1);
	expect_gap_then_unh2(140, 200);
	send_pkt(41024, 2 + (uint32_t)n, RST, NULL, 0);
}

/* FIN (or RST) while holding: a GAP up to the held segment, its bytes,
 * then the flow's end; the state is gone. */
static void test_reorder_fin_rst_while_holding(void **state)
{
	const size_t n = sizeof(STREAM) - 1;
	const uint8_t ends[] = { FIN, RST };

	(void)state;
	NEED_ROOT();
	for (int e = 0; e < 2; e++) {
		uint16_t port = (uint16_t)(41025 + e);

		mark();
		send_pkt(port, 1, SYN, NULL, 0);
		send_pkt(port, 2, 0, STREAM, 140);
		send_pkt(port, 2 + 200, 0, STREAM + 200, n - 200);   /* held */
		assert_int_equal(count_type(ES_EV_GAP), 0);
		send_pkt(port, 2 + (uint32_t)n, ends[e], NULL, 0);
		assert_false(flow_exists(port));
		expect_reorder_counts(1, 0, 1);
		assert_int_equal(got[n_got - 1].type, ES_EV_FLOW_END);
		assert_int_equal(got[n_got - 1].aux, e ? ES_END_RST : ES_END_FIN);
		assert_int_equal(got[n_got - 1].stream_off, n);
		n_got--;
		expect_gap_then_unh2(140, 200);
	}
}

/* The packet before the hole ends with a release character: the character
 * it releases comes with the late packet, and is data. */
static void test_reorder_release_before_hole(void **state)
{
	const size_t n = sizeof(STREAM) - 1;
	const size_t at = (size_t)(strstr(STREAM, "LTD?+") + 4 - STREAM);
	const size_t cut[] = { 0, at, at + 30, n };
	const int order[] = { 0, 2, 1 };

	(void)state;
	NEED_ROOT();
	assert_int_equal(STREAM[at - 1], '?');
	mark();
	send_pkt(41027, 1, SYN, NULL, 0);
	send_pieces(41027, 2, STREAM, cut, order, 3);
	expect_segments(STREAM, n, 0, 0);
	assert_int_equal(count_prefix("NAD+CZ+++ACME EXPORTS LTD?+CO+"), 1);
	expect_reorder_counts(1, 1, 0);
	send_pkt(41027, 2 + (uint32_t)n, RST, NULL, 0);
}

/* Mid-stream (no SYN): held and released the same way; offsets from the
 * first packet seen. */
static void test_reorder_midstream(void **state)
{
	const size_t n = sizeof(STREAM) - 1;
	const size_t cut[] = { 0, 100, 200, 300, n };
	const int order[] = { 1, 3, 2 };

	(void)state;
	NEED_ROOT();
	mark();
	send_pieces(41028, 9000, STREAM, cut, order, 3);
	expect_segments(STREAM + 100, n - 100, 0, ES_SEGF_MIDSTREAM);
	expect_reorder_counts(1, 1, 0);
	send_pkt(41028, 9000 + (uint32_t)n, RST, NULL, 0);
}

/* A SYN while holding restarts the direction: the held segment is given
 * up without an event (it belonged to the connection before). */
static void test_reorder_syn_while_holding(void **state)
{
	const size_t n = sizeof(STREAM) - 1;

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(41029, 1, SYN, NULL, 0);
	send_pkt(41029, 2, 0, STREAM, 100);
	send_pkt(41029, 2 + 200, 0, STREAM + 200, 100);   /* held */
	n_got = 0;
	send_pkt(41029, 5000, SYN, NULL, 0);
	expect_reorder_counts(1, 0, 1);
	assert_int_equal(n_got, 0);
	send_pkt(41029, 5001, 0, STREAM, n);
	expect_segments(STREAM, n, 0, 0);
	assert_int_equal(delta(ES_CNT_GAP), 0);
	send_pkt(41029, 5001 + (uint32_t)n, RST, NULL, 0);
}

/* An early segment larger than ES_HOLD_BYTES is not held: a GAP at once. */
static void test_reorder_too_large(void **state)
{
	static char big[6000];
	const size_t n = sizeof(big);

	(void)state;
	NEED_ROOT();
	memset(big, 'x', n);
	mark();
	send_pkt(41030, 1, SYN, NULL, 0);
	send_pkt(41030, 2, 0, big, 100);
	send_pkt(41030, 2 + 200, 0, big + 200, ES_HOLD_BYTES + 1);
	assert_int_equal(delta(ES_CNT_GAP), 1);
	assert_int_equal(count_type(ES_EV_GAP), 1);
	send_pkt(41030, 2 + 300, 0, big + 300, ES_HOLD_BYTES);   /* old and new bytes */
	send_pkt(41030, 2 + 100, 0, big + 100, 100);             /* late: old */
	send_pkt(41030, 2 + 300 + ES_HOLD_BYTES + 500, 0, big, 100);   /* early again: held */
	expect_reorder_counts(1, 0, 0);
	assert_int_equal(delta(ES_CNT_OVERLAP), 1);
	assert_int_equal(delta(ES_CNT_RETRANS), 1);
	send_pkt(41030, 2 + 300 + ES_HOLD_BYTES + 600, RST, NULL, 0);
	expect_reorder_counts(1, 0, 1);
	assert_int_equal(delta(ES_CNT_GAP), 2);
}

/* No SYN seen: the flow starts in seek mode, its events say so. */
static void test_midstream(void **state)
{
	const size_t n = sizeof(STREAM) - 1;
	const char *mid = strstr(STREAM, "NAD+CZ") + 10;

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(41006, 123456, 0, mid, (size_t)(STREAM + n - mid));
	assert_int_equal(delta(ES_CNT_FLOW_NEW), 1);
	assert_int_equal(delta(ES_CNT_FLOW_MIDSTREAM), 1);
	/* seek finds the second message's header, nothing before it */
	expect_segments(mid, (size_t)(STREAM + n - mid), 0, ES_SEGF_MIDSTREAM);
	assert_memory_equal(got[0].data, "UNH+2+", 6);
	send_pkt(41006, 123456 + (uint32_t)(STREAM + n - mid), RST, NULL, 0);
	assert_int_equal(got[n_got - 1].type, ES_EV_FLOW_END);
	assert_int_equal(got[n_got - 1].aux, ES_END_RST);
	assert_false(flow_exists(41006));
}

/*
 * The gap swallows the next interchange's UNA (other separators): the
 * scanner resyncs at that interchange's UNH, whose S009 shows them, and
 * forwards the rest of the flow (it used to take it for one endless
 * segment, ending in the old terminator).
 */
static void test_gap_new_separators(void **state)
{
	static const char two[] =
		"UNB+UNOA:2+S+R+200101:1200+1'UNH+1+CUSCAR:D:95B:UN'BGM+85+X+9'UNT+3+1'UNZ+1+1'"
		"UNA:+.? $UNB+UNOC:3+S+R+200101:1200+2$\r\n"
		"UNH+7+CUSRES:D:96B:UN$\r\nBGM+962+Y+9$\r\nUNT+3+7$\r\nUNZ+1+2$\r\n";
	const size_t n = sizeof(two) - 1;
	const char *cut = strstr(two, "UNZ+1+1'"), *unh7 = strstr(two, "UNH+7");
	const size_t resume = (size_t)(strstr(two, "+2$") + 3 - two);

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(41010, 9, SYN, NULL, 0);
	send_pkt(41010, 10, 0, two, (size_t)(cut - two));
	send_pkt(41010, 10 + (uint32_t)resume, 0, two + resume, 8);   /* held ... */
	send_pkt(41010, 10 + (uint32_t)resume + 8, 0, two + resume + 8, n - resume - 8);
	assert_int_equal(delta(ES_CNT_GAP), 1);   /* ... until this one shows the loss */
	/* after the gap: the host scanner's segments on what follows it */
	while (n_got && got[0].type != ES_EV_GAP)
		memmove(&got[0], &got[1], --n_got * sizeof(got[0]));
	assert_true(n_got > 1);
	memmove(&got[0], &got[1], --n_got * sizeof(got[0]));
	expect_segments(unh7, (size_t)(two + n - unh7), (uint64_t)(unh7 - two), 0);
	assert_int_equal(n_got, 4);
	assert_int_equal(got[0].seps.terminator, '$');
	assert_true(got[0].flags & ES_SEGF_AFTER_GAP);
	send_pkt(41010, 10 + (uint32_t)n, RST, NULL, 0);
}

/*
 * One packet, three interchanges: EDIFACT with the default separators, one
 * with others from its UNA, then X12. A record each, each with the chunk
 * (a record ends where the separators change, and the chunk's scan goes
 * on: the next one attaches the chunk again), each its own output, then
 * the packet's FIN in a record of its own; every segment with the
 * separators of its own interchange.
 */
static void test_seps_change_mid_packet(void **state)
{
	static const char three[] =
		"UNB+UNOA:2+S+R+200101:1200+1'UNH+1+CUSCAR:D:95B:UN'UNT+2+1'UNZ+1+1'"
		"UNA:*.? $UNB*UNOC:3*S*R*200101:1200*2$UNH*7*CUSRES:D:96B:UN$UNT*2*7$UNZ*1*2$"
		"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
		"*240101*1200*U*00401*000000001*0*P*>~GS*IN*S*R*20240101*1200*1*X*004010~"
		"ST*309*0001~SE*2*0001~GE*1*1~IEA*1*000000001~";
	const size_t n = sizeof(three) - 1;
	const char *una = strstr(three, "UNA:"), *isa = strstr(three, "ISA*");
	size_t segs = 0;

	(void)state;
	NEED_ROOT();
	send_pkt(41012, 99, SYN, NULL, 0);
	mark();
	send_pkt(41012, 100, FIN, three, n);
	expect_segments(three, n, 0, 0);
	assert_int_equal(n_outputs, 4);
	assert_int_equal(n_records, 4);
	for (size_t i = 0; i < n_got; i++) {
		const struct es_event *ev = &got[i];
		const char *at = three + ev->stream_off;

		if (ev->type != ES_EV_SEGMENT)
			continue;
		segs++;
		assert_int_equal(ev->data[ev->data_len - 1], ev->seps.terminator);
		if (at < una) {
			assert_int_equal(ev->syntax, ES_SYNTAX_EDIFACT);
			assert_int_equal(ev->seps.element, '+');
			assert_int_equal(ev->seps.terminator, '\'');
		} else if (at < isa) {
			assert_int_equal(ev->syntax, ES_SYNTAX_EDIFACT);
			assert_int_equal(ev->seps.element, '*');
			assert_int_equal(ev->seps.terminator, '$');
		} else {
			assert_int_equal(ev->syntax, ES_SYNTAX_X12);
			assert_int_equal(ev->seps.element, '*');
			assert_int_equal(ev->seps.component, '>');
			assert_int_equal(ev->seps.terminator, '~');
		}
	}
	assert_int_equal(segs, 15);
	assert_int_equal(got[n_got - 1].type, ES_EV_FLOW_END);
	assert_int_equal(got[n_got - 1].syntax, 0);
	assert_int_equal(delta(ES_CNT_EVENTS), n_got);
}

/*
 * Mid-stream flow whose first segment comes after its successor: offsets
 * count from the first payload byte of the first packet seen (the
 * convention of docs/MANIFEST.md, streamOffset), and the late segment, being
 * before that origin, is skipped as a retransmission.
 */
static void test_midstream_first_late(void **state)
{
	const size_t n = sizeof(STREAM) - 1;
	const size_t second = 100;

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(41011, 5000 + (uint32_t)second, 0, STREAM + second, n - second);
	send_pkt(41011, 5000, 0, STREAM, second);   /* the late first segment */
	assert_int_equal(delta(ES_CNT_FLOW_MIDSTREAM), 1);
	assert_int_equal(delta(ES_CNT_RETRANS), 1);
	expect_segments(STREAM + second, n - second, 0, ES_SEGF_MIDSTREAM);
	send_pkt(41011, 5000 + (uint32_t)n, RST, NULL, 0);
}

/* RST mid-interchange: flow end, state freed; a later packet is a new flow. */
static void test_rst(void **state)
{
	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(41007, 9, SYN, NULL, 0);
	send_pkt(41007, 10, 0, STREAM, 90);
	send_pkt(41007, 100, RST, NULL, 0);
	assert_false(flow_exists(41007));
	assert_int_equal(count_type(ES_EV_FLOW_END), 1);
	assert_int_equal(delta(ES_CNT_FLOW_END), 1);
	/* a bare ACK of a forgotten flow creates no state */
	send_pkt(41007, 100, 0x10, NULL, 0);
	assert_false(flow_exists(41007));
}

/* One TCP packet of the server (the monitored port) to the client's port. */
static void send_rev(uint16_t cport, uint32_t seq, uint8_t flags, const void *p, size_t n)
{
	struct frame_spec s = { .sport = PORT, .dport = cport, .seq = seq, .tcp_flags = flags,
				.payload = p, .payload_len = n, .reverse = 1 };
	size_t len = frame_build(&s, frame);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (uint32_t)len,
		    .repeat = 1);

	assert_int_equal(bpf_prog_test_run_opts(sensor_bpf_prog_fd(sb), &opts), 0);
	assert_int_equal(opts.retval, XDP_PASS);
	ring_buffer__consume(rb);
}

static int rev_flow_exists(uint16_t cport)
{
	return direction_exists(cport, 1);
}

/* An event of the server's direction of the client's port cport. */
static void expect_rev_event(const struct es_event *ev, uint16_t cport, int type, uint64_t off,
			     uint32_t seg_len, uint32_t aux)
{
	assert_int_equal(ev->type, type);
	assert_int_equal(ev->dir, ES_DIR_TO_CLIENT);
	assert_int_equal(ev->flow.sport, PORT);
	assert_int_equal(ev->flow.dport, cport);
	assert_int_equal(ev->flow.saddr[3], 2);
	assert_int_equal(ev->flow.daddr[3], 1);
	assert_int_equal(ev->stream_off, off);
	assert_int_equal(ev->seg_len, seg_len);
	assert_int_equal(ev->aux, aux);
}

/*
 * An RST aborts the connection: both directions end. Data both ways (only
 * NAD forwarded, so the server's direction has skipped segments pending:
 * EQD and SEL after its NAD), then an RST of the client: its FLOW_END, then
 * in a record of their own the server direction's events: FLOW_END with
 * the skipped count; when it holds an early segment, a GAP up to it first
 * (carrying the count), then its bytes scanned (given up, counted
 * abandoned, as on the direction's own RST). Both states are gone;
 * the server's next packet starts afresh, mid-stream.
 */
static void test_rst_ends_both_directions(void **state)
{
	static const char nad_only[][4] = { "NAD" };
	static const char all[][4] = { "*" };
	const size_t n = sizeof(STREAM) - 1;
	const size_t cut = (size_t)(strstr(STREAM, "CA'") + 3 - STREAM);
	const size_t unh2 = (size_t)(strstr(STREAM, "UNH+2") - STREAM);

	(void)state;
	NEED_ROOT();
	assert_int_equal(sensor_bpf_set_tags(sb, nad_only, 1), 0);
	for (int hold = 0; hold < 2; hold++) {
		uint16_t port = (uint16_t)(41100 + hold);

		send_pkt(port, 1, SYN, NULL, 0);
		send_rev(port, 1000, 0x12, NULL, 0);   /* SYN|ACK */
		send_pkt(port, 2, 0, STREAM, n);
		mark();
		send_rev(port, 1001, 0, STREAM, cut);
		assert_int_equal(count_prefix("NAD+"), 1);
		assert_int_equal(delta(ES_CNT_SEGMENTS_SKIPPED), 4);   /* BGM DTM, EQD SEL */
		if (hold) {
			send_rev(port, 1001 + (uint32_t)unh2, 0, STREAM + unh2, n - unh2);
			assert_int_equal(delta(ES_CNT_REORDER_HELD), 1);
		}
		mark();
		send_pkt(port, 2 + (uint32_t)n, RST, NULL, 0);
		assert_false(flow_exists(port));
		assert_false(rev_flow_exists(port));
		assert_int_equal(delta(ES_CNT_FLOW_END), 2);
		expect_reorder_counts(0, 0, (uint64_t)hold);
		assert_int_equal(n_got, hold ? 6 : 2);
		/* one per direction; the reverse one's held bytes: the record of
		 * their chunk between the one of its GAP and of its FLOW_END */
		assert_int_equal(n_records, hold ? 4 : 2);
		assert_int_equal(got[0].type, ES_EV_FLOW_END);
		assert_int_equal(got[0].dir, ES_DIR_TO_SERVER);
		assert_int_equal(got[0].flow.sport, port);
		assert_int_equal(got[0].stream_off, n);
		assert_int_equal(got[0].aux, ES_END_RST);
		if (hold) {
			/* the hole, then the held bytes scanned: UNH, UNT, UNZ */
			expect_rev_event(&got[1], port, ES_EV_GAP, cut, 2, unh2 - cut);
			expect_rev_event(&got[2], port, ES_EV_SEGMENT, unh2, 22, 0);
			assert_memory_equal(got[2].data, "UNH+2+", 6);
			assert_true(got[2].flags & ES_SEGF_AFTER_GAP);
			assert_memory_equal(got[3].data, "UNT+3+2'", 8);
			assert_int_equal(got[3].aux, 1);   /* LOC */
			assert_memory_equal(got[4].data, "UNZ+2+77'", 9);
			expect_rev_event(&got[5], port, ES_EV_FLOW_END, n, 0, ES_END_RST);
		} else {
			expect_rev_event(&got[1], port, ES_EV_FLOW_END, cut, 2, ES_END_RST);
		}
		/* the server's next packet: an unknown flow, mid-stream from it */
		mark();
		send_rev(port, 1001 + (uint32_t)unh2, 0, STREAM + unh2, n - unh2);
		assert_int_equal(delta(ES_CNT_FLOW_NEW), 1);
		assert_int_equal(delta(ES_CNT_FLOW_MIDSTREAM), 1);
		assert_true(count_type(ES_EV_SEGMENT) >= 3);   /* UNH UNT UNZ */
		assert_int_equal(got[0].type, ES_EV_SEGMENT);
		assert_int_equal(got[0].stream_off, 0);
		assert_true(got[0].flags & ES_SEGF_MIDSTREAM);
		assert_int_equal(got[0].dir, ES_DIR_TO_CLIENT);
		send_rev(port, 1001 + (uint32_t)n, RST, NULL, 0);
		assert_false(rev_flow_exists(port));
	}
	assert_int_equal(sensor_bpf_set_tags(sb, all, 1), 0);
}

/* An RST of the side without state (its SYN|ACK not seen) ends the other
 * direction, with its skipped count; a FIN ends only its own direction. */
static void test_rst_fin_other_side(void **state)
{
	static const char nad_only[][4] = { "NAD" };
	static const char all[][4] = { "*" };
	const size_t cut = (size_t)(strstr(STREAM, "CA'") + 3 - STREAM);

	(void)state;
	NEED_ROOT();
	assert_int_equal(sensor_bpf_set_tags(sb, nad_only, 1), 0);
	send_pkt(41102, 1, SYN, NULL, 0);
	send_pkt(41102, 2, 0, STREAM, cut);
	mark();
	send_rev(41102, 5000, RST, NULL, 0);
	assert_false(flow_exists(41102));
	assert_int_equal(delta(ES_CNT_FLOW_END), 1);
	assert_int_equal(n_got, 1);
	assert_int_equal(got[0].type, ES_EV_FLOW_END);
	assert_int_equal(got[0].dir, ES_DIR_TO_SERVER);
	assert_int_equal(got[0].flow.sport, 41102);
	assert_int_equal(got[0].flow.saddr[3], 1);
	assert_int_equal(got[0].stream_off, cut);
	assert_int_equal(got[0].seg_len, 2);
	assert_int_equal(got[0].aux, ES_END_RST);
	/* half-close: the server's FIN leaves the client's direction alone */
	send_pkt(41103, 1, SYN, NULL, 0);
	send_rev(41103, 1000, 0x12, NULL, 0);
	send_pkt(41103, 2, 0, STREAM, cut);
	mark();
	send_rev(41103, 1001, FIN, NULL, 0);
	assert_false(rev_flow_exists(41103));
	assert_true(flow_exists(41103));
	assert_int_equal(delta(ES_CNT_FLOW_END), 1);
	assert_int_equal(n_got, 1);
	assert_int_equal(got[0].dir, ES_DIR_TO_CLIENT);
	send_pkt(41103, 2 + (uint32_t)cut, RST, NULL, 0);
	assert_false(flow_exists(41103));
	assert_int_equal(sensor_bpf_set_tags(sb, all, 1), 0);
}

/* An interchange of about 11 KB in big; its length. */
static size_t big_interchange(char *big, size_t size)
{
	size_t n = 0;
	int i;

	n += (size_t)snprintf(big + n, size - n,
			      "UNB+UNOA:2+S+R+240101:1200+5'UNH+1+CUSCAR:D:95B:UN'");
	for (i = 0; n < 11000; i++)
		n += (size_t)snprintf(big + n, size - n,
				      "EQD+CN+MSKU%07d+22G1'FTX+AAA+++GOODS %d ?'QUOTED?' TEXT'", i, i);
	n += (size_t)snprintf(big + n, size - n, "UNT+%d+1'UNZ+1+5'", 2 * i + 2);
	return n;
}

/* One frame much larger than a page: the kernel builds a multi-buffer xdp. */
static void test_multibuffer(void **state)
{
	static char big[12000];
	size_t n = big_interchange(big, sizeof(big));

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(41008, 1, SYN, NULL, 0);
	send_pkt(41008, 2, 0, big, n);
	assert_int_equal(delta(ES_CNT_FRAGS_READ), 1);
	expect_segments(big, n, 0, 0);
	/* more items than one batch holds: flushed mid-packet, a record per output */
	assert_true(n_outputs >= 2);
	assert_int_equal(n_records, n_outputs);
	assert_int_equal(delta(ES_CNT_RINGBUF_FULL), 0);
	send_pkt(41008, 2 + (uint32_t)n, RST, NULL, 0);
}

/* The packet that fills the hole before a held segment is a multi-buffer
 * frame: the held bytes are scanned after all of its fragments. */
static void test_reorder_multibuffer(void **state)
{
	static char big[12000];
	size_t n = big_interchange(big, sizeof(big)), tail = n - 300;

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(41032, 1, SYN, NULL, 0);
	send_pkt(41032, 2, 0, big, 100);
	send_pkt(41032, 2 + (uint32_t)tail, 0, big + tail, n - tail);   /* held */
	send_pkt(41032, 2 + 100, 0, big + 100, tail - 100);
	assert_int_equal(delta(ES_CNT_FRAGS_READ), 1);
	expect_segments(big, n, 0, 0);
	expect_reorder_counts(1, 1, 0);
	assert_int_equal(delta(ES_CNT_GAP), 0);
	send_pkt(41032, 2 + (uint32_t)n, RST, NULL, 0);
}

/* Segments received since mark() whose bytes begin with prefix. */
static size_t count_prefix(const char *prefix)
{
	size_t c = 0;

	for (size_t i = 0; i < n_got; i++)
		c += memcmp(got[i].data, prefix, strlen(prefix)) == 0;
	return c;
}

/* STREAM on a new flow (SYN, then all of it), received after mark() and
 * scanned with these tags forwarded; then "*" again for the other tests. */
static void stream_with_tags(uint16_t port, const char (*tags)[4], size_t n_tags)
{
	static const char all[][4] = { "*" };
	const size_t n = sizeof(STREAM) - 1;

	assert_int_equal(sensor_bpf_set_tags(sb, tags, n_tags), 0);
	mark();
	send_pkt(port, 1, SYN, NULL, 0);
	send_pkt(port, 2, 0, STREAM, n);
	assert_int_equal(sensor_bpf_set_tags(sb, all, 1), 0);
}

/* Only service segments and the asked-for tags travel. */
static void test_tag_map(void **state)
{
	static const char tags[][4] = { "NAD", "CST" };

	(void)state;
	NEED_ROOT();
	stream_with_tags(41009, tags, 2);
	assert_int_equal(count_prefix("NAD+"), 1);
	assert_int_equal(count_prefix("BGM+"), 0);
	assert_int_equal(count_type(ES_EV_SEGMENT), 9);   /* UNA UNB UNH NAD CST UNT UNH UNT UNZ */
	assert_int_equal(delta(ES_CNT_SEGMENTS_SKIPPED), 7);
	send_pkt(41009, 2 + (uint32_t)(sizeof(STREAM) - 1), RST, NULL, 0);
}

/*
 * A tag of four bytes (no configuration names one; the table has no room
 * for it) travels when every tag is asked for, and not otherwise; the two-
 * and three-byte tags beside it as the table says.
 */
static void test_four_byte_tag(void **state)
{
	static const char s[] = "UNB+UNOC:3+A+B+240101:1200+1'UNH+1+CUSCAR:D:95B:UN'"
				"ABCD+1'NAD+CA+X'N1+Y'UNT+5+1'UNZ+1+1'";
	static const char nad_only[][4] = { "NAD" };
	static const char all[][4] = { "*" };
	const size_t n = sizeof(s) - 1;

	(void)state;
	NEED_ROOT();
	for (int every = 0; every < 2; every++) {
		uint16_t port = (uint16_t)(41095 + every);

		assert_int_equal(sensor_bpf_set_tags(sb, every ? all : nad_only, 1), 0);
		mark();
		send_pkt(port, 1, SYN, NULL, 0);
		send_pkt(port, 2, 0, s, n);
		assert_int_equal(count_prefix("ABCD+"), every);
		assert_int_equal(count_prefix("N1+"), every);
		assert_int_equal(count_prefix("NAD+"), 1);
		assert_int_equal(count_type(ES_EV_SEGMENT), 5 + 2 * every);
		assert_int_equal(delta(ES_CNT_SEGMENTS_SKIPPED), 2 - 2 * every);
		send_pkt(port, 2 + (uint32_t)n, RST, NULL, 0);
	}
}

/*
 * A change of the forwarded tags is seen by the next packet: NAD wanted,
 * then CST instead (the table is rewritten in place, sensor_bpf_set_tags()).
 */
static void test_tag_map_change(void **state)
{
	static const char nad_only[][4] = { "NAD" };
	static const char cst_only[][4] = { "CST" };

	(void)state;
	NEED_ROOT();
	stream_with_tags(41090, nad_only, 1);
	assert_int_equal(count_prefix("NAD+"), 1);
	send_pkt(41090, 2 + (uint32_t)(sizeof(STREAM) - 1), RST, NULL, 0);
	stream_with_tags(41091, cst_only, 1);
	assert_int_equal(count_prefix("NAD+"), 0);
	assert_int_equal(count_prefix("CST+"), 1);
	send_pkt(41091, 2 + (uint32_t)(sizeof(STREAM) - 1), RST, NULL, 0);
}

/* Every segment event holds the stream's bytes at its offset (from base). */
static void expect_stream_bytes(const char *s, size_t n, uint64_t base)
{
	for (size_t i = 0; i < n_got; i++) {
		const struct es_event *ev = &got[i];

		if (ev->type != ES_EV_SEGMENT)
			continue;
		assert_true(ev->stream_off >= base && ev->stream_off - base + ev->data_len <= n);
		assert_memory_equal(ev->data, s + (ev->stream_off - base), ev->data_len);
	}
}

/*
 * The chunk goes out with its record when most of its bytes are forwarded
 * segments, which then refer to it (every segment: "*"); a direction whose
 * chunk forwarded less than 3/4 of its bytes has its next chunks' segments
 * copied and the chunk not sent (NAD only: its first packet's chunk still
 * goes out, the flow starts dense). The events are the same either way.
 */
static void test_chunk_attached_or_copied(void **state)
{
	static const char all[][4] = { "*" };
	static const char nad_only[][4] = { "NAD" };
	const size_t n = sizeof(STREAM) - 1, cut = 150;

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(41120, 1, SYN, NULL, 0);
	send_pkt(41120, 2, 0, STREAM, cut);
	send_pkt(41120, 2 + (uint32_t)cut, 0, STREAM + cut, n - cut);
	expect_segments(STREAM, n, 0, 0);
	assert_int_equal(n_chunk_records, 2);
	send_pkt(41120, 2 + (uint32_t)n, RST, NULL, 0);

	assert_int_equal(sensor_bpf_set_tags(sb, nad_only, 1), 0);
	mark();
	send_pkt(41121, 1, SYN, NULL, 0);
	send_pkt(41121, 2, 0, STREAM, cut);
	send_pkt(41121, 2 + (uint32_t)cut, 0, STREAM + cut, n - cut);
	assert_int_equal(sensor_bpf_set_tags(sb, all, 1), 0);
	assert_int_equal(count_type(ES_EV_SEGMENT), 8);   /* UNA UNB UNH NAD UNT UNH UNT UNZ */
	assert_int_equal(count_prefix("NAD+"), 1);
	expect_stream_bytes(STREAM, n, 0);
	assert_int_equal(n_chunk_records, 1);
	send_pkt(41121, 2 + (uint32_t)n, RST, NULL, 0);
}

/* Holding off (reorder_slots = 0): an early segment is a GAP at once and
 * its predecessor a retransmission, as before holding existed. */
static void test_reorder_off(void **state)
{
	struct sensor_bpf_opts o = { .reorder_off = true };
	const size_t n = sizeof(STREAM) - 1;
	const size_t cut[] = { 0, 100, 200, 300, n };
	const int order[] = { 0, 2, 1, 3 };

	(void)state;
	NEED_ROOT();
	unload();
	assert_int_equal(load(&o), 0);
	mark();
	send_pkt(41031, 700, SYN, NULL, 0);
	send_pieces(41031, 701, STREAM, cut, order, 2);
	assert_int_equal(delta(ES_CNT_GAP), 1);
	send_pieces(41031, 701, STREAM, cut, order + 2, 2);
	assert_int_equal(delta(ES_CNT_RETRANS), 1);
	assert_int_equal(count_type(ES_EV_GAP), 1);
	expect_reorder_counts(0, 0, 0);
	assert_memory_equal(got[n_got - 1].data, "UNZ+2+77'", 9);
	send_pkt(41031, 701 + (uint32_t)n, FIN, NULL, 0);
	assert_false(flow_exists(41031));
	unload();
	o.reorder_off = false;
	assert_int_equal(load(&o), 0);
}

/*
 * More directions holding than slots (reorder_slots = 16): the LRU map
 * gives older holders' entries to newer ones. When the holes fill, at
 * most 16 are released; each other one finds its entry gone and gives up
 * with a GAP over the held bytes (they are lost), then goes on in order.
 * held = released + abandoned, exactly.
 */
static void test_reorder_slots_full(void **state)
{
	struct sensor_bpf_opts o = { .reorder_slots = 16 };
	const size_t n = sizeof(STREAM) - 1;
	const uint16_t base = 44000, flows = 64;

	(void)state;
	NEED_ROOT();
	unload();
	assert_int_equal(load(&o), 0);
	mark();
	for (uint16_t p = base; p < base + flows; p++) {
		send_pkt(p, 1, SYN, NULL, 0);
		send_pkt(p, 2, 0, STREAM, 100);
		send_pkt(p, 2 + 200, 0, STREAM + 200, 100);   /* held */
	}
	assert_int_equal(delta(ES_CNT_REORDER_HELD), flows);
	for (uint16_t p = base; p < base + flows; p++)
		send_pkt(p, 2 + 100, 0, STREAM + 100, 100);   /* fills the hole */
	for (uint16_t p = base; p < base + flows; p++)
		send_pkt(p, 2 + 300, 0, STREAM + 300, n - 300);
	/* the last entry stored is there; at most 16 are */
	assert_true(delta(ES_CNT_REORDER_RELEASED) >= 1);
	assert_true(delta(ES_CNT_REORDER_RELEASED) <= 16);
	assert_int_equal(delta(ES_CNT_REORDER_RELEASED) + delta(ES_CNT_REORDER_ABANDONED), flows);
	assert_int_equal(delta(ES_CNT_REORDER_HELD), flows);
	/* each given up without its bytes: one GAP over them */
	assert_int_equal(delta(ES_CNT_GAP), delta(ES_CNT_REORDER_ABANDONED));
	assert_int_equal(count_type(ES_EV_GAP), delta(ES_CNT_REORDER_ABANDONED));
	for (size_t i = 0; i < n_got; i++)
		if (got[i].type == ES_EV_GAP) {
			assert_int_equal(got[i].stream_off, 200);
			assert_int_equal(got[i].aux, 100);
		}
	for (uint16_t p = base; p < base + flows; p++)
		send_pkt(p, 2 + (uint32_t)n, RST, NULL, 0);
	unload();
	o.reorder_slots = 0;
	assert_int_equal(load(&o), 0);
}

/* A ring buffer nobody reads fills up: losses are counted, traffic passes. */
static void test_ringbuf_full(void **state)
{
	struct sensor_bpf_opts o = { .ringbuf_bytes = 4096 };
	const size_t n = sizeof(STREAM) - 1;
	uint64_t lost;

	(void)state;
	NEED_ROOT();
	unload();
	assert_int_equal(load(&o), 0);
	mark();
	send_pkt(41010, 1, SYN, NULL, 0);
	for (int r = 0; r < 20; r++) {
		struct frame_spec s = { .sport = 41010, .dport = PORT, .seq = 2 + (uint32_t)(r * n),
					.payload = STREAM, .payload_len = n };
		size_t len = frame_build(&s, frame);
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
			    .data_size_in = (uint32_t)len, .repeat = 1);

		assert_int_equal(bpf_prog_test_run_opts(sensor_bpf_prog_fd(sb), &opts), 0);
		assert_int_equal(opts.retval, XDP_PASS);
	}
	lost = delta(ES_CNT_RINGBUF_FULL);
	assert_true(lost > 0);
	assert_int_equal(delta(ES_CNT_EVENTS) + lost, delta(ES_CNT_SEGMENTS));
	unload();
	o.ringbuf_bytes = 0;
	assert_int_equal(load(&o), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_syn_fin),
		cmocka_unit_test(test_retransmission),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_reorder),
		cmocka_unit_test(test_reorder_every_cut),
		cmocka_unit_test(test_reorder_two_swaps),
		cmocka_unit_test(test_reorder_hole_never_filled),
		cmocka_unit_test(test_reorder_hole_waits),
		cmocka_unit_test(test_reorder_retrans_overlap),
		cmocka_unit_test(test_reorder_early_inside_hole),
		cmocka_unit_test(test_reorder_fin_rst_while_holding),
		cmocka_unit_test(test_reorder_release_before_hole),
		cmocka_unit_test(test_reorder_midstream),
		cmocka_unit_test(test_reorder_syn_while_holding),
		cmocka_unit_test(test_reorder_too_large),
		cmocka_unit_test(test_midstream),
		cmocka_unit_test(test_gap_new_separators),
		cmocka_unit_test(test_seps_change_mid_packet),
		cmocka_unit_test(test_midstream_first_late),
		cmocka_unit_test(test_rst),
		cmocka_unit_test(test_rst_ends_both_directions),
		cmocka_unit_test(test_rst_fin_other_side),
		cmocka_unit_test(test_multibuffer),
		cmocka_unit_test(test_reorder_multibuffer),
		cmocka_unit_test(test_tag_map),
		cmocka_unit_test(test_four_byte_tag),
		cmocka_unit_test(test_tag_map_change),
		cmocka_unit_test(test_chunk_attached_or_copied),
		cmocka_unit_test(test_reorder_off),
		cmocka_unit_test(test_reorder_slots_full),
		cmocka_unit_test(test_ringbuf_full),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
