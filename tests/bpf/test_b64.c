/*
 * BPF_PROG_TEST_RUN fixtures for base64 bodies (bpf/edi_scan.h, ES_MODE_B64):
 * an AS2-like POST whose body is an interchange in base64 is found and its
 * text forwarded raw as ES_EV_B64 items (start item at the body's first
 * character, the text back to back, an end item at the first byte outside
 * the alphabet), whatever packet cut falls into its header; the text
 * decodes to the interchange; the seek goes on after it (a plaintext
 * interchange behind is found); a gap ends it; ES_B64_DEPTH caps it; "VU5B"
 * text that is no body start (mid-line, not decoding to a header) is not
 * taken. Runs the real object. Needs root: skipped loudly without it.
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
#include "b64_decode.h"
#include "counters.h"
#include "sensor_bpf.h"
#include "../lib/b64_text.h"
#include "../lib/frames.h"
#include "../lib/sensor_fixture.h"

#define PORT 8080
#define MAX_EVENTS 12000

static struct sensor_bpf *sb;
static struct ring_buffer *rb;
static struct es_event got[MAX_EVENTS];
static size_t n_got;
static uint8_t frame[FRAME_BUF];
static struct es_counters before;

#define STREAM B64_TEST_STREAM
#define STREAM_LEN B64_TEST_STREAM_LEN
static const char HEAD[] =
	"POST /as2/inbound HTTP/1.1\r\nHost: edi.example.test\r\n"
	"Content-Type: application/EDIFACT\r\nContent-Transfer-Encoding: base64\r\n\r\n";
#define HEAD_LEN (sizeof(HEAD) - 1)
static const char TAIL[] = "--boundary--\r\n";

static char body[B64_TEXT_MAX(STREAM_LEN)];
static size_t body_len;
static char msg[8192];     /* HEAD, body, TAIL */
static size_t msg_len;

static int on_record(void *ctx, void *data, size_t len)
{
	(void)ctx;
	return fixture_split_record(data, len, got, &n_got, MAX_EVENTS);
}

static int setup(void **state)
{
	struct sensor_bpf_opts o = { .seek_depth = 0 };

	(void)state;
	body_len = b64_text((const uint8_t *)STREAM, STREAM_LEN, body, 76);
	memcpy(msg, HEAD, HEAD_LEN);
	memcpy(msg + HEAD_LEN, body, body_len);
	memcpy(msg + HEAD_LEN + body_len, TAIL, sizeof(TAIL) - 1);
	msg_len = HEAD_LEN + body_len + sizeof(TAIL) - 1;
	return fixture_setup_ring(&sb, &rb, &o, PORT, on_record, "base64 fixtures");
}

static int teardown(void **state)
{
	(void)state;
	fixture_free_ring(&sb, &rb);
	return 0;
}

#define NEED_ROOT() do { if (!sb) { print_message("SKIPPED: needs root\n"); skip(); } } while (0)
#define SYN 0x02
#define FIN 0x11

static void mark(void)
{
	n_got = 0;
	assert_int_equal(counters_read(sensor_bpf_counters_fd(sb), &before), 0);
}

static uint64_t delta(int idx)
{
	return fixture_counter_since(sb, &before, idx);
}

static void send_pkt(uint16_t sport, uint32_t seq, uint8_t flags, const void *p, size_t n)
{
	assert_int_equal(fixture_xdp_tcp(sb, frame, sport, PORT, seq, flags, p, n), XDP_PASS);
	ring_buffer__consume(rb);
}

/* A connection from sport sending p[0..n) in packets cut at the cuts
 * (ascending, ending with n). */
static void send_cut(uint16_t sport, const char *p, const size_t *cuts, size_t ncuts)
{
	size_t at = 0;

	send_pkt(sport, 1000, SYN, NULL, 0);
	for (size_t i = 0; i < ncuts; i++) {
		send_pkt(sport, 1001 + (uint32_t)at, 0, p + at, cuts[i] - at);
		at = cuts[i];
	}
}

static size_t count_type(int type)
{
	size_t c = 0;

	for (size_t i = 0; i < n_got; i++)
		c += got[i].type == type;
	return c;
}

/* The ES_EV_B64 items: one body whose text (back to back, no hole) is
 * body[] at stream offset off, ended at end_off for why. */
static void expect_body(uint64_t off, uint64_t end_off, uint32_t why)
{
	static char text[sizeof(body) + ES_SEG_MAX];
	size_t n = 0, items = 0;
	uint64_t next = off;

	for (size_t i = 0; i < n_got; i++) {
		const struct es_event *e = &got[i];

		if (e->type != ES_EV_B64)
			continue;
		if (items++ == 0 && (e->aux != ES_B64_START || e->stream_off != off))
			fail_msg("first item aux %u at %llu, want START at %llu", e->aux,
				 (unsigned long long)e->stream_off, (unsigned long long)off);
		if (e->aux == ES_B64_END_TEXT || e->aux == ES_B64_END_CAP) {
			assert_int_equal(e->aux, why);
			assert_int_equal(e->data_len, 0);
			assert_int_equal(e->stream_off, end_off);
			assert_int_equal(e->seg_len, n);
			continue;
		}
		assert_int_equal(e->stream_off, next);
		assert_int_equal(e->seg_len, n);
		assert_true(n + e->data_len <= sizeof(text));
		memcpy(text + n, e->data, e->data_len);
		n += e->data_len;
		next += e->data_len;
	}
	assert_int_equal(n, body_len);
	assert_memory_equal(text, body, body_len);
}

/* The forwarded text decodes to the interchange (userspace's decoder). */
static void expect_decodes(void)
{
	static struct b64_dec d;
	static uint8_t out[B64_DEC_ROOM(sizeof(body)) + 8];
	size_t n = 0;

	b64_dec_init(&d);
	for (size_t i = 0; i < n_got; i++)
		if (got[i].type == ES_EV_B64)
			n += b64_dec_feed(&d, got[i].stream_off, got[i].data, got[i].data_len,
					  out + n);
	n += b64_dec_finish(&d, out + n);
	assert_int_equal(n, STREAM_LEN);
	assert_memory_equal(out, STREAM, STREAM_LEN);
	assert_int_equal(d.invalid, 0);
}

/* (a) A body in one packet: found, forwarded whole, ended at the boundary,
 * counted; no segment (the text is not EDI); the flow ends cleanly. */
static void test_body_found(void **state)
{
	size_t cut[] = { msg_len };

	(void)state;
	NEED_ROOT();
	mark();
	send_cut(43001, msg, cut, 1);
	expect_body(HEAD_LEN, HEAD_LEN + body_len, ES_B64_END_TEXT);
	expect_decodes();
	assert_int_equal(count_type(ES_EV_SEGMENT), 0);
	assert_int_equal(delta(ES_CNT_B64_BODIES), 1);
	assert_int_equal(delta(ES_CNT_B64_BYTES), body_len);
	assert_int_equal(delta(ES_CNT_B64_CAPPED), 0);
	send_pkt(43001, 1001 + (uint32_t)msg_len, FIN, NULL, 0);
	assert_int_equal(count_type(ES_EV_FLOW_END), 1);
}

/* (b) Every two-packet cut from the blank line to well into the text:
 * the candidate's bytes carried across packets are forwarded first; the
 * same text, offsets and end. */
static void test_every_cut(void **state)
{
	(void)state;
	NEED_ROOT();
	for (size_t c = HEAD_LEN - 4; c <= HEAD_LEN + 90; c++) {
		size_t cuts[] = { c, msg_len };

		mark();
		send_cut((uint16_t)(44000 + c), msg, cuts, 2);
		expect_body(HEAD_LEN, HEAD_LEN + body_len, ES_B64_END_TEXT);
		assert_int_equal(delta(ES_CNT_B64_BODIES), 1);
		assert_int_equal(delta(ES_CNT_B64_BYTES), body_len);
	}
}

/* (c) Small packets everywhere (the candidate check and the text cross
 * many packet ends), then a plaintext interchange after the body: the seek
 * goes on and finds it. */
static void test_small_packets_then_plain(void **state)
{
	static char both[16384];
	size_t cuts[512], n = 0, len;

	(void)state;
	NEED_ROOT();
	memcpy(both, msg, msg_len);
	memcpy(both + msg_len, STREAM, STREAM_LEN);
	len = msg_len + STREAM_LEN;
	for (size_t at = 7; at < len; at += 7)
		cuts[n++] = at;
	cuts[n++] = len;
	mark();
	send_cut(45001, both, cuts, n);
	expect_body(HEAD_LEN, HEAD_LEN + body_len, ES_B64_END_TEXT);
	expect_decodes();
	assert_true(count_type(ES_EV_SEGMENT) >= 2);
	for (size_t i = 0; i < n_got; i++)
		if (got[i].type == ES_EV_SEGMENT) {
			assert_int_equal(got[i].stream_off, msg_len);   /* UNA, plaintext */
			assert_memory_equal(got[i].data, "UNA", 3);
			break;
		}
}

/* (d) "VU5B" where no body starts: mid-line (a header value decoding to a
 * perfect UNA), and at a line start but not decoding to a header. Neither
 * is taken. */
static void test_no_misfire(void **state)
{
	static const char text[] =
		"GET / HTTP/1.1\r\nX-Token: VU5BOisuPyAnVU5CK1VOT0M6\r\n"
		"X-Other: SVNBKjAwKg==\r\n\r\nVU5BAAAA!!!!\r\nVU5C____\r\nSVNBKjAw\r\n\r\n";
	size_t cut[] = { sizeof(text) - 1 };

	(void)state;
	NEED_ROOT();
	mark();
	send_cut(46001, text, cut, 1);
	assert_int_equal(count_type(ES_EV_B64), 0);
	assert_int_equal(delta(ES_CNT_B64_BODIES), 0);
	assert_int_equal(delta(ES_CNT_B64_BYTES), 0);
}

/* (e) Gaps inside the body: GAP, and no more text forwarded (the seek
 * takes over); a UTF-8 BOM's quantum ("77u/") before the header is taken
 * as the start context, the body forwarded from VU5B. */
static void test_gap_and_bom(void **state)
{
	static uint8_t bom_stream[STREAM_LEN + 3];
	static char bom_msg[8192], bom_body[B64_TEXT_MAX(STREAM_LEN + 3)];
	size_t bl, ml, text_items = 0;
	size_t cut[1];

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(47001, 1000, SYN, NULL, 0);
	assert_true(msg_len > HEAD_LEN + 200);
	send_pkt(47001, 1001, 0, msg, HEAD_LEN + 60);
	/* early packets: the first is held, the second past it gives it up
	 * (a GAP up to it), and the hole before the second is another GAP */
	send_pkt(47001, 1001 + HEAD_LEN + 120, 0, msg + HEAD_LEN + 120, 30);
	send_pkt(47001, 1001 + HEAD_LEN + 200, 0, msg + HEAD_LEN + 200, msg_len - HEAD_LEN - 200);
	assert_true(count_type(ES_EV_GAP) >= 1);
	for (size_t i = 0; i < n_got; i++) {
		if (got[i].type == ES_EV_GAP)
			break;
		text_items += got[i].type == ES_EV_B64;
	}
	assert_int_equal(count_type(ES_EV_B64), text_items);   /* none after the GAP */
	assert_int_equal(delta(ES_CNT_B64_BYTES), 60);

	memcpy(bom_stream, "\xef\xbb\xbf", 3);
	memcpy(bom_stream + 3, STREAM, STREAM_LEN);
	bl = b64_text(bom_stream, sizeof(bom_stream), bom_body, 76);
	assert_memory_equal(bom_body, "77u/VU5B", 8);
	memcpy(bom_msg, HEAD, HEAD_LEN);
	memcpy(bom_msg + HEAD_LEN, bom_body, bl);
	memcpy(bom_msg + HEAD_LEN + bl, TAIL, sizeof(TAIL) - 1);
	ml = HEAD_LEN + bl + sizeof(TAIL) - 1;
	cut[0] = ml;
	mark();
	send_cut(47002, bom_msg, cut, 1);
	assert_int_equal(delta(ES_CNT_B64_BODIES), 1);
	assert_int_equal(delta(ES_CNT_B64_BYTES), bl - 4);
	assert_int_equal(got[0].type, ES_EV_B64);
	assert_int_equal(got[0].stream_off, HEAD_LEN + 4);
	expect_decodes();   /* from VU5B on: the interchange without its BOM */
}

/* (f) A runaway body stops at ES_B64_DEPTH bytes: an END_CAP item, counted;
 * the rest is sought, not forwarded. */
static void test_depth_cap(void **state)
{
	static char line[1400];
	size_t ll, head = HEAD_LEN + 78;   /* HEAD and the body's first line */
	uint32_t seq = 1001;
	uint64_t sent;

	(void)state;
	NEED_ROOT();
	/* 18 lines of base64 (76 characters and CRLF each) per packet */
	for (ll = 0; ll + 78 <= sizeof(line); ll += 78) {
		memset(line + ll, 'Q', 76);
		memcpy(line + ll + 76, "\r\n", 2);
	}
	mark();
	send_pkt(48001, 1000, SYN, NULL, 0);
	send_pkt(48001, seq, 0, msg, head);
	seq += (uint32_t)head;
	for (sent = 78; sent < ES_B64_DEPTH + 4 * ll; sent += ll) {
		send_pkt(48001, seq, 0, line, ll);
		seq += (uint32_t)ll;
		n_got = 0;   /* only the last packets' events are looked at */
	}
	assert_int_equal(delta(ES_CNT_B64_BODIES), 1);
	assert_int_equal(delta(ES_CNT_B64_CAPPED), 1);
	assert_int_equal(delta(ES_CNT_B64_BYTES), ES_B64_DEPTH);
	assert_int_equal(count_type(ES_EV_B64), 0);   /* nothing after the cap */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_found),
		cmocka_unit_test(test_every_cut),
		cmocka_unit_test(test_small_packets_then_plain),
		cmocka_unit_test(test_no_misfire),
		cmocka_unit_test(test_gap_and_bom),
		cmocka_unit_test(test_depth_cap),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
