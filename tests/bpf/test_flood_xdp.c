/* Floods against the kernel side, each with its bound checked and every
 * loss counted (docs/HOSTILE.md has the measured numbers):
 *  - a million distinct connections: the LRU flow table never holds more
 *    than max_entries, every new flow is counted (tracked or not), the
 *    newest flows are kept and the oldest evicted;
 *  - ring buffer full: nobody drains it while a million tiny segments
 *    arrive; events written + events lost = events produced, and exactly
 *    the written ones can be read afterwards;
 *  - one 10 MB "segment": forwarded events never exceed ES_SEG_MAX, a
 *    segment up to ES_SEG_LIMIT is truncated and flagged, a longer one is
 *    abandoned (counted as a resync) and the next interchange is found.
 * The memory the kernel side can use is the maps' memlock (fdinfo), fixed
 * at load time: printed, and checked against the documented bound.
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
#include "counters.h"
#include "sensor_bpf.h"
#include "../lib/frames.h"
#include "../lib/sensor_fixture.h"
#include "../unit/scan_harness.h"

#define PORT 3305
#define MSS 1448u
#define CONNECTIONS 1000000u

static struct sensor_bpf *sb;
static uint8_t frame[FRAME_BUF];
static struct es_counters before;

static int load(const struct sensor_bpf_opts *o)
{
	return fixture_load(&sb, o, PORT);
}

static void unload(void)
{
	sensor_bpf_destroy(sb);
	sb = NULL;
}

static int setup(void **state)
{
	(void)state;
	if (geteuid() != 0)
		fprintf(stderr, "SKIPPED: flood tests need root (BPF_PROG_TEST_RUN)\n");
	return 0;
}

#define NEED_ROOT() do { if (geteuid() != 0) { print_message("SKIPPED: needs root\n"); skip(); } } while (0)

static void mark(void)
{
	assert_int_equal(counters_read(sensor_bpf_counters_fd(sb), &before), 0);
}

static uint64_t delta(int idx)
{
	struct es_counters now;

	assert_int_equal(counters_read(sensor_bpf_counters_fd(sb), &now), 0);
	return now.v[idx] - before.v[idx];
}

static void run_frame(size_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (uint32_t)len,
		    .repeat = 1);

	assert_int_equal(bpf_prog_test_run_opts(sensor_bpf_prog_fd(sb), &opts), 0);
	assert_int_equal(opts.retval, XDP_PASS);
}

/* One client packet to the monitored port from 192.0.2.1:sport. */
static void send_pkt(uint16_t sport, uint32_t seq, uint8_t flags, const void *p, size_t n)
{
	struct frame_spec s = { .sport = sport, .dport = PORT, .seq = seq, .tcp_flags = flags,
				.payload = p, .payload_len = n };

	run_frame(frame_build(&s, frame));
}

/* Kernel memory a map is charged for, from /proc/self/fdinfo. */
static uint64_t map_memlock(int fd)
{
	char path[64], line[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

static struct bpf_map *flows_map(void)
{
	struct bpf_map *m = bpf_object__find_map_by_name(sensor_bpf_object(sb), "flows");

	assert_non_null(m);
	return m;
}

static uint64_t count_entries(int fd, size_t key_size)
{
	unsigned char key[64], next[64];
	uint64_t n = 0;
	void *prev = NULL;

	assert_true(key_size <= sizeof(key));
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, key_size);
		prev = key;
		n++;
	}
	return n;
}

static void conn_key(uint32_t i, struct es_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->saddr[0] = 10;
	k->saddr[1] = (uint8_t)(i >> 16);
	k->saddr[2] = (uint8_t)(i >> 8);
	k->saddr[3] = (uint8_t)i;
	k->daddr[0] = 192; k->daddr[2] = 2; k->daddr[3] = 2;
	k->sport = 40000;
	k->dport = PORT;
	k->family = 4;
}

/* A million SYNs, each a new connection from 10.x.y.z:40000. */
static void test_million_connections_lru(void **state)
{
	struct sensor_bpf_opts o = { .max_flows = 65536 };
	struct frame_spec s = { .sport = 40000, .dport = PORT, .tcp_flags = 0x02 };
	size_t len;
	uint64_t entries, mem, kept = 0, evicted = 0;
	unsigned char *value;
	int fd;

	(void)state;
	NEED_ROOT();
	assert_int_equal(load(&o), 0);
	fd = bpf_map__fd(flows_map());
	value = malloc(bpf_map__value_size(flows_map()));
	assert_non_null(value);
	mark();
	len = frame_build(&s, frame);
	for (uint32_t i = 0; i < CONNECTIONS; i++) {
		frame[14 + 12] = 10;                 /* source address 10.x.y.z */
		frame[14 + 13] = (uint8_t)(i >> 16);
		frame[14 + 14] = (uint8_t)(i >> 8);
		frame[14 + 15] = (uint8_t)i;
		run_frame(len);
	}
	entries = count_entries(fd, sizeof(struct es_flow_key));
	for (uint32_t i = 0; i < 1000; i++) {
		struct es_flow_key k;

		conn_key(i, &k);
		evicted += bpf_map_lookup_elem(fd, &k, value) != 0;
		conn_key(CONNECTIONS - 1 - i, &k);
		kept += bpf_map_lookup_elem(fd, &k, value) == 0;
	}
	mem = map_memlock(fd);
	print_message("flood: %u connections, flow table %llu/%u entries, new %llu, not tracked %llu, "
		      "oldest 1000 evicted %llu, newest 1000 kept %llu, flows map memlock %llu KiB "
		      "(%u B per entry)\n", CONNECTIONS, (unsigned long long)entries, o.max_flows,
		      (unsigned long long)delta(ES_CNT_FLOW_NEW),
		      (unsigned long long)delta(ES_CNT_FLOW_NOT_TRACKED),
		      (unsigned long long)evicted, (unsigned long long)kept,
		      (unsigned long long)(mem >> 10), bpf_map__value_size(flows_map()));
	assert_int_equal(delta(ES_CNT_PACKETS), CONNECTIONS);
	assert_int_equal(delta(ES_CNT_MONITORED), CONNECTIONS);
	/* every new connection is counted: tracked, or not tracked */
	assert_int_equal(delta(ES_CNT_FLOW_NEW) + delta(ES_CNT_FLOW_NOT_TRACKED), CONNECTIONS);
	assert_true(entries <= o.max_flows);
	assert_true(entries >= o.max_flows / 2);   /* the table is used, not emptied */
	assert_int_equal(evicted, 1000);
	assert_true(kept >= 990);                  /* LRU: the newest survive */
	/* the bound: entries x (key + value) plus the hash table's overhead */
	assert_true(mem <= (uint64_t)o.max_flows *
			   (sizeof(struct es_flow_key) + bpf_map__value_size(flows_map()) + 128) * 2);
	free(value);
	unload();
}

/* Segments of `seg` bytes ("UNH+...'" style), as many as fit in n bytes. */
static size_t tiny_segments(char *out, size_t n, unsigned *count)
{
	static const char seg[] = "DTM+137:2024'";   /* 13 bytes */
	size_t k = 0;

	while (k + sizeof(seg) - 1 <= n) {
		memcpy(out + k, seg, sizeof(seg) - 1);
		k += sizeof(seg) - 1;
		(*count)++;
	}
	return k;
}

static int count_record(void *ctx, void *data, size_t len)
{
	static struct es_event ev;
	uint64_t *events = ctx;
	struct ring_reader r;
	int n;

	ring_reader_init(&r, data, len);
	while ((n = ring_reader_next(&r, &ev)) > 0)
		(*events)++;
	return n;
}

/* Nobody drains the ring while a million tiny segments arrive. */
static void test_ringbuf_full_counted(void **state)
{
	static const char head[] = "UNA:+.? 'UNB+UNOC:3+S:ZZ+R:ZZ+240101:1200+1'UNH+1+CUSCAR:D:95B:UN'";
	struct sensor_bpf_opts o = { 0 };
	char payload[MSS];
	unsigned segs = 0;
	uint32_t seq = 1;
	uint64_t drained = 0, mem;
	struct ring_buffer *rb;

	(void)state;
	NEED_ROOT();
	assert_int_equal(load(&o), 0);
	mark();
	send_pkt(41000, seq++, 0x02, NULL, 0);
	send_pkt(41000, seq, 0, head, sizeof(head) - 1);
	seq += sizeof(head) - 1;
	while (segs < CONNECTIONS) {
		size_t n = tiny_segments(payload, sizeof(payload), &segs);

		send_pkt(41000, seq, 0, payload, n);
		seq += (uint32_t)n;
	}
	rb = ring_buffer__new(sensor_bpf_events_fd(sb), count_record, &drained, NULL);
	assert_non_null(rb);
	while (ring_buffer__consume(rb) > 0)
		;
	mem = map_memlock(sensor_bpf_events_fd(sb));
	print_message("flood: %llu tiny segments undrained: events written %llu, lost (ringbuf_full) "
		      "%llu, drained afterwards %llu, ring memlock %llu KiB\n",
		      (unsigned long long)delta(ES_CNT_SEGMENTS),
		      (unsigned long long)delta(ES_CNT_EVENTS),
		      (unsigned long long)delta(ES_CNT_RINGBUF_FULL), (unsigned long long)drained,
		      (unsigned long long)(mem >> 10));
	assert_true(delta(ES_CNT_RINGBUF_FULL) > 0);
	/* every event produced is either in the ring or counted as lost */
	assert_int_equal(delta(ES_CNT_EVENTS) + delta(ES_CNT_RINGBUF_FULL), delta(ES_CNT_SEGMENTS));
	assert_int_equal(drained, delta(ES_CNT_EVENTS));
	assert_true(mem <= 2ull * ES_RINGBUF_BYTES);
	ring_buffer__free(rb);
	unload();
}

struct seg_stats {
	uint64_t events, max_data, max_seg_len, truncated;
	uint64_t unb_after;    /* stream offset of the last UNB seen */
};

static int seg_record(void *ctx, void *data, size_t len)
{
	static struct es_event e;
	const struct es_event *ev = &e;
	struct seg_stats *st = ctx;
	struct ring_reader r;
	int n;

	ring_reader_init(&r, data, len);
	while ((n = ring_reader_next(&r, &e)) > 0) {
		if (ev->type == ES_EV_SEGMENT) {
			st->events++;
			if (ev->data_len > st->max_data)
				st->max_data = ev->data_len;
			if (ev->seg_len > st->max_seg_len)
				st->max_seg_len = ev->seg_len;
			st->truncated += !!(ev->flags & ES_SEGF_TRUNCATED);
			if (ev->data_len >= 4 && !memcmp(ev->data, "UNB+", 4))
				st->unb_after = ev->stream_off;
		}
	}
	return n;
}

/* An interchange whose FTX segment has `body` bytes of 'A' and no
 * terminator for that long, then a second interchange. */
static uint8_t *long_segment_stream(size_t body, size_t *len)
{
	static const char head[] = "UNB+UNOC:3+S:ZZ+R:ZZ+240101:1200+1'UNH+1+CUSCAR:D:95B:UN'FTX+AAA+++";
	static const char tail[] = "'UNT+3+1'UNZ+1+1'UNB+UNOC:3+S:ZZ+R:ZZ+240101:1200+2'UNH+2+"
				   "CUSCAR:D:95B:UN'UNT+2+2'UNZ+1+2'";
	uint8_t *s = malloc(sizeof(head) + body + sizeof(tail));

	assert_non_null(s);
	memcpy(s, head, sizeof(head) - 1);
	memset(s + sizeof(head) - 1, 'A', body);
	memcpy(s + sizeof(head) - 1 + body, tail, sizeof(tail) - 1);
	*len = sizeof(head) - 1 + body + sizeof(tail) - 1;
	return s;
}

/* Streams s in MSS packets after a SYN, draining the ring after each like
 * replay does. */
static void stream_through(uint16_t sport, const uint8_t *s, size_t total, struct seg_stats *st)
{
	struct ring_buffer *rb = ring_buffer__new(sensor_bpf_events_fd(sb), seg_record, st, NULL);
	uint32_t seq = 1;

	assert_non_null(rb);
	send_pkt(sport, seq++, 0x02, NULL, 0);
	for (size_t sent = 0; sent < total;) {
		size_t n = total - sent < MSS ? total - sent : MSS;

		send_pkt(sport, seq, 0, s + sent, n);
		seq += (uint32_t)n;
		sent += n;
		ring_buffer__consume(rb);
	}
	ring_buffer__free(rb);
}

static void test_ten_megabyte_segment(void **state)
{
	struct sensor_bpf_opts o = { 0 };
	struct seg_stats st = { 0 };
	const size_t ten_mb = 10u << 20, mid = ES_SEG_LIMIT / 2;
	struct harness h;
	uint8_t *stream;
	size_t len;

	(void)state;
	NEED_ROOT();
	assert_int_equal(load(&o), 0);

	/* longer than ES_SEG_MAX, shorter than ES_SEG_LIMIT: truncated, flagged,
	 * and the same as the host build of the scanner finds */
	stream = long_segment_stream(mid, &len);
	harness_init(&h);
	harness_packet(&h, stream, len);
	mark();
	stream_through(42000, stream, len, &st);
	assert_int_equal(st.events, h.n);
	assert_int_equal(st.truncated, h.n_trunc);
	harness_free(&h);
	free(stream);
	print_message("flood: %zu-byte segment: max event data %llu, seg_len %llu, truncated %llu\n",
		      mid, (unsigned long long)st.max_data, (unsigned long long)st.max_seg_len,
		      (unsigned long long)delta(ES_CNT_SEG_TRUNCATED));
	assert_int_equal(st.max_data, ES_SEG_MAX);
	assert_int_equal(st.max_seg_len, 10 + mid + 1);   /* FTX+AAA+++ + body + ' */
	assert_int_equal(st.truncated, 1);
	assert_int_equal(delta(ES_CNT_SEG_TRUNCATED), 1);
	assert_int_equal(delta(ES_CNT_RINGBUF_FULL), 0);

	/* 10 MB without a terminator: abandoned as garbage, next interchange found */
	memset(&st, 0, sizeof(st));
	stream = long_segment_stream(ten_mb, &len);
	mark();
	stream_through(42001, stream, len, &st);
	free(stream);
	print_message("flood: 10 MB segment: %llu events, max event data %llu, max seg_len %llu, "
		      "resyncs %llu, second interchange found at offset %llu\n",
		      (unsigned long long)st.events, (unsigned long long)st.max_data,
		      (unsigned long long)st.max_seg_len,
		      (unsigned long long)delta(ES_CNT_SCAN_RESYNC), (unsigned long long)st.unb_after);
	assert_true(st.max_data <= ES_SEG_MAX);
	assert_true(st.max_seg_len <= ES_SEG_LIMIT);
	assert_true(delta(ES_CNT_SCAN_RESYNC) >= 1);
	assert_true(st.unb_after > ten_mb);       /* the scanner found its way back */
	assert_int_equal(delta(ES_CNT_RINGBUF_FULL), 0);
	unload();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_million_connections_lru),
		cmocka_unit_test(test_ringbuf_full_counted),
		cmocka_unit_test(test_ten_megabyte_segment),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
