/*
 * bench-xdp: the XDP program's cost with BPF_PROG_TEST_RUN, against
 * baselines measured in the same run:
 *
 *   xdp_non_edi_vs_pass_ratio  ns per non-EDI TCP frame (an unmonitored
 *                              port) / ns of an empty XDP_PASS program
 *   xdp_edi_ns_per_byte        ns per payload byte of a CUSCAR stream in
 *                              1448-byte frames, default forwarded tags
 *   xdp_edi_vs_naive_ratio     the same / a naive one-byte-per-iteration
 *                              scanner doing the same job on the same frames
 *                              (bpf/bench_naive.bpf.c: bench_naive collects
 *                              and forwards segments byte by byte)
 *   xdp_edi_vs_count_loop_ratio  the same / the bare byte loop that only
 *                              counts terminators (bench_count): the floor
 *                              of any one-byte-per-iteration scan
 *
 *   xdp_seek_ns_per_byte       ns per payload byte of a monitored stream
 *                              without EDI (the scanner seeking headers)
 *
 * With --tc, only the tc hook against XDP (tools/bench/bench_tc.sh):
 *
 *   tc_edi_vs_xdp_ratio        ns per payload byte of the CUSCAR stream
 *                              through the tc ingress program / through the
 *                              XDP program, same frames, passes interleaved
 *
 * The EDI frames carry one TCP stream in order, so every frame is run once
 * (repeat would make all but the first a retransmission); the per-run
 * timer overhead of BPF_PROG_TEST_RUN is measured with the empty program on
 * the same frames and taken off both sides of the ratio (printed too).
 *
 * BENCH_ALL_TAGS=1 forwards every segment, BENCH_TAGS=NAD,LOC only these
 * tags (and the service segments) instead of the default tags: the
 * sensor's time and ring bytes per frame with a sparse tag set.
 */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench_naive.skel.h"
#include "bench_pass.skel.h"
#include "config.h"
#include "counters.h"
#include "ring_record.h"
#include "sensor_bpf.h"
#include "../../tests/lib/frames.h"

#define MSS 1448
#define EDI_PORT 3305

struct stream {
	char *p;
	size_t n, cap;
};

static void put(struct stream *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct stream *s, const char *fmt, ...)
{
	va_list ap;
	int k;

	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(s->p + s->n, s->cap - s->n, fmt, ap);
		va_end(ap);
		if (k >= 0 && (size_t)k < s->cap - s->n)
			break;
		s->cap = s->cap ? s->cap * 2 : 1 << 20;
		s->p = realloc(s->p, s->cap);
		if (!s->p) {
			perror("realloc");
			exit(1);
		}
	}
	s->n += (size_t)k;
}

/* A cargo report as carriers send them: header, then consignments. */
static void cuscar(struct stream *s, unsigned msgs, unsigned consignments)
{
	static const char *const goods[] = {
		"HOUSEHOLD PLASTIC ARTICLES, KITCHENWARE?: BOWLS AND CUPS",
		"SPARE PARTS FOR AGRICULTURAL MACHINERY",
		"COTTON T-SHIRTS, KNITTED, MENS, 100?% COTTON",
		"FROZEN SHRIMPS, PEELED, 10 KG CARTONS",
	};
	static const char *const hs[] = { "392410", "843290", "610910", "030617" };
	unsigned seg;

	put(s, "UNA:+.? 'UNB+UNOC:3+CARRIER01:ZZZ+NLCUSTOMS:ZZZ+240101:1200+INT0001'\r\n");
	for (unsigned m = 1; m <= msgs; m++) {
		seg = 0;
		put(s, "UNH+%u+CUSCAR:D:95B:UN'\r\n", m); seg++;
		put(s, "BGM+85+MAN%06u+9'\r\nDTM+137:202401011200:203'\r\nRFF+AFB:MAN%06u'\r\n", m, m);
		put(s, "NAD+CA+CARRIER01::172'\r\nTDT+20+%03uW+1++MSK:172:20+++9321483:146:11:"
		       "MAERSK SEMBAWANG'\r\n", m % 900);
		put(s, "LOC+5+NLRTM'\r\nLOC+60+USNYC'\r\nDTM+132:202401151200:203'\r\n");
		seg += 8;
		for (unsigned c = 1; c <= consignments; c++) {
			unsigned g = (m + c) % 4;

			put(s, "CNI+%u+BL%06u%03u'\r\nRFF+BM:BL%06u%03u'\r\n", c, m, c, m, c);
			put(s, "NAD+CZ+++SHIPPER %u TRADING CO LTD+NO %u INDUSTRIAL ROAD+NINGBO++"
			       "315000+CN'\r\n", c, c * 7);
			put(s, "NAD+CN+++CONSIGNEE %u IMPORTS INC+%u HARBOR BLVD+NEWARK+NJ+07114+US'\r\n",
			    c, c * 11);
			put(s, "NAD+N1+++NOTIFY PARTY %u LLC+PO BOX %u+JERSEY CITY+NJ+07302+US'\r\n",
			    c, c * 13);
			put(s, "GID+1+%u:CT'\r\nFTX+AAA+++%s'\r\nMEA+WT+G+KGM:%u'\r\nCST++%s:HS'\r\n",
			    10 + c, goods[g], 1000 + c * 37, hs[g]);
			put(s, "EQD+CN+MSKU%07u+45G1:102:5'\r\nSEL+SL%07u+CA'\r\n", m * 1000 + c,
			    m * 1000 + c);
			seg += 12;
		}
		put(s, "CNT+16:%u'\r\nUNT+%u+%u'\r\n", consignments, seg + 2, m);
	}
	put(s, "UNZ+%u+INT0001'\r\n", msgs);
}

struct bench {
	struct sensor_bpf *sb;
	struct ring_buffer *rb;
	struct ring_buffer *naive_rb;
	struct bench_pass_bpf *pass;
	struct bench_naive_bpf *naive;
	uint8_t frame[FRAME_BUF];
	uint64_t events;
	uint64_t ring_bytes;      /* bytes of ring buffer output read */
};

static int count_events(void *ctx, void *data, size_t len)
{
	static struct es_event ev;
	struct bench *b = ctx;
	struct ring_reader r;

	b->ring_bytes += len;
	ring_reader_init(&r, data, len);
	while (ring_reader_next(&r, &ev) > 0)
		b->events++;
	return 0;
}

/* What the program being run must return: XDP_PASS, or TC_ACT_UNSPEC
 * while bench_tc() runs the tc program. */
static uint32_t expected_verdict = XDP_PASS;

/* Runs one frame `repeat` times; returns the kernel's ns per run. */
static int run(int fd, const uint8_t *f, size_t len, uint32_t repeat, uint64_t *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = (uint32_t)len,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	if (o.retval != expected_verdict)
		return -EPROTO;
	*ns = o.duration;
	return 0;
}

/*
 * Runs one frame `repeat` times; returns ns per run from this thread's CPU
 * time around the call (the test run executes in the calling thread). The
 * kernel's own duration is an integer (total / repeat, rounded down), too
 * coarse for a 6 ns program: 9 / 6 could be anything from 1.3 to 1.8. CPU
 * time, not wall time: on a shared machine the wall clock also counts the
 * time others had the CPU. With a million runs per call the call's own cost
 * is a few thousandths of a ns per run.
 */
static int run_cpu(int fd, const uint8_t *f, size_t len, uint32_t repeat, double *ns)
{
	struct timespec t0, t1;
	uint64_t unused;
	int err;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	err = run(fd, f, len, repeat, &unused);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	if (err)
		return err;
	*ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
	      (double)repeat;
	return 0;
}

static size_t tcp_frame(struct bench *b, uint16_t sport, uint16_t dport, uint32_t seq,
			uint8_t flags, const void *p, size_t n)
{
	struct frame_spec s = { .sport = sport, .dport = dport, .seq = seq, .tcp_flags = flags,
				.payload = p, .payload_len = n };

	return frame_build(&s, b->frame);
}

/* Non-EDI TCP frame on an unmonitored port: sensor vs empty program. */
static int bench_non_edi(struct bench *b, uint32_t repeat)
{
	char payload[MSS];
	double ns_sensor = 0, ns_pass = 0, best_s = 1e18, best_p = 1e18;
	size_t len;
	int err;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>"[i % 52];
	len = tcp_frame(b, 443, 50000, 1, 0, payload, sizeof(payload));
	/* best of a few rounds, interleaved, so both see the same machine state */
	for (int r = 0; r < 7; r++) {
		err = run_cpu(sensor_bpf_prog_fd(b->sb), b->frame, len, repeat, &ns_sensor);
		if (!err)
			err = run_cpu(bpf_program__fd(b->pass->progs.bench_pass), b->frame, len,
				       repeat, &ns_pass);
		if (err)
			return err;
		best_s = ns_sensor < best_s ? ns_sensor : best_s;
		best_p = ns_pass < best_p ? ns_pass : best_p;
	}
	if (best_p <= 0)
		best_p = 1e-3;   /* never divide by zero */
	printf("bench: xdp_non_edi_ns %.2f ns\n", best_s);
	printf("bench: xdp_pass_ns %.2f ns\n", best_p);
	printf("bench: xdp_non_edi_vs_pass_ratio %.2f\n", best_s / best_p);
	return 0;
}

/*
 * One pass of the stream through prog_fd, frame by frame, in order (a new
 * flow each pass: SYN first, untimed). Returns the summed ns.
 */
static int stream_pass(struct bench *b, int fd, const struct stream *s, uint16_t sport,
		       uint64_t *total)
{
	uint64_t ns;
	size_t len;
	int err;

	*total = 0;
	len = tcp_frame(b, sport, EDI_PORT, 999, 0x02, NULL, 0);
	err = run(fd, b->frame, len, 1, &ns);
	for (size_t at = 0; !err && at < s->n; at += MSS) {
		size_t k = s->n - at < MSS ? s->n - at : MSS;

		len = tcp_frame(b, sport, EDI_PORT, 1000 + (uint32_t)at, 0, s->p + at, k);
		err = run(fd, b->frame, len, 1, &ns);
		*total += ns;
		/* untimed: the daemon's side, reading in batches as a loaded
		 * daemon does (each read-to-empty costs the next packet a wakeup) */
		if ((at / MSS) % 64 == 63) {
			ring_buffer__consume(b->rb);
			ring_buffer__consume(b->naive_rb);
		}
	}
	len = tcp_frame(b, sport, EDI_PORT, 1000 + (uint32_t)s->n, 0x11, NULL, 0);
	if (!err)
		err = run(fd, b->frame, len, 1, &ns);
	ring_buffer__consume(b->rb);
	ring_buffer__consume(b->naive_rb);
	return err;
}

static int bench_edi(struct bench *b, unsigned passes)
{
	struct stream s = { 0 };
	uint64_t t_sensor, t_naive, t_count, t_pass, best_s = UINT64_MAX, best_n = UINT64_MAX;
	uint64_t best_c = UINT64_MAX, best_p = UINT64_MAX, frames;
	struct es_counters c0, c1;
	double sensor, naive, count;
	int err = 0;

	cuscar(&s, 40, 25);
	frames = (s.n + MSS - 1) / MSS;
	if (counters_read(sensor_bpf_counters_fd(b->sb), &c0))
		return -EIO;
	for (unsigned r = 0; !err && r < passes; r++) {
		err = stream_pass(b, sensor_bpf_prog_fd(b->sb), &s, (uint16_t)(30000 + r), &t_sensor);
		if (!err)
			err = stream_pass(b, bpf_program__fd(b->naive->progs.bench_naive), &s, 30000,
					  &t_naive);
		if (!err)
			err = stream_pass(b, bpf_program__fd(b->naive->progs.bench_count), &s, 30000,
					  &t_count);
		if (!err)
			err = stream_pass(b, bpf_program__fd(b->pass->progs.bench_pass), &s, 30000,
					  &t_pass);
		best_s = t_sensor < best_s ? t_sensor : best_s;
		best_n = t_naive < best_n ? t_naive : best_n;
		best_c = t_count < best_c ? t_count : best_c;
		best_p = t_pass < best_p ? t_pass : best_p;
	}
	if (err || counters_read(sensor_bpf_counters_fd(b->sb), &c1)) {
		free(s.p);
		return err ? err : -EIO;
	}
	/* the empty program on the same frames is the harness's own cost */
	sensor = (double)(best_s > best_p ? best_s - best_p : 1) / (double)s.n;
	naive = (double)(best_n > best_p ? best_n - best_p : 1) / (double)s.n;
	count = (double)(best_c > best_p ? best_c - best_p : 1) / (double)s.n;
	fprintf(stderr, "bench-xdp: CUSCAR stream %zu bytes, %llu frames of %d, %u passes; "
		"per pass %llu segments forwarded, %llu skipped, %llu events received "
		"(%.0f ring bytes per frame), %llu ring buffer losses\n", s.n,
		(unsigned long long)frames, MSS, passes,
		(unsigned long long)((c1.v[ES_CNT_SEGMENTS] - c0.v[ES_CNT_SEGMENTS]) / passes),
		(unsigned long long)((c1.v[ES_CNT_SEGMENTS_SKIPPED] - c0.v[ES_CNT_SEGMENTS_SKIPPED]) /
				     passes),
		(unsigned long long)(b->events / passes),
		(double)b->ring_bytes / (double)(passes * frames),
		(unsigned long long)(c1.v[ES_CNT_RINGBUF_FULL] - c0.v[ES_CNT_RINGBUF_FULL]));
	fprintf(stderr, "bench-xdp: raw ns per frame: sensor %.0f, naive %.0f, count loop %.0f, "
		"empty %.0f (taken off the others)\n", (double)best_s / (double)frames,
		(double)best_n / (double)frames, (double)best_c / (double)frames,
		(double)best_p / (double)frames);
	printf("bench: xdp_edi_ns_per_byte %.3f ns\n", sensor);
	printf("bench: xdp_naive_ns_per_byte %.3f ns\n", naive);
	printf("bench: xdp_count_loop_ns_per_byte %.3f ns\n", count);
	printf("bench: xdp_edi_vs_naive_ratio %.3f\n", sensor / naive);
	printf("bench: xdp_edi_vs_count_loop_ratio %.3f\n", sensor / count);
	free(s.p);
	return 0;
}

/* The same CUSCAR frames through the tc ingress program and the XDP
 * program, passes interleaved, best of each; both include the harness's
 * per-run cost, which the ratio keeps on both sides. */
static int bench_tc(struct bench *b, unsigned passes)
{
	int tc_fd = sensor_bpf_tc_prog_fd(b->sb, ES_HOOK_TC_INGRESS);
	int tc_cnt = sensor_bpf_tc_counters_fd(b->sb);
	uint64_t t, best_x = UINT64_MAX, best_t = UINT64_MAX;
	struct es_counters x0, x1, t0, t1;
	struct stream s = { 0 };
	double xdp, tc;
	int err = 0;

	cuscar(&s, 40, 25);
	if (counters_read(sensor_bpf_counters_fd(b->sb), &x0) ||
	    counters_read_at(tc_cnt, ES_TC_CNT_BASE(ES_HOOK_TC_INGRESS), &t0))
		return -EIO;
	for (unsigned r = 0; !err && r < passes; r++) {
		err = stream_pass(b, sensor_bpf_prog_fd(b->sb), &s, 31000, &t);
		best_x = t < best_x ? t : best_x;
		if (err)
			break;
		expected_verdict = (uint32_t)TC_ACT_UNSPEC;
		err = stream_pass(b, tc_fd, &s, 31000, &t);
		expected_verdict = XDP_PASS;
		best_t = t < best_t ? t : best_t;
	}
	if (!err && (counters_read(sensor_bpf_counters_fd(b->sb), &x1) ||
		     counters_read_at(tc_cnt, ES_TC_CNT_BASE(ES_HOOK_TC_INGRESS), &t1)))
		err = -EIO;
	free(s.p);
	if (err)
		return err;
	/* the same work on both sides, or the ratio means nothing */
	if (x1.v[ES_CNT_SEGMENTS] - x0.v[ES_CNT_SEGMENTS] !=
	    t1.v[ES_CNT_SEGMENTS] - t0.v[ES_CNT_SEGMENTS] ||
	    x1.v[ES_CNT_SEGMENTS] == x0.v[ES_CNT_SEGMENTS]) {
		fprintf(stderr, "bench-xdp: tc forwarded %llu segments, XDP %llu\n",
			(unsigned long long)(t1.v[ES_CNT_SEGMENTS] - t0.v[ES_CNT_SEGMENTS]),
			(unsigned long long)(x1.v[ES_CNT_SEGMENTS] - x0.v[ES_CNT_SEGMENTS]));
		return -EPROTO;
	}
	xdp = (double)best_x / (double)s.n;
	tc = (double)best_t / (double)s.n;
	fprintf(stderr, "bench-xdp: tc vs XDP: %zu bytes of CUSCAR, %u passes each, %llu "
		"segments per pass at both hooks\n", s.n, passes,
		(unsigned long long)((t1.v[ES_CNT_SEGMENTS] - t0.v[ES_CNT_SEGMENTS]) / passes));
	printf("bench: tc_edi_ns_per_byte %.3f ns\n", tc);
	printf("bench: tc_bench_xdp_edi_ns_per_byte %.3f ns\n", xdp);
	printf("bench: tc_edi_vs_xdp_ratio %.3f\n", tc / xdp);
	return 0;
}

static int skip_record(void *ctx, void *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return 0;
}

/* The naive scanner gets the same tags the sensor does. */
static int fill_naive_tags(struct bench *b, const struct config *cfg)
{
	int fd = bpf_map__fd(b->naive->maps.naive_tags);
	__u8 one = 1;

	for (size_t i = 0; i < cfg->n_tags; i++) {
		struct es_tag_key k = { 0 };

		memcpy(k.tag, cfg->tags[i], sizeof(k.tag));
		if (bpf_map_update_elem(fd, &k, &one, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* A monitored connection that carries no EDI: the scanner only seeks. */
static int bench_seek(struct bench *b)
{
	static const char page[] =
		"<tr><td class=\"item\">Invoice 2024-0042</td><td>Paid</td><td>EUR 1,200.00</td>"
		"<td><a href=\"/orders/view?id=42&amp;tab=lines\">Show lines</a></td></tr>\n";
	struct stream s = { 0 };
	uint64_t t_sensor, t_pass, best_s = UINT64_MAX, best_p = UINT64_MAX;
	int err = 0;

	put(&s, "HTTP/1.1 200 OK\r\nServer: Apache\r\nContent-Type: text/html; charset=UTF-8\r\n"
	       "Set-Cookie: SESSIONID=ABCDEF0123456789; Path=/; HttpOnly\r\n\r\n<html>");
	while (s.n < 400000)
		put(&s, "%s", page);
	for (int r = 0; !err && r < 3; r++) {
		err = stream_pass(b, sensor_bpf_prog_fd(b->sb), &s, (uint16_t)(20000 + r), &t_sensor);
		if (!err)
			err = stream_pass(b, bpf_program__fd(b->pass->progs.bench_pass), &s, 20000,
					  &t_pass);
		best_s = t_sensor < best_s ? t_sensor : best_s;
		best_p = t_pass < best_p ? t_pass : best_p;
	}
	if (!err)
		printf("bench: xdp_seek_ns_per_byte %.3f ns\n",
		       (double)(best_s > best_p ? best_s - best_p : 0) / (double)s.n);
	free(s.p);
	return err;
}

/* BENCH_TAGS=NAD,LOC: only these tags forwarded (and the service
 * segments, always): what a sparse tag set costs (the sensor's ring
 * bytes and time; the naive scanner keeps the defaults). */
static int set_bench_tags(struct bench *b, const char *list)
{
	char tags[64][4];
	size_t n = 0;

	memset(tags, 0, sizeof(tags));
	while (*list && n < 64) {
		size_t k = strcspn(list, ",");

		if (k == 0 || k > 3)
			return -EINVAL;
		memcpy(tags[n++], list, k);
		list += k + (list[k] == ',');
	}
	return sensor_bpf_set_tags(b->sb, (const char (*)[4])tags, n);
}

static int setup(struct bench *b)
{
	struct config cfg;
	struct sensor_bpf_opts o = { 0 };
	int err;

	config_defaults(&cfg);
	err = sensor_bpf_open_load(&b->sb, &o);
	if (!err)
		err = sensor_bpf_set_ports(b->sb, cfg.ports, cfg.n_ports);
	if (!err && getenv("BENCH_ALL_TAGS")) {
		static const char all[][4] = { "*" };
		err = sensor_bpf_set_tags(b->sb, all, 1);
	} else if (!err && getenv("BENCH_TAGS")) {
		err = set_bench_tags(b, getenv("BENCH_TAGS"));
	} else if (!err)
		err = sensor_bpf_set_tags(b->sb, cfg.tags, cfg.n_tags);
	b->rb = ring_buffer__new(sensor_bpf_events_fd(b->sb), count_events, b, NULL);
	b->pass = bench_pass_bpf__open_and_load();
	b->naive = bench_naive_bpf__open_and_load();
	if (!err && (!b->rb || !b->pass || !b->naive))
		err = -errno ? -errno : -EINVAL;
	if (!err)
		err = fill_naive_tags(b, &cfg);
	config_free(&cfg);
	if (err)
		return err;
	b->naive_rb = ring_buffer__new(bpf_map__fd(b->naive->maps.naive_events), skip_record, NULL,
				       NULL);
	return b->naive_rb ? 0 : -errno;
}

static void teardown(struct bench *b)
{
	ring_buffer__free(b->rb);
	ring_buffer__free(b->naive_rb);
	bench_naive_bpf__destroy(b->naive);
	bench_pass_bpf__destroy(b->pass);
	sensor_bpf_destroy(b->sb);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench-xdp [--repeat N] [--passes N] [--tc]\n"
		   "  --repeat N  runs per measurement of the non-EDI frame (default 1000000)\n"
		   "  --passes N  passes over the CUSCAR stream, best kept (default 5)\n"
		   "  --tc        only the tc hook against XDP on the CUSCAR stream\n"
		   "Prints `bench: NAME VALUE [UNIT]` lines. Needs root (BPF_PROG_TEST_RUN).\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "repeat", required_argument, NULL, 'r' },
		{ "passes", required_argument, NULL, 'p' },
		{ "tc", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct bench b;
	uint64_t repeat = 1000000, passes = 5;
	bool tc_only = false;
	int c, err;

	while ((c = getopt_long(argc, argv, "r:p:th", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			tc_only = true;
			break;
		case 'r':
			if (config_parse_u64(optarg, 1, 100000000, &repeat)) {
				fprintf(stderr, "bench-xdp: --repeat: 1..100000000\n");
				return 2;
			}
			break;
		case 'p':
			if (config_parse_u64(optarg, 1, 1000, &passes)) {
				fprintf(stderr, "bench-xdp: --passes: 1..1000\n");
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	err = setup(&b);
	if (err) {
		fprintf(stderr, "bench-xdp: loading the programs failed: %s (root needed)\n",
			strerror(-err));
		teardown(&b);
		return 1;
	}
	if (tc_only) {
		err = bench_tc(&b, (unsigned)passes);
	} else {
		err = bench_non_edi(&b, (uint32_t)repeat);
		if (!err)
			err = bench_edi(&b, (unsigned)passes);
		if (!err)
			err = bench_seek(&b);
	}
	if (err)
		fprintf(stderr, "bench-xdp: BPF_PROG_TEST_RUN failed: %s\n", strerror(-err));
	teardown(&b);
	return err ? 1 : 0;
}
