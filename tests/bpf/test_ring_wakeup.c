/*
 * Who the programs wake (bpf/flow.h es_reader_waiting): nobody while the
 * reader has not said it sleeps, so a reader draining in batches costs no
 * wakeup; the reader once after it said so, at the first output, and
 * nobody again until it says so again. Seen through the ring buffer's
 * epoll fd: a wakeup makes it ready, an output without one does not.
 * Needs root: skipped loudly without it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "sensor_bpf.h"
#include "../lib/frames.h"
#include "../lib/sensor_fixture.h"

#define PORT 3305
#define MAX_EVENTS 256

static struct sensor_bpf *sb;
static struct ring_buffer *rb;
static struct es_event got[MAX_EVENTS];
static size_t n_got;
static uint8_t frame[FRAME_BUF];
static uint32_t seq = 1;

static const char SEG[] = "UNB+UNOC:3+S:ZZ+R:ZZ+240101:1200+1'UNH+1+CUSCAR:D:95B:UN'";

static int on_record(void *ctx, void *data, size_t len)
{
	(void)ctx;
	return fixture_split_record(data, len, got, &n_got, MAX_EVENTS);
}

static int setup(void **state)
{
	struct sensor_bpf_opts o = { 0 };

	(void)state;
	return fixture_setup_ring(&sb, &rb, &o, PORT, on_record, "ring wakeup fixtures");
}

static int teardown(void **state)
{
	(void)state;
	fixture_free_ring(&sb, &rb);
	return 0;
}

#define NEED_ROOT() do { if (!sb) { print_message("SKIPPED: needs root\n"); skip(); } } while (0)

/* A packet of the open connection with two segments: one output. */
static void send_segments(void)
{
	assert_int_equal(fixture_xdp_tcp(sb, frame, 40100, PORT, seq, 0, SEG, sizeof(SEG) - 1),
			 XDP_PASS);
	seq += sizeof(SEG) - 1;
}

/* The ring's epoll fd is ready: somebody woke the reader. */
static int woken(void)
{
	struct epoll_event e;
	int n = epoll_wait(ring_buffer__epoll_fd(rb), &e, 1, 0);

	assert_true(n >= 0);
	return n;
}

/* Takes what the ring holds; the events read. */
static size_t drain(void)
{
	n_got = 0;
	assert_true(ring_buffer__consume(rb) >= 0);
	(void)woken();   /* a level-triggered readiness goes once the ring is empty */
	assert_int_equal(woken(), 0);
	return n_got;
}

static void test_no_wakeup_without_waiter(void **state)
{
	(void)state;
	NEED_ROOT();
	assert_int_equal(fixture_xdp_tcp(sb, frame, 40100, PORT, seq++, 0x02, NULL, 0), XDP_PASS);
	drain();
	for (int i = 0; i < 3; i++) {
		send_segments();
		assert_int_equal(woken(), 0);
	}
	/* the records are there all the same */
	assert_int_equal(drain(), 6);
}

static void test_one_wakeup_per_sleep(void **state)
{
	(void)state;
	NEED_ROOT();
	drain();
	sensor_bpf_reader_waiting(sb, true);
	send_segments();
	assert_int_equal(woken(), 1);
	/* the program cleared the flag: the next output wakes nobody */
	assert_int_equal(drain(), 2);
	send_segments();
	assert_int_equal(woken(), 0);
	assert_int_equal(drain(), 2);
	/* a reader that says it sleeps again is woken again */
	sensor_bpf_reader_waiting(sb, true);
	send_segments();
	assert_int_equal(woken(), 1);
	assert_int_equal(drain(), 2);
	/* said and taken back: nobody woken */
	sensor_bpf_reader_waiting(sb, true);
	sensor_bpf_reader_waiting(sb, false);
	send_segments();
	assert_int_equal(woken(), 0);
	assert_int_equal(drain(), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_wakeup_without_waiter),
		cmocka_unit_test(test_one_wakeup_per_sleep),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
