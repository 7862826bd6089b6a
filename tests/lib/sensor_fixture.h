/* Shared by the BPF_PROG_TEST_RUN fixtures: load the edisensor object with
 * one monitored port and every segment forwarded, and split a ring buffer
 * output (records of batched events) into fixed-size event slots. Header-only,
 * like frames.h. */
#ifndef EDISENSOR_TEST_SENSOR_FIXTURE_H
#define EDISENSOR_TEST_SENSOR_FIXTURE_H
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "counters.h"
#include "ring_record.h"
#include "sensor_bpf.h"
#include "frames.h"

/* Loads the object, monitors port, forwards every segment ("*"). 0 or -1
 * (the reason printed). */
static inline int fixture_load(struct sensor_bpf **sb, const struct sensor_bpf_opts *o,
			       uint16_t port)
{
	static const char all[][4] = { "*" };
	int err = sensor_bpf_open_load(sb, o);

	if (err) {
		fprintf(stderr, "loading the edisensor object failed: %s\n", strerror(-err));
		return -1;
	}
	err = sensor_bpf_set_ports(*sb, &port, 1);
	if (!err)
		err = sensor_bpf_set_tags(*sb, all, 1);
	return err ? -1 : 0;
}

/* A fixture group's setup: without root a loud skip (0, *sb stays NULL:
 * the tests skip), else fixture_load() and a ring buffer calling
 * on_record. 0 or -1. */
static inline int fixture_setup_ring(struct sensor_bpf **sb, struct ring_buffer **rb,
				     const struct sensor_bpf_opts *o, uint16_t port,
				     ring_buffer_sample_fn on_record, const char *what)
{
	if (geteuid() != 0) {
		fprintf(stderr, "SKIPPED: %s need root (BPF_PROG_TEST_RUN)\n", what);
		return 0;
	}
	if (fixture_load(sb, o, port))
		return -1;
	*rb = ring_buffer__new(sensor_bpf_events_fd(*sb), on_record, NULL, NULL);
	return *rb ? 0 : -1;
}

/* Undoes fixture_setup_ring(); NULLs the pointers. */
static inline void fixture_free_ring(struct sensor_bpf **sb, struct ring_buffer **rb)
{
	ring_buffer__free(*rb);
	*rb = NULL;
	sensor_bpf_destroy(*sb);
	*sb = NULL;
}

/* Appends the events of one ring buffer output to out[*n] (at most max;
 * the rest are dropped). The reader's error when the output does not hold
 * whole, well-formed records. */
static inline int fixture_split_record(const void *data, size_t len, struct es_event *out,
				       size_t *n, size_t max)
{
	static struct es_event spare;
	struct ring_reader r;
	int k;

	ring_reader_init(&r, data, len);
	for (;;) {
		struct es_event *ev = *n < max ? &out[*n] : &spare;

		k = ring_reader_next(&r, ev);
		if (k <= 0)
			return k;
		memset(ev->data + ev->data_len, 0, sizeof(ev->data) - ev->data_len);
		if (*n < max)
			(*n)++;
	}
}

/* One IPv4 TCP packet (frames.h addresses) run through the XDP program,
 * built in frame (FRAME_BUF bytes): its verdict, or -errno. */
static inline int fixture_xdp_tcp(struct sensor_bpf *sb, uint8_t *frame, uint16_t sport,
				  uint16_t dport, uint32_t seq, uint8_t flags, const void *p,
				  size_t n)
{
	struct frame_spec s = { .sport = sport, .dport = dport, .seq = seq, .tcp_flags = flags,
				.payload = p, .payload_len = n };
	size_t len = frame_build(&s, frame);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (uint32_t)len,
		    .repeat = 1);

	if (bpf_prog_test_run_opts(sensor_bpf_prog_fd(sb), &opts))
		return -errno;
	return (int)opts.retval;
}

/* Growth of the XDP program's counter idx since the snapshot then
 * (counters_read); UINT64_MAX when the counters cannot be read, which no
 * expected value matches. */
static inline uint64_t fixture_counter_since(struct sensor_bpf *sb,
					     const struct es_counters *then, int idx)
{
	struct es_counters now;

	if (counters_read(sensor_bpf_counters_fd(sb), &now))
		return UINT64_MAX;
	return now.v[idx] - then->v[idx];
}

#endif
