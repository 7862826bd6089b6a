/* Floods through the whole path, kernel and userspace, as replay runs it:
 * frames through the XDP program (BPF_PROG_TEST_RUN), the ring buffer
 * drained after each frame into the pipeline (assembler, decoder,
 * extractor, matcher, outputs). Each test checks that the process's peak
 * memory (VmHWM, reset before the test) stays under a documented bound
 * and that every message is accounted for:
 *  - one million tiny messages in one connection, one interchange: the
 *    held list stays at its cap (messages emitted early are counted);
 *  - one million distinct connections, each opening a message: the
 *    assembler's flow table stays at its cap, evicted flows are counted and
 *    their open messages emitted (truncated), never dropped.
 * Needs root: skipped loudly without it. */
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
#include "assembler.h"
#include "config.h"
#include "counters.h"
#include "pipeline.h"
#include "sensor_bpf.h"
#include "../lib/frames.h"
#include "../lib/memstat.h"

#define PORT 3305
#define JUMBO_PAYLOAD 8000u
#define MESSAGES 1000000u
#define CONNECTIONS 1000000u
/* Peak memory a flood may add to the process (docs/HOSTILE.md): one
 * connection's held messages within FLOOD_RSS_MAX_MB; a connection flood
 * within FLOOD_RSS_PER_FLOW_KB for each flow the assembler may keep open
 * (max_flows, as many as the kernel tracks) plus FLOOD_RSS_MAX_MB. Measured
 * about 3.7 KiB per open flow (flow state 1.7 KiB, message build, arena). */
#define FLOOD_RSS_MAX_MB 32u
#define FLOOD_RSS_PER_FLOW_KB 6u
#define DRAIN_EVERY 16u   /* frames between ring drains: < 2 MiB of events */

static struct sensor_bpf *sb;
static struct ring_buffer *rb;
static struct pipeline *pl;
static struct config cfg;
static uint8_t frame[FRAME_BUF];
static struct es_counters before;
static unsigned frames_since_drain;

static int to_pipeline(void *ctx, void *data, size_t len)
{
	(void)ctx;
	return pipeline_event(pl, data, len);
}

static int setup(void **state)
{
	static const uint16_t ports[] = { PORT };
	struct sensor_bpf_opts o = { 0 };
	char errbuf[256];

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "SKIPPED: flood tests need root (BPF_PROG_TEST_RUN)\n");
		return 0;
	}
	if (sensor_bpf_open_load(&sb, &o) || sensor_bpf_set_ports(sb, ports, 1))
		return -1;
	config_defaults(&cfg);
	cfg.replay_path = "flood";
	cfg.outputs[cfg.n_outputs++] = "json:/dev/null";
	if (pipeline_new(&pl, &cfg, errbuf, sizeof(errbuf))) {
		fprintf(stderr, "pipeline: %s\n", errbuf);
		return -1;
	}
	rb = ring_buffer__new(sensor_bpf_events_fd(sb), to_pipeline, NULL, NULL);
	return rb ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	ring_buffer__free(rb);
	pipeline_free(pl);
	sensor_bpf_destroy(sb);
	return 0;
}

#define NEED_ROOT() do { if (!sb) { print_message("SKIPPED: needs root\n"); skip(); } } while (0)

/* Starts a measurement: the peak RSS is reset to the current RSS. */
static uint64_t mark(void)
{
	int64_t rss = memstat_reset_peak();

	assert_true(rss > 0);
	assert_int_equal(counters_read(sensor_bpf_counters_fd(sb), &before), 0);
	return (uint64_t)rss;
}

static uint64_t delta(int idx)
{
	struct es_counters now;

	assert_int_equal(counters_read(sensor_bpf_counters_fd(sb), &now), 0);
	return now.v[idx] - before.v[idx];
}

static void send_from(uint32_t net, uint16_t sport, uint32_t seq, uint8_t flags,
		      const void *p, size_t n)
{
	struct frame_spec s = { .sport = sport, .dport = PORT, .seq = seq, .tcp_flags = flags,
				.payload = p, .payload_len = n };
	size_t len = frame_build(&s, frame);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (uint32_t)len,
		    .repeat = 1);

	if (net) {   /* source address 10.x.y.z instead of 192.0.2.1 */
		frame[14 + 12] = 10;
		frame[14 + 13] = (uint8_t)(net >> 16);
		frame[14 + 14] = (uint8_t)(net >> 8);
		frame[14 + 15] = (uint8_t)net;
	}
	assert_int_equal(bpf_prog_test_run_opts(sensor_bpf_prog_fd(sb), &opts), 0);
	assert_int_equal(opts.retval, XDP_PASS);
	/* Drained every DRAIN_EVERY frames, not after each: a record written
	 * into an empty ring makes the kernel wake the consumer (an irq_work
	 * self-IPI, costly in a VM), and a drained ring is always empty. */
	if (++frames_since_drain >= DRAIN_EVERY || (flags & 0x01)) {
		ring_buffer__consume(rb);
		frames_since_drain = 0;
	}
}

static void drain(void)
{
	ring_buffer__consume(rb);
	frames_since_drain = 0;
}

static void test_million_messages_one_connection(void **state)
{
	static const char head[] = "UNA:+.? 'UNB+UNOC:3+S:ZZ+R:ZZ+240101:1200+1'";
	static const char msg[] = "UNH+1+CUSCAR:D:95B:UN'UNT+2+1'";   /* 30 bytes */
	static const char tail[] = "UNZ+1000000+1'";
	const struct assembler_stats *as = pipeline_assembler_stats(pl);
	char payload[JUMBO_PAYLOAD];
	uint64_t rss0, hwm, messages0 = as->messages, early0 = as->messages_early, held_max = 0;
	uint32_t seq = 1;
	unsigned sent = 0;

	(void)state;
	NEED_ROOT();
	rss0 = mark();
	send_from(0, 43000, seq++, 0x02, NULL, 0);
	send_from(0, 43000, seq, 0, head, sizeof(head) - 1);
	seq += sizeof(head) - 1;
	while (sent < MESSAGES) {
		size_t n = 0;

		while (sent < MESSAGES && n + sizeof(msg) - 1 <= sizeof(payload)) {
			memcpy(payload + n, msg, sizeof(msg) - 1);
			n += sizeof(msg) - 1;
			sent++;
		}
		send_from(0, 43000, seq, 0, payload, n);
		seq += (uint32_t)n;
		drain();   /* (every frame: the held count is sampled here) */
		if (as->messages_held > held_max)
			held_max = as->messages_held;
	}
	send_from(0, 43000, seq, 0x11, tail, sizeof(tail) - 1);   /* UNZ, FIN */
	hwm = memstat_kb("VmHWM");
	print_message("flood: %u messages in one connection: assembled %llu, emitted before UNZ "
		      "(hold limit) %llu, most held %llu, kernel ringbuf_full %llu, "
		      "peak RSS +%llu KiB\n", MESSAGES,
		      (unsigned long long)(as->messages - messages0),
		      (unsigned long long)(as->messages_early - early0), (unsigned long long)held_max,
		      (unsigned long long)delta(ES_CNT_RINGBUF_FULL),
		      (unsigned long long)(hwm - rss0));
	assert_int_equal(delta(ES_CNT_RINGBUF_FULL), 0);
	assert_int_equal(as->messages - messages0, MESSAGES);
	assert_true(held_max <= 256);
	assert_int_equal(as->messages_early - early0, MESSAGES - held_max);
	assert_int_equal(as->messages_held, 0);
	assert_true(MEMSTAT_WITHIN(hwm - rss0, FLOOD_RSS_MAX_MB * 1024));
}

static void test_million_connections_pipeline(void **state)
{
	static const char open[] = "UNB+UNOC:3+S:ZZ+R:ZZ+240101:1200+1'UNH+1+CUSCAR:D:95B:UN'"
				   "NAD+CZ+++ACME'";
	const struct assembler_stats *as = pipeline_assembler_stats(pl);
	uint64_t rss0, hwm, evicted0 = as->flows_evicted, trunc0 = as->messages_truncated;
	uint64_t open_max = 0;

	(void)state;
	NEED_ROOT();
	rss0 = mark();
	for (uint32_t i = 0; i < CONNECTIONS; i++) {
		send_from(i, 44000, 1, 0, open, sizeof(open) - 1);   /* mid-stream, no SYN */
		if (as->flows_open > open_max)
			open_max = as->flows_open;
	}
	drain();
	hwm = memstat_kb("VmHWM");
	print_message("flood: %u connections through the pipeline: kernel flows new %llu, "
		      "assembler flows open at most %llu, evicted %llu, messages emitted truncated "
		      "%llu, peak RSS +%llu KiB\n", CONNECTIONS,
		      (unsigned long long)delta(ES_CNT_FLOW_NEW), (unsigned long long)open_max,
		      (unsigned long long)(as->flows_evicted - evicted0),
		      (unsigned long long)(as->messages_truncated - trunc0),
		      (unsigned long long)(hwm - rss0));
	assert_int_equal(delta(ES_CNT_FLOW_NEW) + delta(ES_CNT_FLOW_NOT_TRACKED), CONNECTIONS);
	assert_true(open_max <= cfg.max_flows);
	assert_true(as->flows_evicted - evicted0 >= CONNECTIONS - cfg.max_flows - 1);
	/* every evicted connection's open message came out, marked truncated */
	assert_int_equal(as->messages_truncated - trunc0, as->flows_evicted - evicted0);
	assert_true(MEMSTAT_WITHIN(hwm - rss0, (uint64_t)cfg.max_flows * FLOOD_RSS_PER_FLOW_KB +
					       FLOOD_RSS_MAX_MB * 1024));
	pipeline_flush(pl, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_million_messages_one_connection),
		cmocka_unit_test(test_million_connections_pipeline),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
