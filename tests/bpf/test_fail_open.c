/* Fail-open proof: at least FAIL_OPEN_FRAMES (default 1,000,000) random
 * and mutated frames through the XDP program with BPF_PROG_TEST_RUN. Every
 * verdict must be XDP_PASS (inline mode) and the outcome counters must
 * partition the frames: their sum equals `packets` equals the number run.
 *
 * Frames: well-formed TCP/IPv4/IPv6 on monitored and other ports carrying
 * random bytes and EDI fragments (kept in per-flow sequence so the flow
 * tracker and scanner see streams), then mutated: truncations, bit flips,
 * absurd length fields, deep VLAN stacks, long IPv6 extension chains, TCP
 * options of every length and kind, pure random bytes, jumbo frames.
 *
 * The counters are checked after every batch of BATCH frames; a batch that
 * does not add up is replayed frame by frame to name the first bad frame.
 * FAIL_OPEN_SEED and FAIL_OPEN_FRAMES override the defaults. The default
 * seed is fixed (DEFAULT_SEED), as for the fuzzers in CI: the suite is
 * repeatable and a new finding never turns it red by chance; other seeds
 * are for runs by hand (FAIL_OPEN_SEED=$(date +%s)).
 *
 * The same generator then feeds the tc programs (ingress and egress,
 * FAIL_OPEN_TC_FRAMES each, default 250,000): every verdict TC_ACT_UNSPEC
 * and each hook's outcome counters sum to the frames it ran (frames the
 * kernel refuses to turn into an skb for a test run are counted apart).
 * Needs root. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "counters.h"
#include "sensor_bpf.h"
#include "../lib/frames.h"

#define DEFAULT_FRAMES 1000000ull
#define DEFAULT_SEED 20261128ull   /* fixed: see the header comment */
#define BATCH 4096u
#define ETH_MIN 14u              /* BPF_PROG_TEST_RUN refuses shorter XDP input */
#define JUMBO 9000u
#define N_FLOWS 97u              /* concurrent streams the generator keeps */

static struct sensor_bpf *sb;

static int setup(void **state)
{
	static const uint16_t ports[] = { ES_DEFAULT_PORTS };
	static const char tags[][4] = { "NAD", "CST", "EQD", "N1", "N10", "FTX", "M10" };
	struct sensor_bpf_opts o = { 0 };
	int err;

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "SKIPPED: the fail-open proof needs root (BPF_PROG_TEST_RUN)\n");
		return 0;
	}
	err = sensor_bpf_open_load(&sb, &o);
	if (err) {
		fprintf(stderr, "loading the XDP object failed: %s\n", strerror(-err));
		return -1;
	}
	err = sensor_bpf_set_ports(sb, ports, sizeof(ports) / sizeof(ports[0]));
	if (!err)
		err = sensor_bpf_set_tags(sb, tags, sizeof(tags) / sizeof(tags[0]));
	return err;
}

static int teardown(void **state)
{
	(void)state;
	sensor_bpf_destroy(sb);
	return 0;
}

/* ---- deterministic random numbers (xorshift64*) -------------------------- */

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static int chance(unsigned percent)
{
	return below(100) < percent;
}

/* ---- payloads ---------------------------------------------------------- */

/* Pieces of real interchange syntax, so random payloads reach the scanner's
 * states: envelopes, separators, release characters, service segments. */
static const char *const edi_bits[] = {
	"UNA:+.? '", "UNA^*.? $", "UNA:+.?*'", "\xef\xbb\xbfUNB+", "UNB+UNOC:3+SENDER:ZZ+RECV:ZZ+240101:1200+1'",
	"UNH+1+CUSCAR:D:95B:UN'", "UNH+", "UNT+5+1'", "UNZ+1+1'", "UNG+", "UNE+1+1'",
	"NAD+CZ+123456789::9++ACME?'S?:LTD'", "CST++950300'", "EQD+CN+MSCU1234565'",
	"FTX+AAA+++PLASTICS?:ARTICLES'", "?", "??", "?'", "'", "+", ":", "\r\n", "\n",
	"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*U*00401*000000001*0*P*>~",
	"ISA|00|", "GS*SO*S*R*20240101*1200*1*X*004010~", "ST*309*0001~", "N1*SH*ACME~",
	"N10*1*PLASTIC TOYS*J*950300~", "SE*5*0001~", "GE*1*1~", "IEA*1*000000001~",
	"ISA*", "UN", "UNB", "IS", "\x7f", "\x15", "\0",
};

static size_t fill_payload(uint8_t *p, size_t cap)
{
	size_t n = 0, want = below(5) ? below(600) : below((uint32_t)cap);

	if (want > cap)
		want = cap;
	while (n < want) {
		if (chance(60)) {
			const char *b = edi_bits[below(sizeof(edi_bits) / sizeof(edi_bits[0]))];
			size_t l = strlen(b) ? strlen(b) : 1;

			if (l > want - n)
				l = want - n;
			memcpy(p + n, b, l);
			n += l;
		} else if (chance(30)) {  /* a long run with no terminator */
			size_t l = below(3000);

			if (l > want - n)
				l = want - n;
			memset(p + n, "A+:?"[below(4)], l);
			n += l;
		} else {
			size_t l = below(64);

			if (l > want - n)
				l = want - n;
			for (size_t i = 0; i < l; i++)
				p[n + i] = (uint8_t)rnd();
			n += l;
		}
	}
	return n;
}

/* ---- well-formed frames from a small pool of streams ------------------- */

struct stream {
	uint16_t sport, dport;
	uint32_t seq;
	int ipv6;
};

static struct stream streams[N_FLOWS];

static uint16_t some_port(void)
{
	static const uint16_t mon[] = { ES_DEFAULT_PORTS };

	if (chance(70))
		return mon[below(sizeof(mon) / sizeof(mon[0]))];
	return (uint16_t)rnd();
}

/* Where the headers of a built frame sit, for the mutators. */
struct layout {
	size_t l3, l4, payload;
	int ipv6;
};

static size_t build_stream_frame(uint8_t *buf, struct layout *lo)
{
	static uint8_t payload[JUMBO];
	struct stream *st = &streams[below(N_FLOWS)];
	struct frame_spec s = { 0 };
	size_t n, cap;

	if (!st->dport || chance(2)) {   /* new stream, sometimes reusing a 4-tuple */
		st->sport = (uint16_t)(1024 + below(60000));
		st->dport = some_port();
		st->seq = (uint32_t)rnd();
		st->ipv6 = chance(30);
		s.tcp_flags = 0x02;              /* SYN */
	}
	if (chance(50)) {                     /* server to client */
		s.sport = st->dport;
		s.dport = st->sport;
	} else {
		s.sport = st->sport;
		s.dport = st->dport;
	}
	s.ipv6 = st->ipv6;
	if (chance(20))
		s.vlan_tpid[0] = chance(50) ? 0x8100 : 0x88a8;
	if (s.vlan_tpid[0] && chance(30))
		s.vlan_tpid[1] = 0x8100;
	if (!s.ipv6 && chance(10))
		s.ip_opts_len = (uint8_t)(4 * below(11));
	if (s.ipv6 && chance(15)) {
		static const uint8_t ext[] = { 0, 43, 60, 44 };

		for (unsigned i = 0, k = below(4) + 1; i < k; i++)
			s.ext[i] = ext[below(4)];
	}
	if (chance(20))
		s.tcp_opts_len = (uint8_t)(4 * below(11));
	cap = chance(3) ? JUMBO - 200 : 1400;
	s.payload = payload;
	s.payload_len = s.tcp_flags ? 0 : fill_payload(payload, cap);
	/* mostly in order; sometimes a retransmission, an overlap or a gap */
	s.seq = st->seq;
	if (chance(5))
		s.seq -= below(3000);
	else if (chance(3))
		s.seq += below(100000);
	if (!s.tcp_flags && chance(2))
		s.tcp_flags = chance(50) ? 0x11 : 0x04;   /* FIN|ACK or RST */
	st->seq = s.seq + (uint32_t)s.payload_len + ((s.tcp_flags & 0x03) ? 1 : 0);

	n = frame_build(&s, buf);
	lo->ipv6 = s.ipv6;
	lo->l3 = 14 + 4 * (size_t)(!!s.vlan_tpid[0] + !!s.vlan_tpid[1]);
	if (!s.ipv6) {
		lo->l4 = lo->l3 + 20 + s.ip_opts_len;
	} else {
		size_t next = 0;

		while (next < 4 && s.ext[next])
			next++;
		lo->l4 = lo->l3 + 40 + 8 * next;
	}
	lo->payload = lo->l4 + 20 + s.tcp_opts_len;
	return n;
}

/* ---- mutators ---------------------------------------------------------- */

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Inserts k VLAN tags (any mix of 802.1Q and 802.1ad) after the MACs. */
static size_t deep_vlans(uint8_t *buf, size_t n, struct layout *lo)
{
	size_t k = 1 + below(24);

	if (n + 4 * k > FRAME_BUF)
		return n;
	memmove(buf + 12 + 4 * k, buf + 12, n - 12);
	for (size_t i = 0; i < k; i++) {
		put_be16(buf + 12 + 4 * i, chance(50) ? 0x8100 : 0x88a8);
		put_be16(buf + 14 + 4 * i, (uint16_t)rnd());
	}
	lo->l3 += 4 * k;
	lo->l4 += 4 * k;
	lo->payload += 4 * k;
	return n + 4 * k;
}

/* Turns the frame into IPv6 with a chain of extension headers of random
 * kinds and lengths (sometimes longer than the frame, sometimes looping
 * through unknown next-header values). */
static size_t ipv6_ext_chain(uint8_t *buf, size_t n, struct layout *lo)
{
	static const uint8_t kinds[] = { 0, 43, 60, 44, 51, 50, 135, 139, 140, 253 };
	uint8_t tmp[FRAME_BUF];
	size_t k = 1 + below(16), tail = n - lo->l4, len = 0;
	uint8_t *ip6 = buf + lo->l3;
	uint8_t *prev_next = NULL;   /* next-header byte of the previous header */

	if (!lo->ipv6)
		return n;
	for (size_t i = 0; i < k; i++) {
		uint8_t kind = kinds[below(sizeof(kinds))];
		size_t hl = chance(90) ? below(4) : below(256);
		size_t bytes = kind == 44 ? 8 : (hl + 1) * 8;

		if (lo->l3 + 40 + len + bytes + tail > FRAME_BUF - 64)
			break;
		if (prev_next)
			*prev_next = kind;
		else
			ip6[6] = kind;
		memset(tmp + len, 0, bytes);
		tmp[len] = chance(5) ? (uint8_t)rnd() : 6;   /* TCP unless a later header follows */
		tmp[len + 1] = kind == 44 ? 0 : (uint8_t)hl;
		if (kind == 44)
			put_be16(tmp + len + 2, chance(70) ? 0 : (uint16_t)rnd());
		prev_next = tmp + len;
		len += bytes;
	}
	memmove(buf + lo->l3 + 40 + len, buf + lo->l4, tail);
	memcpy(buf + lo->l3 + 40, tmp, len);
	put_be16(ip6 + 4, (uint16_t)(len + tail + (chance(10) ? below(100) : 0)));
	lo->payload += lo->l3 + 40 + len - lo->l4;
	lo->l4 = lo->l3 + 40 + len;
	return lo->l4 + tail;
}

/* Rewrites the TCP options with random kinds and every length byte from 0
 * to 255, in a header of any data offset 5..15. */
static void tcp_options(uint8_t *buf, size_t n, struct layout *lo)
{
	uint8_t *tcp = buf + lo->l4;
	size_t room = lo->payload - lo->l4;

	if (lo->l4 + 20 > n)
		return;
	if (room > 20 && room <= 60) {
		for (size_t i = 20; i < room;) {
			uint8_t kind = chance(50) ? (uint8_t)below(35) : (uint8_t)rnd();

			tcp[i++] = kind;
			if (i < room)
				tcp[i++] = (uint8_t)(chance(50) ? below(12) : rnd());
		}
	}
	if (chance(40))
		tcp[12] = (uint8_t)((5 + below(11)) << 4 | (tcp[12] & 0x0f));
}

/* Overwrites one length field with an absurd value. */
static void absurd_length(uint8_t *buf, size_t n, const struct layout *lo)
{
	static const uint16_t absurd[] = { 0, 1, 7, 19, 20, 40, 0x7fff, 0xfffe, 0xffff };
	uint16_t v = chance(70) ? absurd[below(sizeof(absurd) / sizeof(absurd[0]))] : (uint16_t)rnd();
	size_t at;

	switch (below(5)) {
	case 0:   /* IPv4 total length / IPv6 payload length */
		at = lo->l3 + (lo->ipv6 ? 4 : 2);
		if (at + 2 <= n)
			put_be16(buf + at, v);
		break;
	case 1:   /* IPv4 header length nibble, IPv6 version nibble */
		if (lo->l3 < n)
			buf[lo->l3] = (uint8_t)((buf[lo->l3] & 0xf0) | (v & 0x0f));
		break;
	case 2:   /* TCP data offset */
		if (lo->l4 + 13 <= n)
			buf[lo->l4 + 12] = (uint8_t)((v & 0x0f) << 4);
		break;
	case 3:   /* IPv6 first extension header length */
		at = lo->l3 + 41;
		if (lo->ipv6 && at < n)
			buf[at] = (uint8_t)v;
		break;
	default:  /* the EtherType / an inner protocol byte */
		if (lo->l3 + 10 <= n)
			buf[lo->l3 + (lo->ipv6 ? 6 : 9)] = (uint8_t)v;
		break;
	}
}

static void bit_flips(uint8_t *buf, size_t n)
{
	for (unsigned i = 0, k = 1 + below(16); i < k; i++) {
		size_t at = chance(70) ? below(n < 80 ? (uint32_t)n : 80) : below((uint32_t)n);

		buf[at] ^= (uint8_t)(1u << below(8));
	}
}

static size_t random_frame(uint8_t *buf)
{
	size_t n = ETH_MIN + below(chance(95) ? 1600 : JUMBO);

	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)rnd();
	if (chance(50))   /* make it reach the IP parsers */
		put_be16(buf + 12, chance(50) ? 0x0800 : 0x86dd);
	return n;
}

/* The first SWEEP_FRAMES frames: every TCP data offset with options, each
 * option kind below, every length byte 0..255, on a monitored port. */
static const uint8_t sweep_kinds[] = { 0, 1, 2, 3, 4, 5, 8, 19, 28, 29, 30, 34, 253, 254, 255 };
#define SWEEP_KINDS (sizeof(sweep_kinds) / sizeof(sweep_kinds[0]))
#define SWEEP_FRAMES (10u * 256u * SWEEP_KINDS)

static size_t sweep_frame(uint8_t *buf, uint64_t idx)
{
	static const char edi[] = "UNB+UNOA:2+S+R+240101:1200+1'UNH+1+CUSCAR:D:95B:UN'";
	unsigned doff = 6 + (unsigned)(idx % 10);
	unsigned len = (unsigned)(idx / 10 % 256);
	uint8_t kind = sweep_kinds[idx / 2560];
	struct frame_spec s = { .sport = 40000 + (uint16_t)(idx % 1000), .dport = 3305,
				.seq = (uint32_t)idx, .tcp_opts_len = (uint8_t)((doff - 5) * 4),
				.payload = edi, .payload_len = sizeof(edi) - 1 };
	size_t n = frame_build(&s, buf);

	buf[14 + 20 + 20] = kind;
	buf[14 + 20 + 21] = (uint8_t)len;
	return n;
}

/* Frame number idx of the sequence; every frame is at least ETH_MIN bytes. */
static size_t next_frame(uint8_t *buf, uint64_t idx)
{
	struct layout lo;
	size_t n;

	if (idx < SWEEP_FRAMES)
		return sweep_frame(buf, idx);
	if (chance(10))
		return random_frame(buf);
	n = build_stream_frame(buf, &lo);
	if (chance(50))
		return n;   /* well formed */
	if (chance(10))
		n = deep_vlans(buf, n, &lo);
	if (chance(15))
		n = ipv6_ext_chain(buf, n, &lo);
	if (chance(20))
		tcp_options(buf, n, &lo);
	if (chance(20))
		absurd_length(buf, n, &lo);
	if (chance(25))
		bit_flips(buf, n);
	if (chance(25))
		n = ETH_MIN + below((uint32_t)(n - ETH_MIN + 1));   /* truncation */
	return n;
}

/* ---- running ------------------------------------------------------------ */

static int run_frame(const uint8_t *buf, size_t n, uint32_t *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf, .data_size_in = (uint32_t)n,
		    .repeat = 1);

	if (bpf_prog_test_run_opts(sensor_bpf_prog_fd(sb), &opts))
		return -errno;
	*retval = opts.retval;
	return 0;
}

static void dump_frame(const uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n && i < 256; i++)
		fprintf(stderr, "%02x%s", buf[i], (i + 1) % 32 ? "" : "\n");
	fprintf(stderr, "\n");
}

/* A batch did not add up: replay it frame by frame from its saved
 * generator state to name the first frame that breaks the partition. */
static void find_bad_frame(uint64_t state, uint64_t first, unsigned count, uint8_t *buf)
{
	struct stream saved[N_FLOWS];

	memcpy(saved, streams, sizeof(saved));
	rng = state;
	for (unsigned i = 0; i < count; i++) {
		struct es_counters a, b;
		size_t n = next_frame(buf, first + i);
		uint32_t rv;

		assert_int_equal(counters_read(sensor_bpf_counters_fd(sb), &a), 0);
		assert_int_equal(run_frame(buf, n, &rv), 0);
		assert_int_equal(counters_read(sensor_bpf_counters_fd(sb), &b), 0);
		if (b.v[ES_CNT_PACKETS] - a.v[ES_CNT_PACKETS] != 1 ||
		    counters_outcome_sum(&b) - counters_outcome_sum(&a) != 1) {
			fprintf(stderr, "frame %u of the batch (%zu bytes) breaks the count:\n", i, n);
			dump_frame(buf, n);
			break;
		}
	}
	memcpy(streams, saved, sizeof(saved));
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *s = getenv(name);
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return dflt;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || !v)
		fail_msg("%s=%s is not a positive number", name, s);
	return v;
}

static void test_million_frames_all_pass(void **state)
{
	static uint8_t buf[FRAME_BUF];
	uint64_t frames = env_u64("FAIL_OPEN_FRAMES", DEFAULT_FRAMES);
	uint64_t seed = env_u64("FAIL_OPEN_SEED", DEFAULT_SEED);
	uint64_t done = 0, by_size[3] = { 0 };
	struct es_counters start, end;
	struct timespec t0, t1;

	(void)state;
	if (!sb)
		skip();
	fprintf(stderr, "fail-open: seed %llu (FAIL_OPEN_SEED=%llu reproduces)\n",
		(unsigned long long)seed, (unsigned long long)seed);
	rng = seed | 1;
	memset(streams, 0, sizeof(streams));
	assert_int_equal(counters_read(sensor_bpf_counters_fd(sb), &start), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (done < frames) {
		struct es_counters a, b;
		unsigned count = frames - done < BATCH ? (unsigned)(frames - done) : BATCH;
		uint64_t batch_state = rng;

		assert_int_equal(counters_read(sensor_bpf_counters_fd(sb), &a), 0);
		for (unsigned i = 0; i < count; i++) {
			size_t n = next_frame(buf, done + i);
			uint32_t rv = ~0u;
			int err = run_frame(buf, n, &rv);

			if (err || rv != XDP_PASS) {
				fprintf(stderr, "frame %llu (%zu bytes): err %d verdict %u\n",
					(unsigned long long)(done + i), n, err, rv);
				dump_frame(buf, n);
				fail_msg("frame %llu was not passed", (unsigned long long)(done + i));
			}
			by_size[n < 1600 ? 0 : n <= 4096 ? 1 : 2]++;
		}
		assert_int_equal(counters_read(sensor_bpf_counters_fd(sb), &b), 0);
		if (b.v[ES_CNT_PACKETS] - a.v[ES_CNT_PACKETS] != count ||
		    counters_outcome_sum(&b) - counters_outcome_sum(&a) != count) {
			find_bad_frame(batch_state, done, count, buf);
			fail_msg("batch at frame %llu: packets +%llu, outcomes +%llu, frames %u",
				 (unsigned long long)done,
				 (unsigned long long)(b.v[ES_CNT_PACKETS] - a.v[ES_CNT_PACKETS]),
				 (unsigned long long)(counters_outcome_sum(&b) - counters_outcome_sum(&a)),
				 count);
		}
		done += count;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(counters_read(sensor_bpf_counters_fd(sb), &end), 0);
	assert_int_equal(end.v[ES_CNT_PACKETS] - start.v[ES_CNT_PACKETS], frames);
	assert_int_equal(counters_outcome_sum(&end) - counters_outcome_sum(&start), frames);
	printf("fail-open: %llu frames, every verdict XDP_PASS, outcome counters sum to %llu "
	       "(%.1f s; <1600 B %llu, 1600-4096 B %llu, >4096 B %llu)\n",
	       (unsigned long long)frames,
	       (unsigned long long)(counters_outcome_sum(&end) - counters_outcome_sum(&start)),
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       (unsigned long long)by_size[0], (unsigned long long)by_size[1],
	       (unsigned long long)by_size[2]);
	for (unsigned i = 0; i < ES_CNT_MAX; i++) {
		uint64_t d = end.v[i] - start.v[i];

		if (d)
			printf("fail-open:   %-20s %llu\n", counter_name(i), (unsigned long long)d);
	}
}

static void tc_hook_all_pass(enum es_hook hook, uint64_t frames, uint8_t *buf)
{
	int fd = sensor_bpf_tc_prog_fd(sb, hook), cfd = sensor_bpf_tc_counters_fd(sb);
	struct es_counters a, b;
	uint64_t ran = 0, refused = 0;

	assert_true(fd >= 0 && cfd >= 0);
	assert_int_equal(counters_read_at(cfd, ES_TC_CNT_BASE(hook), &a), 0);
	for (uint64_t i = 0; i < frames; i++) {
		size_t n = next_frame(buf, i);
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf, .data_size_in = (uint32_t)n,
			    .repeat = 1);

		if (bpf_prog_test_run_opts(fd, &opts)) {
			/* an skb test run wants the whole L3 header its
			 * EtherType announces: such frames never reach us */
			if (errno != EINVAL)
				fail_msg("tc frame %llu: %s", (unsigned long long)i, strerror(errno));
			refused++;
			continue;
		}
		if ((int)opts.retval != TC_ACT_UNSPEC) {
			dump_frame(buf, n);
			fail_msg("tc frame %llu: verdict %u", (unsigned long long)i, opts.retval);
		}
		ran++;
	}
	assert_int_equal(counters_read_at(cfd, ES_TC_CNT_BASE(hook), &b), 0);
	printf("fail-open: tc %s: %llu frames run, every verdict TC_ACT_UNSPEC, outcome counters "
	       "sum to %llu (%llu refused by the test run)\n",
	       hook == ES_HOOK_TC_INGRESS ? "ingress" : "egress", (unsigned long long)ran,
	       (unsigned long long)(counters_outcome_sum(&b) - counters_outcome_sum(&a)),
	       (unsigned long long)refused);
	assert_int_equal(b.v[ES_CNT_PACKETS] - a.v[ES_CNT_PACKETS], ran);
	assert_int_equal(counters_outcome_sum(&b) - counters_outcome_sum(&a), ran);
	assert_true(ran > frames / 2);
}

static void test_tc_frames_all_pass(void **state)
{
	static uint8_t buf[FRAME_BUF];
	uint64_t frames = env_u64("FAIL_OPEN_TC_FRAMES", 250000);
	uint64_t seed = env_u64("FAIL_OPEN_SEED", DEFAULT_SEED);

	(void)state;
	if (!sb)
		skip();
	rng = seed | 1;
	memset(streams, 0, sizeof(streams));
	tc_hook_all_pass(ES_HOOK_TC_INGRESS, frames, buf);
	tc_hook_all_pass(ES_HOOK_TC_EGRESS, frames, buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_million_frames_all_pass),
		cmocka_unit_test(test_tc_frames_all_pass),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
