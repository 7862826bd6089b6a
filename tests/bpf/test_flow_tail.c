/*
 * BPF_PROG_TEST_RUN fixtures for what a direction's end and its losses
 * tell userspace (edisensor.h): a GAP or FLOW_END item carries in seg_len
 * the segments not forwarded since the last forwarded one (no later
 * forwarded segment of that message will report them), and after a ring
 * buffer output failed the direction's next event carries
 * ES_SEGF_EVENTS_LOST, held in the flow state across packets without
 * events. Needs root: skipped loudly without it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "../lib/sensor_fixture.h"

#define PORT 3305
#define MAX_EVENTS 1024
#define SYN 0x02
#define ACK 0x10
#define FIN 0x11
#define RST 0x04

static struct sensor_bpf *sb;
static struct ring_buffer *rb;
static struct es_event got[MAX_EVENTS];
static size_t n_got;
static uint8_t frame[FRAME_BUF];
static struct es_counters before;

static int on_record(void *ctx, void *data, size_t len)
{
	(void)ctx;
	return fixture_split_record(data, len, got, &n_got, MAX_EVENTS);
}

/* A small ring buffer (two pages) that a few packets fill when not read. */
static int setup(void **state)
{
	struct sensor_bpf_opts o = { .ringbuf_bytes = 8192 };

	(void)state;
	return fixture_setup_ring(&sb, &rb, &o, PORT, on_record, "flow tail fixtures");
}

static int teardown(void **state)
{
	(void)state;
	fixture_free_ring(&sb, &rb);
	return 0;
}

#define NEED_ROOT() do { if (!sb) { print_message("SKIPPED: needs root\n"); skip(); } } while (0)

static void mark(void)
{
	ring_buffer__consume(rb);
	n_got = 0;
	assert_int_equal(counters_read(sensor_bpf_counters_fd(sb), &before), 0);
}

/* One packet of the client (sport) to the monitored port, not read yet. */
static void run_pkt(uint16_t sport, uint32_t seq, uint8_t flags, const char *p)
{
	assert_int_equal(fixture_xdp_tcp(sb, frame, sport, PORT, seq, flags, p, p ? strlen(p) : 0),
			 XDP_PASS);
}

static void send_pkt(uint16_t sport, uint32_t seq, uint8_t flags, const char *p)
{
	run_pkt(sport, seq, flags, p);
	ring_buffer__consume(rb);
}

static void set_tags(const char (*tags)[4], size_t n)
{
	assert_int_equal(sensor_bpf_set_tags(sb, tags, n), 0);
}

static void forward_all(void)
{
	static const char all[][4] = { "*" };

	set_tags(all, 1);
}

static const struct es_event *last_of(int type)
{
	for (size_t i = n_got; i-- > 0;)
		if (got[i].type == type)
			return &got[i];
	fail_msg("no event of type %d", type);
	return NULL;
}

static const struct es_event *segment(const char *prefix)
{
	for (size_t i = 0; i < n_got; i++)
		if (got[i].type == ES_EV_SEGMENT &&
		    !memcmp(got[i].data, prefix, strlen(prefix)))
			return &got[i];
	fail_msg("no segment %s", prefix);
	return NULL;
}

/* A CUSDEC cut after segments not asked for: UNS and CNT (only NAD is). */
static const char CUT[] =
	"UNB+UNOC:3+SENDER:ZZ+CUSTOMS:ZZ+240101:1200+77'"
	"UNH+1+CUSDEC:D:96B:UN'BGM+929+1'NAD+DT+ACME'UNS+S'CNT+1:1'";

/* The connection ends after the cut message (FIN, or RST): FLOW_END
 * carries the two segments no forwarded segment reported. */
static void tail_then(uint16_t sport, uint8_t end_flags)
{
	static const char nad[][4] = { "NAD" };

	set_tags(nad, 1);
	mark();
	send_pkt(sport, 1, SYN, NULL);
	send_pkt(sport, 2, 0, CUT);
	send_pkt(sport, 2 + (uint32_t)strlen(CUT), end_flags, NULL);
	forward_all();
	assert_int_equal(segment("NAD+")->aux, 1);   /* BGM */
	const struct es_event *end = last_of(ES_EV_FLOW_END);
	assert_int_equal(end->aux, end_flags == RST ? ES_END_RST : ES_END_FIN);
	assert_int_equal(end->seg_len, 2);            /* UNS, CNT */
	assert_int_equal(fixture_counter_since(sb, &before, ES_CNT_SEGMENTS_SKIPPED), 3);
}

static void test_fin_carries_skipped(void **state)
{
	(void)state;
	NEED_ROOT();
	tail_then(42001, FIN);
}

static void test_rst_carries_skipped(void **state)
{
	(void)state;
	NEED_ROOT();
	tail_then(42002, RST);
}

/* Everything forwarded: nothing pending at the end. */
static void test_end_without_skipped(void **state)
{
	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(42003, 1, SYN, NULL);
	send_pkt(42003, 2, 0, CUT);
	send_pkt(42003, 2 + (uint32_t)strlen(CUT), FIN, NULL);
	assert_int_equal(last_of(ES_EV_FLOW_END)->seg_len, 0);
	assert_int_equal(segment("CNT+")->aux, 0);
}

/* A gap after the cut message: the GAP item carries its pending skipped
 * segments, and the first forwarded segment after the gap (in another
 * message) does not. */
static void test_gap_carries_skipped(void **state)
{
	static const char nad[][4] = { "NAD" };
	static const char after[] = "UNH+2+CUSDEC:D:96B:UN'BGM+929+2'NAD+CZ+OTHER'";

	(void)state;
	NEED_ROOT();
	set_tags(nad, 1);
	mark();
	send_pkt(42004, 1, SYN, NULL);
	send_pkt(42004, 2, 0, CUT);
	send_pkt(42004, 2 + (uint32_t)strlen(CUT) + 100, 0, after);
	send_pkt(42004, 2 + (uint32_t)strlen(CUT) + 100 + (uint32_t)strlen(after), RST, NULL);
	forward_all();
	const struct es_event *gap = last_of(ES_EV_GAP);
	assert_int_equal(gap->aux, 100);
	assert_int_equal(gap->seg_len, 2);
	assert_int_equal(segment("UNH+2")->aux, 0);
	assert_true(segment("UNH+2")->flags & ES_SEGF_AFTER_GAP);
	assert_int_equal(segment("NAD+CZ")->aux, 1);
	assert_int_equal(last_of(ES_EV_FLOW_END)->seg_len, 0);
}

static size_t count_flag(size_t from, uint16_t flag)
{
	size_t c = 0;

	for (size_t i = from; i < n_got; i++)
		c += (got[i].flags & flag) != 0;
	return c;
}

/* A message per packet to fill the ring buffer with. */
static const char BODY[] = "UNH+1+CUSCAR:D:95B:UN'BGM+85+M1+9'LOC+9+NLRTM'UNT+4+1'";

/* Packets of one direction, unread, until an output fails: how many. */
static uint32_t fill_ring(uint16_t sport, uint32_t *seq, const char *p)
{
	uint32_t k;

	for (k = 1; k <= 64; k++) {
		run_pkt(sport, *seq, 0, p);
		*seq += (uint32_t)strlen(p);
		if (fixture_counter_since(sb, &before, ES_CNT_RINGBUF_FULL))
			return k;
	}
	fail_msg("the ring buffer did not fill");
	return 0;
}

/* A new direction (SYN, then first if any), then BODY packets until one is
 * lost; the ring buffer read (room again, the lost packet's events gone).
 * The packets sent. */
static uint32_t syn_and_fill(uint16_t sport, uint32_t *seq, const char *first)
{
	uint32_t k;

	mark();
	send_pkt(sport, *seq - 1, SYN, NULL);
	if (first) {
		send_pkt(sport, *seq, 0, first);
		*seq += (uint32_t)strlen(first);
	}
	k = fill_ring(sport, seq, BODY);
	ring_buffer__consume(rb);
	return k;
}

/*
 * The ring buffer is full for a packet of the direction: its events are
 * lost, and the direction's next event, one packet (without events) later,
 * carries ES_SEGF_EVENTS_LOST; only that one.
 */
static void test_ring_full_marks_next_event(void **state)
{
	uint32_t seq = 2;
	size_t at;

	(void)state;
	NEED_ROOT();
	assert_true(syn_and_fill(42005, &seq, CUT) > 1);
	assert_true(n_got > 0);
	assert_int_equal(count_flag(0, ES_SEGF_EVENTS_LOST), 0);
	at = n_got;
	send_pkt(42005, seq, ACK, NULL);   /* no events: the flag waits in the flow */
	assert_int_equal(n_got, at);
	send_pkt(42005, seq, 0, BODY);
	seq += (uint32_t)strlen(BODY);
	assert_true(n_got > at + 1);
	assert_true(got[at].flags & ES_SEGF_EVENTS_LOST);
	assert_int_equal(count_flag(at, ES_SEGF_EVENTS_LOST), 1);
	at = n_got;
	send_pkt(42005, seq, 0, BODY);
	seq += (uint32_t)strlen(BODY);
	assert_int_equal(count_flag(at, ES_SEGF_EVENTS_LOST), 0);
	send_pkt(42005, seq, RST, NULL);
}

/* Another direction's events are not marked by this one's loss; a loss on
 * the packet that ends the flow leaves nothing behind (the state is gone:
 * a new connection on the tuple starts clean). */
static void test_ring_full_other_flow_and_end(void **state)
{
	uint32_t seq = 2, other = 2;
	size_t at;

	(void)state;
	NEED_ROOT();
	mark();
	send_pkt(42006, 1, SYN, NULL);
	send_pkt(42007, 1, SYN, NULL);
	send_pkt(42007, other, 0, CUT);
	other += (uint32_t)strlen(CUT);
	fill_ring(42006, &seq, BODY);
	run_pkt(42006, seq, FIN, BODY);   /* lost too, FLOW_END with it */
	ring_buffer__consume(rb);
	at = n_got;
	send_pkt(42007, other, 0, BODY);
	assert_true(n_got > at);
	assert_int_equal(count_flag(at, ES_SEGF_EVENTS_LOST), 0);
	at = n_got;
	send_pkt(42006, 100, SYN, NULL);
	send_pkt(42006, 101, 0, CUT);
	assert_true(n_got > at);
	assert_int_equal(count_flag(at, ES_SEGF_EVENTS_LOST), 0);
	send_pkt(42006, 101 + (uint32_t)strlen(CUT), RST, NULL);
	send_pkt(42007, other + (uint32_t)strlen(BODY), RST, NULL);
}

/* A loss before a SYN that restarts the direction: the flag survives the
 * restart (userspace still holds the previous connection's open message). */
static void test_ring_full_then_syn(void **state)
{
	uint32_t seq = 2;
	size_t at;

	(void)state;
	NEED_ROOT();
	syn_and_fill(42008, &seq, NULL);
	at = n_got;
	send_pkt(42008, 500, SYN, NULL);
	send_pkt(42008, 501, 0, CUT);
	assert_true(n_got > at);
	assert_true(got[at].flags & ES_SEGF_EVENTS_LOST);
	assert_int_equal(count_flag(at, ES_SEGF_EVENTS_LOST), 1);
	send_pkt(42008, 501 + (uint32_t)strlen(CUT), RST, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fin_carries_skipped),
		cmocka_unit_test(test_rst_carries_skipped),
		cmocka_unit_test(test_end_without_skipped),
		cmocka_unit_test(test_gap_carries_skipped),
		cmocka_unit_test(test_ring_full_marks_next_event),
		cmocka_unit_test(test_ring_full_other_flow_and_end),
		cmocka_unit_test(test_ring_full_then_syn),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
