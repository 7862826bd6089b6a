/*
 * BPF_PROG_TEST_RUN fixtures for the seek depth (bpf/flow.h): a direction
 * sought through for more than seek_depth payload bytes without an EDI
 * header is no longer scanned, counted in seek_giveup/seek_skipped_bytes;
 * a header restarts the budget, a SYN restarts the direction, 0 means
 * unlimited. Runs the real object with a small depth. Needs root: skipped
 * loudly without it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

#define PORT 4080
#define DEPTH 4096          /* the fixtures' seek depth */
#define FILL 1000           /* bytes of non-EDI per filler packet */
#define MAX_EVENTS 8192

static struct sensor_bpf *sb;
static struct ring_buffer *rb;
static struct es_event got[MAX_EVENTS];
static size_t n_got;
static uint8_t frame[FRAME_BUF];
static char filler[FILL];
static struct es_counters before;

static const char STREAM[] = EDI_STREAM_CUSCAR_SHORT;
#define STREAM_LEN (sizeof(STREAM) - 1)

static int on_record(void *ctx, void *data, size_t len)
{
	(void)ctx;
	return fixture_split_record(data, len, got, &n_got, MAX_EVENTS);
}

static void unload(void)
{
	ring_buffer__free(rb);
	rb = NULL;
	sensor_bpf_destroy(sb);
	sb = NULL;
}

static int load(uint64_t depth)
{
	struct sensor_bpf_opts o = { .seek_depth = depth };

	if (fixture_load(&sb, &o, PORT))
		return -1;
	rb = ring_buffer__new(sensor_bpf_events_fd(sb), on_record, NULL, NULL);
	return rb ? 0 : -1;
}

static int setup(void **state)
{
	/* lower-case prose: nothing the seek could take for a header */
	static const char words[] = "the quick brown fox jumps over the lazy dog; ";

	(void)state;
	for (size_t i = 0; i < FILL; i++)
		filler[i] = words[i % (sizeof(words) - 1)];
	if (geteuid() != 0) {
		fprintf(stderr, "SKIPPED: seek depth fixtures need root (BPF_PROG_TEST_RUN)\n");
		return 0;
	}
	return load(DEPTH);
}

static int teardown(void **state)
{
	(void)state;
	unload();
	return 0;
}

#define NEED_ROOT() do { if (!sb) { print_message("SKIPPED: needs root\n"); skip(); } } while (0)

static void mark(void)
{
	n_got = 0;
	assert_int_equal(counters_read(sensor_bpf_counters_fd(sb), &before), 0);
}

static uint64_t delta(int idx)
{
	return fixture_counter_since(sb, &before, idx);
}

#define SYN 0x02
#define FIN 0x11
#define RST 0x04

static void send_pkt(uint16_t sport, uint32_t seq, uint8_t flags, const void *p, size_t n)
{
	assert_int_equal(fixture_xdp_tcp(sb, frame, sport, PORT, seq, flags, p, n), XDP_PASS);
	ring_buffer__consume(rb);
}

/* count filler packets from sequence number *seq on */
static void send_filler(uint16_t sport, uint32_t *seq, int count)
{
	for (int i = 0; i < count; i++) {
		send_pkt(sport, *seq, 0, filler, FILL);
		*seq += FILL;
	}
}

static void send_stream(uint16_t sport, uint32_t *seq)
{
	send_pkt(sport, *seq, 0, STREAM, STREAM_LEN);
	*seq += STREAM_LEN;
}

static size_t count_type(int type)
{
	size_t c = 0;

	for (size_t i = 0; i < n_got; i++)
		c += got[i].type == type;
	return c;
}

/* Segments the host build of the scanner finds in STREAM. */
static size_t stream_segments(void)
{
	struct harness h;
	size_t n;

	harness_init(&h);
	harness_packet(&h, (const uint8_t *)STREAM, STREAM_LEN);
	n = h.n;
	harness_free(&h);
	return n;
}

/* The k-th segment event is STREAM's first segment (UNA) at offset off. */
static void expect_una_at(size_t k, uint64_t off)
{
	size_t seen = 0;

	for (size_t i = 0; i < n_got; i++) {
		if (got[i].type != ES_EV_SEGMENT || seen++ != k)
			continue;
		if (got[i].stream_off != off || got[i].data_len < 3 || memcmp(got[i].data, "UNA", 3))
			fail_msg("segment %zu: '%.*s' at %llu, want UNA at %llu", k, got[i].data_len,
				 got[i].data, (unsigned long long)got[i].stream_off,
				 (unsigned long long)off);
		return;
	}
	fail_msg("only %zu segments, want UNA as segment %zu", seen, k);
}

/* (a) More than the depth of non-EDI: the direction gives up; an interchange
 * after that is not scanned; its bytes are counted. */
static void test_giveup_after_depth(void **state)
{
	uint32_t seq = 1001;

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(42001, 1000, SYN, NULL, 0);
	send_filler(42001, &seq, 4);              /* 4000 <= DEPTH: still scanned */
	assert_int_equal(delta(ES_CNT_SEEK_GIVEUP), 0);
	send_filler(42001, &seq, 1);              /* 5000 > DEPTH: gives up */
	assert_int_equal(delta(ES_CNT_SEEK_GIVEUP), 1);
	assert_int_equal(delta(ES_CNT_SEEK_SKIPPED_BYTES), 0);
	send_filler(42001, &seq, 3);
	send_stream(42001, &seq);
	assert_int_equal(count_type(ES_EV_SEGMENT), 0);
	assert_int_equal(delta(ES_CNT_INTERCHANGES), 0);
	assert_int_equal(delta(ES_CNT_SEEK_GIVEUP), 1);   /* once per direction */
	assert_int_equal(delta(ES_CNT_SEEK_SKIPPED_BYTES), 3 * FILL + STREAM_LEN);
	/* a retransmission brings nothing new */
	send_pkt(42001, seq - STREAM_LEN, 0, STREAM, STREAM_LEN);
	assert_int_equal(delta(ES_CNT_SEEK_SKIPPED_BYTES), 3 * FILL + STREAM_LEN);
	/* FIN still ends the flow, at the right offset */
	send_pkt(42001, seq, FIN, NULL, 0);
	assert_int_equal(count_type(ES_EV_FLOW_END), 1);
	assert_int_equal(got[n_got - 1].stream_off, 8 * FILL + STREAM_LEN);
	assert_int_equal(delta(ES_CNT_FLOW_END), 1);
}

/* (a') The packet that fills the hole before a held segment takes the
 * direction past the depth: the held bytes are not scanned either, they
 * count as skipped, and the offsets go on right. */
static void test_giveup_while_holding(void **state)
{
	uint32_t seq = 1001;

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(42006, 1000, SYN, NULL, 0);
	send_filler(42006, &seq, 4);              /* 4000 <= DEPTH */
	send_pkt(42006, seq + FILL, 0, filler, FILL);   /* early: held */
	assert_int_equal(delta(ES_CNT_REORDER_HELD), 1);
	send_filler(42006, &seq, 1);              /* 5000 > DEPTH: gives up, then the held one */
	seq += FILL;
	assert_int_equal(delta(ES_CNT_SEEK_GIVEUP), 1);
	assert_int_equal(delta(ES_CNT_REORDER_RELEASED), 1);
	assert_int_equal(delta(ES_CNT_SEEK_SKIPPED_BYTES), FILL);
	send_stream(42006, &seq);
	assert_int_equal(count_type(ES_EV_SEGMENT), 0);
	assert_int_equal(delta(ES_CNT_SEEK_SKIPPED_BYTES), FILL + STREAM_LEN);
	send_pkt(42006, seq, FIN, NULL, 0);
	assert_int_equal(count_type(ES_EV_FLOW_END), 1);
	assert_int_equal(got[n_got - 1].stream_off, 6 * FILL + STREAM_LEN);
}

/* (a'') The direction gives up while its held segment still waits (an
 * early packet inside the hole took it past the depth): its next packet
 * drops the held segment, counts its bytes as skipped and moves past them. */
static void test_giveup_holding_on(void **state)
{
	uint32_t seq = 1001, base;

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(42007, 1000, SYN, NULL, 0);
	send_filler(42007, &seq, 4);              /* 4000 <= DEPTH */
	base = seq;
	send_pkt(42007, base + 2500, 0, filler, FILL);   /* early: held */
	send_pkt(42007, base + 1000, 0, filler, FILL);   /* early too: GAP, 5000 > DEPTH */
	assert_int_equal(delta(ES_CNT_SEEK_GIVEUP), 1);
	assert_int_equal(delta(ES_CNT_GAP), 1);
	assert_int_equal(delta(ES_CNT_REORDER_ABANDONED), 0);
	send_pkt(42007, base + 2000, 0, filler, 500);    /* the rest of the hole */
	assert_int_equal(delta(ES_CNT_REORDER_ABANDONED), 1);
	assert_int_equal(delta(ES_CNT_SEEK_SKIPPED_BYTES), FILL);
	seq = base + 2500 + FILL;
	send_stream(42007, &seq);
	assert_int_equal(delta(ES_CNT_SEEK_SKIPPED_BYTES), FILL + STREAM_LEN);
	assert_int_equal(delta(ES_CNT_REORDER_HELD), 1);
	send_pkt(42007, seq, FIN, NULL, 0);
	assert_int_equal(got[n_got - 1].type, ES_EV_FLOW_END);
	assert_int_equal(got[n_got - 1].stream_off, 7 * FILL + 500 + STREAM_LEN);
}

/* (b) An interchange after non-EDI below the depth is found. */
static void test_found_below_depth(void **state)
{
	uint32_t seq = 2;

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(42002, 1, SYN, NULL, 0);
	send_filler(42002, &seq, 4);
	send_stream(42002, &seq);
	assert_int_equal(count_type(ES_EV_SEGMENT), stream_segments());
	expect_una_at(0, 4 * FILL);
	assert_int_equal(delta(ES_CNT_INTERCHANGES), 1);
	assert_int_equal(delta(ES_CNT_SEEK_GIVEUP), 0);
	assert_int_equal(delta(ES_CNT_SEEK_SKIPPED_BYTES), 0);
	send_pkt(42002, seq, RST, NULL, 0);
}

/* (c) A long EDI connection: interchanges with non-EDI below the depth
 * between them, and one interchange far longer than the depth, all in
 * many times the depth: every interchange is found. */
static void test_long_edi_stream(void **state)
{
	const int rounds = 12, ftx = 600;
	size_t per = stream_segments(), cap = 64 + (size_t)ftx * 48, len = 0, k = 0;
	char *big = malloc(cap);
	uint32_t seq = 2;
	uint64_t off = 0;

	(void)state;
	NEED_ROOT();
	assert_non_null(big);
	len += (size_t)snprintf(big + len, cap - len,
				"UNB+UNOC:3+A:ZZ+B:ZZ+240101:1200+9'UNH+1+CUSCAR:D:95B:UN'");
	for (int i = 0; i < ftx; i++)
		len += (size_t)snprintf(big + len, cap - len,
					"FTX+AAA+++GOODS DESCRIPTION LINE %05d'", i);
	len += (size_t)snprintf(big + len, cap - len, "UNT+%d+1'UNZ+1+9'", ftx + 2);
	assert_true(len > 4 * DEPTH && len < cap);

	mark();
	send_pkt(42003, 1, SYN, NULL, 0);
	for (int r = 0; r < rounds; r++) {
		send_filler(42003, &seq, 3);
		send_stream(42003, &seq);
		expect_una_at(k, off + 3 * FILL);
		k += per;
		off += 3 * FILL + STREAM_LEN;
	}
	assert_true(off > 8 * DEPTH);
	/* the long interchange, in 1000-byte packets */
	for (size_t at = 0; at < len; at += FILL) {
		size_t n = len - at < FILL ? len - at : FILL;

		send_pkt(42003, seq, 0, big + at, n);
		seq += (uint32_t)n;
	}
	k += (size_t)ftx + 4;   /* UNB UNH FTX... UNT UNZ */
	off += len;
	send_filler(42003, &seq, 4);
	send_stream(42003, &seq);
	expect_una_at(k, off + 4 * FILL);
	assert_int_equal(count_type(ES_EV_SEGMENT), k + per);
	assert_int_equal(delta(ES_CNT_INTERCHANGES), rounds + 2);
	assert_int_equal(delta(ES_CNT_SEEK_GIVEUP), 0);
	assert_int_equal(delta(ES_CNT_SEEK_SKIPPED_BYTES), 0);
	send_pkt(42003, seq, RST, NULL, 0);
	free(big);
}

/* (e) A SYN restarts a direction that gave up; so does a new flow after
 * RST, also one first seen mid-stream. */
static void test_syn_restarts(void **state)
{
	uint32_t seq = 2;

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(42005, 1, SYN, NULL, 0);
	send_filler(42005, &seq, 5);
	send_stream(42005, &seq);
	assert_int_equal(delta(ES_CNT_SEEK_GIVEUP), 1);
	assert_int_equal(count_type(ES_EV_SEGMENT), 0);
	send_pkt(42005, 50000, SYN, NULL, 0);      /* the same 4-tuple again */
	seq = 50001;
	send_stream(42005, &seq);
	assert_int_equal(count_type(ES_EV_SEGMENT), stream_segments());
	expect_una_at(0, 0);
	send_pkt(42005, seq, RST, NULL, 0);

	/* mid-stream: the budget counts from the first packet seen */
	mark();
	seq = 7000;
	send_filler(42006, &seq, 5);
	assert_int_equal(delta(ES_CNT_SEEK_GIVEUP), 1);
	send_stream(42006, &seq);
	assert_int_equal(count_type(ES_EV_SEGMENT), 0);
	send_pkt(42006, seq, RST, NULL, 0);        /* ends it: FLOW_END */
	assert_int_equal(count_type(ES_EV_FLOW_END), 1);
	assert_int_equal(got[n_got - 1].stream_off, 5 * FILL + STREAM_LEN);
	send_stream(42006, &seq);                  /* a new mid-stream flow */
	assert_int_equal(count_type(ES_EV_SEGMENT), stream_segments());
	assert_int_equal(delta(ES_CNT_SEEK_GIVEUP), 1);
	send_pkt(42006, seq, RST, NULL, 0);
}

/* (d) Depth 0: unlimited, whatever comes before the interchange. */
static void test_unlimited(void **state)
{
	uint32_t seq = 2;

	(void)state;
	NEED_ROOT();
	unload();
	assert_int_equal(load(0), 0);
	mark();
	send_pkt(42004, 1, SYN, NULL, 0);
	send_filler(42004, &seq, 64);             /* 16 times the fixtures' depth */
	send_stream(42004, &seq);
	assert_int_equal(count_type(ES_EV_SEGMENT), stream_segments());
	expect_una_at(0, 64 * FILL);
	assert_int_equal(delta(ES_CNT_SEEK_GIVEUP), 0);
	assert_int_equal(delta(ES_CNT_SEEK_SKIPPED_BYTES), 0);
	send_pkt(42004, seq, RST, NULL, 0);
	unload();
	assert_int_equal(load(DEPTH), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_giveup_after_depth),
		cmocka_unit_test(test_giveup_while_holding),
		cmocka_unit_test(test_giveup_holding_on),
		cmocka_unit_test(test_found_below_depth),
		cmocka_unit_test(test_long_edi_stream),
		cmocka_unit_test(test_syn_restarts),
		cmocka_unit_test(test_unlimited),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
