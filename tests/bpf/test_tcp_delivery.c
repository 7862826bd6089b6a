/*
 * Property test of TCP delivery in the real XDP object (BPF_PROG_TEST_RUN):
 * one direction's EDI stream (EDIFACT with UNA and release characters,
 * EDIFACT with default separators, X12) sent under many seeded random
 * delivery schedules: segment sizes 1..1460, retransmissions of earlier
 * ranges (exact, partial overlap, covering several segments, reaching into
 * new data), swapped neighbours answered by the late segment or by a
 * coalesced retransmission over the hole and beyond, duplicates, and in
 * some schedules true losses and deeper reordering.
 *
 * Properties, checked on the ring buffer's events and the counters:
 *  - every schedule: no segment is emitted twice (by stream offset), each
 *    emitted segment's bytes are the stream's bytes at its offset, and
 *    REORDER_HELD = RELEASED + ABANDONED once the FIN ended the direction;
 *  - a schedule that delivers every byte with at most one segment early at
 *    a time (what the one-segment hold recovers: a model of the hold below,
 *    recoverable()): the segments equal the host scanner's on the stream,
 *    each once, in order, no GAP, nothing abandoned.
 * The same over the samples of $ROOT/../shared/samples as one stream (a
 * fifth as many schedules; skipped loudly without the folder).
 * Seeds are fixed (TCP_DELIVERY_SEED, TCP_DELIVERY_SCHEDULES change them);
 * a failing schedule is shrunk (packets removed while it still fails) and
 * printed. Needs root: skipped loudly without it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <dirent.h>
#include <limits.h>
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
#define MAX_PKTS 1024
#define DEFAULT_SEED 20261128u
#define DEFAULT_SCHEDULES 500
#define MAX_SEG_PAYLOAD 1460
#define HOLD_BYTES 2048        /* ES_HOLD_BYTES: larger early segments are not held */
#define HOLD_WAIT_PKTS 8       /* ES_HOLD_WAIT_PKTS (bpf/flow.h) */

static struct sensor_bpf *sb;
static struct ring_buffer *rb;
static struct es_event got[MAX_EVENTS];
static size_t n_got;
static int events_overflow;
static uint8_t frame[FRAME_BUF];

static const char BASE[] =
	EDI_STREAM_CUSCAR_TWO
	"UNB+UNOA:2+S+R+200101:1200+1'UNH+1+CUSCAR:D:95B:UN'"
	"FTX+AAA+++RELEASE?'S AND ?? QUESTION MARKS'UNT+3+1'UNZ+1+1'"
	"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
	"*240101*1200*U*00401*000000001*0*P*>~GS*IN*S*R*20240101*1200*1*X*004010~"
	"ST*309*0001~M10*SCAC*O*US*VESSEL NAME*123*N~P4*2704*20240101*Y~"
	"LX*1~M13*SCAC*2704*N*1~M11*BL123*2704*10*CT*500*K~N9*BM*BL123~"
	"SE*8*0001~GE*1*1~IEA*1*000000001~"
	"UNA:*.? $UNB*UNOC:3*S*R*200101:1200*2$UNH*7*CUSRES:D:96B:UN$"
	"BGM*962*REF?*1*9$FTX*AAA***TEXT?$WITH?*STARS$UNT*4*7$UNZ*1*2$"
	"UNA:+.? 'UNB+UNOC:3+SENDER:ZZ+CUSTOMS:ZZ+240102:0800+78'"
	"UNH+5+CUSCAR:D:95B:UN'BGM+85+MANIFEST2+9'"
	"NAD+CZ+++BETA?'S TRADING?+SONS+2 QUAY ST+HAMBURG++20457+DE'"
	"GID+1+40:PK'FTX+AAA+++MACHINE PARTS?: BEARINGS'CST++848210:HS'"
	"GID+2+5:PL'FTX+AAA+++STEEL ?+ IRON'CST++730890:HS'UNT+9+5'UNZ+1+78'";
#define BASE_COPIES 5
#define STREAM_MAX (64u << 10)

/* The stream of the schedules: BASE_COPIES copies of BASE (~6 KB, so that
 * most schedules have several packets of every size), or the samples. */
static char STREAM[STREAM_MAX];
static size_t STREAM_LEN;

static void stream_make(void)
{
	STREAM_LEN = 0;
	for (int i = 0; i < BASE_COPIES; i++) {
		memcpy(STREAM + STREAM_LEN, BASE, sizeof(BASE) - 1);
		STREAM_LEN += sizeof(BASE) - 1;
	}
}

static int is_sample(const struct dirent *de)
{
	size_t l = strlen(de->d_name);

	return l >= 4 && (!strcmp(de->d_name + l - 4, ".edi") || !strcmp(de->d_name + l - 4, ".x12"));
}

/* Every sample of $ROOT/../shared/samples, in name order, one stream (as
 * far as STREAM_MAX holds them): the number read, -1 without the folder. */
static int stream_samples(void)
{
	const char *root = getenv("ROOT");
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent **names;
	int n, used = 0;

	snprintf(dir, sizeof(dir), "%s/../shared/samples", root ? root : ".");
	n = scandir(dir, &names, is_sample, alphasort);
	if (n < 0)
		return -1;
	STREAM_LEN = 0;
	for (int i = 0; i < n; i++) {
		FILE *fp;
		size_t got_n;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		free(names[i]);
		fp = fopen(path, "rb");
		if (!fp)
			continue;
		got_n = fread(STREAM + STREAM_LEN, 1, STREAM_MAX - STREAM_LEN, fp);
		/* a sample that does not fit whole is left out */
		if (feof(fp) && !ferror(fp)) {
			STREAM_LEN += got_n;
			used++;
		}
		fclose(fp);
	}
	free(names);
	return used;
}

static int on_record(void *ctx, void *data, size_t len)
{
	(void)ctx;
	if (fixture_split_record(data, len, got, &n_got, MAX_EVENTS))
		events_overflow = 1;
	return 0;
}

static int setup(void **state)
{
	struct sensor_bpf_opts o = { 0 };

	(void)state;
	return fixture_setup_ring(&sb, &rb, &o, PORT, on_record, "TCP delivery properties");
}

static int teardown(void **state)
{
	(void)state;
	fixture_free_ring(&sb, &rb);
	return 0;
}

/* One packet of a schedule: stream bytes [a, b). */
struct pkt {
	uint32_t a, b;
};

struct schedule {
	struct pkt p[MAX_PKTS];
	size_t n;
	uint32_t isn;           /* the SYN's sequence number */
};

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: a fixed, portable sequence per seed */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static uint32_t rng_below(uint64_t *s, uint32_t n)
{
	return n ? (uint32_t)(rng_next(s) % n) : 0;
}

static void add_pkt(struct schedule *sc, uint32_t a, uint32_t b)
{
	if (sc->n < MAX_PKTS && a < b)
		sc->p[sc->n++] = (struct pkt){ a, b };
}

static uint32_t min_u32(uint32_t x, uint32_t y)
{
	return x < y ? x : y;
}

/* A retransmission of bytes before `hi` (exact piece, part of one, several),
 * reaching up to `beyond` bytes into new data. */
static void add_retrans(struct schedule *sc, uint64_t *s, uint32_t hi, uint32_t beyond)
{
	uint32_t a, b;

	if (!hi)
		return;
	if (sc->n && rng_below(s, 3) == 0) {
		/* an earlier packet again, exactly */
		struct pkt q = sc->p[rng_below(s, (uint32_t)sc->n)];

		if (q.b <= hi)
			add_pkt(sc, q.a, q.b);
		return;
	}
	a = rng_below(s, hi);
	b = min_u32(a + 1 + rng_below(s, MAX_SEG_PAYLOAD), hi + beyond);
	add_pkt(sc, a, min_u32(b, STREAM_LEN));
}

/*
 * Schedule `idx` of the seed: the stream cut at random sizes, each piece
 * sent in order, swapped with its successor (the late one then sent as it
 * was or as a coalesced retransmission over the hole and beyond), or
 * followed by retransmissions and duplicates; one schedule in four may
 * also lose a piece or reorder three.
 */
static void schedule_make(struct schedule *sc, uint32_t seed, uint32_t idx)
{
	uint64_t s = ((uint64_t)seed << 32 | idx) * 0x9E3779B97F4A7C15ull | 1;
	static uint32_t cut[STREAM_MAX + 1];
	uint32_t k = 0, pos = 0, i = 0;
	int lossy;

	for (int w = 0; w < 4; w++)
		rng_next(&s);
	sc->n = 0;
	sc->isn = rng_below(&s, 4) == 0 ? 0xFFFFFFFFu - rng_below(&s, 6000) : (uint32_t)rng_next(&s);
	lossy = rng_below(&s, 4) == 0;
	while (pos < STREAM_LEN) {
		uint32_t r = rng_below(&s, 10), len;

		len = 1 + (r < 5 ? rng_below(&s, 40) : r < 8 ? rng_below(&s, 300) :
			   rng_below(&s, MAX_SEG_PAYLOAD));
		cut[k++] = pos;
		pos = min_u32(pos + len, STREAM_LEN);
	}
	cut[k] = STREAM_LEN;
	while (i < k) {
		uint32_t r = rng_below(&s, 100);

		if (r < 55) {
			add_pkt(sc, cut[i], cut[i + 1]);
			i++;
		} else if (r < 72 && i + 1 < k) {
			uint32_t extras = rng_below(&s, 3);

			add_pkt(sc, cut[i + 1], cut[i + 2]);
			for (uint32_t e = 0; e < extras; e++) {
				if (rng_below(&s, 2))
					add_retrans(sc, &s, cut[i], 0);
				else
					add_pkt(sc, cut[i + 1], cut[i + 2]);   /* the early one again */
			}
			if (rng_below(&s, 2))
				add_pkt(sc, cut[i], cut[i + 1]);
			else   /* coalesced: the hole, the early piece and maybe more */
				add_pkt(sc, cut[i], min_u32(cut[i + 2] + rng_below(&s, 200),
							   min_u32(cut[i] + 4000, STREAM_LEN)));
			i += 2;
		} else if (r < 85) {
			add_retrans(sc, &s, cut[i], rng_below(&s, 3) == 0 ? rng_below(&s, 300) : 0);
		} else if (r < 92) {
			if (sc->n)
				add_pkt(sc, sc->p[sc->n - 1].a, sc->p[sc->n - 1].b);
		} else if (lossy && r < 95) {
			i++;   /* lost for good */
		} else if (lossy && r < 97 && i + 2 < k) {
			add_pkt(sc, cut[i + 2], cut[i + 3]);
			add_pkt(sc, cut[i + 1], cut[i + 2]);
			add_pkt(sc, cut[i], cut[i + 1]);
			i += 3;
		} else if (lossy && i + 1 < k) {
			/* a second early packet while one is held: starting in
			 * the hole, or from inside the held one past its end */
			add_pkt(sc, cut[i + 1], cut[i + 2]);
			if (r < 99)
				add_pkt(sc, cut[i] + 1 + rng_below(&s, cut[i + 1] - cut[i]),
					min_u32(cut[i + 1] + rng_below(&s, cut[i + 2] - cut[i + 1] + 100),
						STREAM_LEN));
			else
				add_pkt(sc, cut[i + 1] + rng_below(&s, cut[i + 2] - cut[i + 1]),
					min_u32(cut[i + 2] + 1 + rng_below(&s, 300), STREAM_LEN));
			add_pkt(sc, cut[i], cut[i + 1]);
			i += 2;
		} else {
			add_pkt(sc, cut[i], cut[i + 1]);
			i++;
		}
	}
}

/*
 * Model of what the one-segment hold recovers: every byte delivered, at
 * most one packet early at a time (a copy of it is not another), none
 * larger than the hold, each hole filled before HOLD_WAIT_PKTS packets
 * in a row brought nothing new.
 */
static int recoverable(const struct schedule *sc)
{
	uint32_t next = 0, ea = 0, eb = 0, waits = 0;
	int early = 0;

	for (size_t i = 0; i < sc->n; i++) {
		uint32_t a = sc->p[i].a, b = sc->p[i].b, before = next;

		if (a <= next) {
			if (b > next)
				next = b;
			if (early && next >= ea) {
				if (eb > next)
					next = eb;
				early = 0;
			}
		} else if (early) {
			if (a < ea || b > eb)
				return 0;   /* a second early packet */
		} else {
			if (b - a > HOLD_BYTES)
				return 0;
			early = 1;
			ea = a;
			eb = b;
			waits = 0;
			continue;
		}
		if (early && next == before && ++waits >= HOLD_WAIT_PKTS)
			return 0;
	}
	return !early && next == STREAM_LEN;
}

static void schedule_print(const struct schedule *sc, const char *what)
{
	fprintf(stderr, "%s: isn %" PRIu32 ", %zu packets (stream [a,b) offsets):", what, sc->isn,
		sc->n);
	for (size_t i = 0; i < sc->n; i++)
		fprintf(stderr, "%s[%" PRIu32 ",%" PRIu32 ")", i % 8 ? " " : "\n  ", sc->p[i].a,
			sc->p[i].b);
	fprintf(stderr, "\n");
}

static struct harness want;   /* the host scanner's segments of STREAM */
static uint64_t sum_released, sum_abandoned, sum_gaps, sum_overlap;   /* over the run */
static uint16_t next_port = 20000;

static int send_one(uint16_t port, uint32_t seq, uint8_t flags, const void *p, size_t n)
{
	int rc = fixture_xdp_tcp(sb, frame, port, PORT, seq, flags, p, n);

	ring_buffer__consume(rb);
	return rc == XDP_PASS ? 0 : -1;
}

#define FAILF(...) do { snprintf(why, why_len, __VA_ARGS__); return 1; } while (0)

/* Runs the schedule on a fresh connection: 0 when every property holds,
 * else 1 with the first broken one in why. */
static int schedule_run(const struct schedule *sc, char *why, size_t why_len)
{
	struct es_counters before;
	uint16_t port = next_port;
	uint64_t held, released, abandoned, gaps;
	size_t k = 0, n_gap = 0;
	uint64_t last_off = 0;
	int strict = recoverable(sc), have_seg = 0;

	next_port = next_port >= 60000 ? 20000 : next_port + 1;
	n_got = 0;
	events_overflow = 0;
	if (counters_read(sensor_bpf_counters_fd(sb), &before))
		FAILF("counters unreadable");
	if (send_one(port, sc->isn, 0x02, NULL, 0))
		FAILF("SYN not passed");
	for (size_t i = 0; i < sc->n; i++)
		if (send_one(port, sc->isn + 1 + sc->p[i].a, 0, STREAM + sc->p[i].a,
			     sc->p[i].b - sc->p[i].a))
			FAILF("packet %zu not passed", i);
	if (send_one(port, sc->isn + 1 + (uint32_t)STREAM_LEN, 0x11, NULL, 0))
		FAILF("FIN not passed");
	if (events_overflow)
		FAILF("more than %d events", MAX_EVENTS);
	held = fixture_counter_since(sb, &before, ES_CNT_REORDER_HELD);
	released = fixture_counter_since(sb, &before, ES_CNT_REORDER_RELEASED);
	abandoned = fixture_counter_since(sb, &before, ES_CNT_REORDER_ABANDONED);
	gaps = fixture_counter_since(sb, &before, ES_CNT_GAP);
	sum_released += released;
	sum_abandoned += abandoned;
	sum_gaps += gaps;
	sum_overlap += fixture_counter_since(sb, &before, ES_CNT_OVERLAP);
	if (held != released + abandoned)
		FAILF("reorder_held %" PRIu64 " != released %" PRIu64 " + abandoned %" PRIu64,
		      held, released, abandoned);
	for (size_t i = 0; i < n_got; i++) {
		const struct es_event *ev = &got[i];

		if (ev->type == ES_EV_GAP)
			n_gap++;
		if (ev->type != ES_EV_SEGMENT)
			continue;
		for (size_t j = 0; j < i; j++)
			if (got[j].type == ES_EV_SEGMENT && got[j].stream_off == ev->stream_off)
				FAILF("segment at offset %" PRIu64 " emitted twice (events %zu, %zu)"
				      " '%.*s'", (uint64_t)ev->stream_off, j, i, ev->data_len,
				      ev->data);
		if (ev->stream_off + ev->data_len > STREAM_LEN ||
		    memcmp(ev->data, STREAM + ev->stream_off, ev->data_len) != 0)
			FAILF("segment at offset %" PRIu64 " '%.*s' is not the stream's bytes there",
			      (uint64_t)ev->stream_off, ev->data_len, ev->data);
		if (strict) {
			const struct hseg *h = &want.segs[k];

			if (k >= want.n)
				FAILF("extra segment at %" PRIu64 " '%.*s'",
				      (uint64_t)ev->stream_off, ev->data_len, ev->data);
			if (ev->stream_off != h->off || ev->seg_len != h->seg_len ||
			    ev->data_len != h->data_len || ev->syntax != h->syntax ||
			    memcmp(ev->data, h->data, h->data_len) != 0)
				FAILF("segment %zu: got off %" PRIu64 " '%.*s', want off %" PRIu64
				      " '%.*s'", k, (uint64_t)ev->stream_off, ev->data_len,
				      ev->data, h->off, h->data_len, h->data);
			if (have_seg && ev->stream_off <= last_off)
				FAILF("segment %zu out of order", k);
		}
		have_seg = 1;
		last_off = ev->stream_off;
		k++;
	}
	if (!n_got || got[n_got - 1].type != ES_EV_FLOW_END)
		FAILF("no FLOW_END last");
	if (strict) {
		if (k != want.n)
			FAILF("%zu segments, want %zu", k, want.n);
		if (n_gap || gaps)
			FAILF("%zu GAP events (%" PRIu64 " counted) in a recoverable schedule",
			      n_gap, gaps);
		if (abandoned)
			FAILF("%" PRIu64 " held segments abandoned in a recoverable schedule",
			      abandoned);
		if (got[n_got - 1].stream_off != STREAM_LEN)
			FAILF("FLOW_END at %" PRIu64 ", want %zu",
			      (uint64_t)got[n_got - 1].stream_off, STREAM_LEN);
	}
	return 0;
}

/* Packets removed one at a time while the schedule still fails. */
static void schedule_shrink(struct schedule *sc, char *why, size_t why_len)
{
	static struct schedule t;
	char w[512];
	int progress = 1, runs = 0;

	while (progress && runs < 3000) {
		progress = 0;
		for (size_t i = 0; i < sc->n && runs < 3000; i++) {
			t = *sc;
			memmove(&t.p[i], &t.p[i + 1], (t.n - i - 1) * sizeof(t.p[0]));
			t.n--;
			runs++;
			if (schedule_run(&t, w, sizeof(w))) {
				*sc = t;
				snprintf(why, why_len, "%s", w);
				progress = 1;
				i--;
			}
		}
	}
}

static uint32_t env_u32(const char *name, uint32_t dflt)
{
	const char *v = getenv(name);
	char *end;
	unsigned long x;

	if (!v || !*v)
		return dflt;
	errno = 0;
	x = strtoul(v, &end, 0);
	if (errno || *end || x > UINT32_MAX) {
		fprintf(stderr, "%s=%s is not a number: using %u\n", name, v, dflt);
		return dflt;
	}
	return (uint32_t)x;
}

/* count schedules of the seed over STREAM, each checked; failure:
 * shrunk, printed, failed. */
static void run_schedules(const char *what, uint32_t seed, uint32_t count)
{
	static struct schedule sc;
	uint32_t n_strict = 0, n_lossy = 0;
	size_t pkts = 0;
	char why[512];

	harness_init(&want);
	harness_packet(&want, (const uint8_t *)STREAM, STREAM_LEN);
	assert_true(want.n > 40);
	sum_released = sum_abandoned = sum_gaps = sum_overlap = 0;
	fprintf(stderr, "tcp delivery (%s): seed %u, %u schedules (TCP_DELIVERY_SEED, "
		"TCP_DELIVERY_SCHEDULES), stream %zu bytes, %zu segments\n", what, seed, count,
		STREAM_LEN, want.n);
	for (uint32_t idx = 0; idx < count; idx++) {
		schedule_make(&sc, seed, idx);
		pkts += sc.n;
		if (recoverable(&sc))
			n_strict++;
		else
			n_lossy++;
		if (schedule_run(&sc, why, sizeof(why))) {
			fprintf(stderr, "%s: seed %u schedule %u fails: %s\n", what, seed, idx, why);
			schedule_print(&sc, "schedule");
			schedule_shrink(&sc, why, sizeof(why));
			schedule_print(&sc, "shrunk");
			harness_free(&want);
			fail_msg("%s: seed %u schedule %u (shrunk to %zu packets, %s): %s", what,
				 seed, idx, sc.n, recoverable(&sc) ? "recoverable" : "lossy", why);
		}
	}
	fprintf(stderr, "tcp delivery (%s): %u schedules passed (%u recoverable, %u with losses "
		"or deeper reordering), %zu packets\n", what, count, n_strict, n_lossy, pkts);
	fprintf(stderr, "tcp delivery (%s): held segments released %" PRIu64 ", abandoned %"
		PRIu64 ", gaps %" PRIu64 ", partial overlaps %" PRIu64 "\n", what, sum_released,
		sum_abandoned, sum_gaps, sum_overlap);
	harness_free(&want);
	/* both kinds of schedule and every path of the hold were exercised */
	if (count >= 50) {
		assert_true(n_strict >= count / 4);
		assert_true(n_lossy >= count / 20);
		assert_true(sum_released > 0 && sum_abandoned > 0 && sum_gaps > 0 && sum_overlap > 0);
	}
}

static void test_delivery_schedules(void **state)
{
	(void)state;
	if (!sb) {
		print_message("SKIPPED: needs root\n");
		skip();
	}
	stream_make();
	run_schedules("built-in stream",
		      env_u32("TCP_DELIVERY_SEED", DEFAULT_SEED),
		      env_u32("TCP_DELIVERY_SCHEDULES", DEFAULT_SCHEDULES));
}

/* The samples as one stream (~35 KB): a fifth as many schedules. */
static void test_delivery_samples(void **state)
{
	int n;

	(void)state;
	if (!sb) {
		print_message("SKIPPED: needs root\n");
		skip();
	}
	n = stream_samples();
	if (n <= 0) {
		print_message("SKIPPED: no samples in $ROOT/../shared/samples (set ROOT to the "
			      "repository root)\n");
		skip();
	}
	fprintf(stderr, "tcp delivery: %d samples\n", n);
	run_schedules("samples", env_u32("TCP_DELIVERY_SEED", DEFAULT_SEED) + 1,
		      env_u32("TCP_DELIVERY_SCHEDULES", DEFAULT_SCHEDULES) / 5 + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delivery_schedules),
		cmocka_unit_test(test_delivery_samples),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
