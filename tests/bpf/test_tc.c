/*
 * BPF_PROG_TEST_RUN fixtures for the tc programs of the edisensor object
 * (edisensor_tc_in, edisensor_tc_eg): the same frames through XDP and
 * through tc give the same events, the tc counters move (and only the
 * hook's own block), the verdict is TC_ACT_UNSPEC on every path (pass, and
 * leave the decision to whatever runs after), and a direction two hooks see
 * is scanned once: the flow table is shared. Needs root: skipped loudly
 * without it.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "counters.h"
#include "sensor_bpf.h"
#include "../lib/frames.h"
#include "../lib/edi_streams.h"
#include "../lib/sensor_fixture.h"

#define PORT 3305
#define MAX_EVENTS 1024
#define SYN 0x02
#define FIN 0x11
#define RST 0x04

static struct sensor_bpf *sb;
static struct ring_buffer *rb;
static struct es_event got[MAX_EVENTS];
static size_t n_got;
static uint8_t frame[FRAME_BUF];

static int on_record(void *ctx, void *data, size_t len)
{
	(void)ctx;
	return fixture_split_record(data, len, got, &n_got, MAX_EVENTS);
}

static void report_verifier(int fd, const char *name)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
		fprintf(stderr, "verifier: %s verified_insns %u (limit 1000000), xlated %u bytes\n",
			name, info.verified_insns, info.xlated_prog_len);
}

static int setup(void **state)
{
	struct sensor_bpf_opts o = { 0 };

	(void)state;
	if (fixture_setup_ring(&sb, &rb, &o, PORT, on_record, "tc fixtures"))
		return -1;
	if (sb) {
		report_verifier(sensor_bpf_tc_prog_fd(sb, ES_HOOK_TC_INGRESS), "edisensor_tc_in");
		report_verifier(sensor_bpf_tc_prog_fd(sb, ES_HOOK_TC_EGRESS), "edisensor_tc_eg");
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fixture_free_ring(&sb, &rb);
	return 0;
}

#define NEED_ROOT() do { if (!sb) { print_message("SKIPPED: needs root\n"); skip(); } } while (0)

/* ---- running frames through one hook ------------------------------------ */

static int prog_fd(int hook)
{
	return hook == ES_HOOK_XDP ? sensor_bpf_prog_fd(sb) : sensor_bpf_tc_prog_fd(sb, hook);
}

/* Runs len bytes of frame through hook's program into *verdict; false
 * when BPF_PROG_TEST_RUN refuses the frame (an skb test run wants the
 * whole L3 header its EtherType announces). */
static bool run_frame(int hook, const uint8_t *buf, size_t len, int *verdict)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf, .data_size_in = (uint32_t)len,
		    .repeat = 1);

	if (bpf_prog_test_run_opts(prog_fd(hook), &opts)) {
		if (errno == EINVAL && hook != ES_HOOK_XDP)
			return false;
		fail_msg("BPF_PROG_TEST_RUN: %s (frame of %zu bytes)", strerror(errno), len);
	}
	ring_buffer__consume(rb);
	*verdict = (int)opts.retval;
	return true;
}

static int run(int hook, const uint8_t *buf, size_t len)
{
	int v = 0;

	if (!run_frame(hook, buf, len, &v))
		fail_msg("BPF_PROG_TEST_RUN refused a well-formed frame of %zu bytes", len);
	return v;
}

static int expected_verdict(int hook)
{
	return hook == ES_HOOK_XDP ? XDP_PASS : TC_ACT_UNSPEC;
}

static void send_pkt(int hook, uint32_t seq, uint8_t flags, const void *p, size_t n)
{
	struct frame_spec s = { .sport = 41007, .dport = PORT, .seq = seq, .tcp_flags = flags,
				.payload = p, .payload_len = n };
	size_t len = frame_build(&s, frame);

	assert_int_equal(run(hook, frame, len), expected_verdict(hook));
}

/* Counters of every hook: XDP's map and the two tc blocks. */
struct all_counters {
	struct es_counters xdp, tc_in, tc_eg;
};

static void read_all(struct all_counters *a)
{
	int tc = sensor_bpf_tc_counters_fd(sb);

	assert_int_equal(counters_read(sensor_bpf_counters_fd(sb), &a->xdp), 0);
	assert_int_equal(counters_read_at(tc, ES_TC_CNT_BASE(ES_HOOK_TC_INGRESS), &a->tc_in), 0);
	assert_int_equal(counters_read_at(tc, ES_TC_CNT_BASE(ES_HOOK_TC_EGRESS), &a->tc_eg), 0);
}

static struct es_counters *block(struct all_counters *a, int hook)
{
	return hook == ES_HOOK_XDP ? &a->xdp : hook == ES_HOOK_TC_INGRESS ? &a->tc_in : &a->tc_eg;
}

static void diff_counters(const struct all_counters *a, const struct all_counters *b,
			  struct all_counters *d)
{
	for (unsigned i = 0; i < ES_CNT_MAX; i++) {
		d->xdp.v[i] = b->xdp.v[i] - a->xdp.v[i];
		d->tc_in.v[i] = b->tc_in.v[i] - a->tc_in.v[i];
		d->tc_eg.v[i] = b->tc_eg.v[i] - a->tc_eg.v[i];
	}
}

static int all_zero(const struct es_counters *c)
{
	for (unsigned i = 0; i < ES_CNT_MAX; i++)
		if (c->v[i])
			return 0;
	return 1;
}

static const char STREAM[] =
	EDI_STREAM_CUSCAR_TWO
	"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*U*00401*000000001*0*P*>~"
	"GS*SO*S*R*20240101*1200*1*X*004010~ST*309*0001~N1*SH*ACME~"
	"N10*1*PLASTIC TOYS*J*950300~SE*5*0001~GE*1*1~IEA*1*000000001~";

/* Packet k of the stream in 41-byte packets. */
static void send_piece(int hook, uint32_t isn, size_t k)
{
	const size_t n = sizeof(STREAM) - 1, at = k * 41;

	send_pkt(hook, isn + 1 + (uint32_t)at, 0, STREAM + at, n - at < 41 ? n - at : 41);
}

/* One connection direction: SYN, the stream in 41-byte packets (segments,
 * the release character and the CRLF cut across packets), FIN. The FIN
 * frees the flow, so every hook starts from the same state. reorder: every
 * third packet comes after the one that follows it (held, then released). */
static void send_stream(int hook, uint32_t isn, bool reorder)
{
	const size_t n = sizeof(STREAM) - 1, pieces = (n + 40) / 41;

	n_got = 0;
	send_pkt(hook, isn, SYN, NULL, 0);
	for (size_t k = 0; k < pieces; k++) {
		if (reorder && k % 3 == 1 && k + 1 < pieces) {
			send_piece(hook, isn, k + 1);
			send_piece(hook, isn, k);
			k++;
		} else {
			send_piece(hook, isn, k);
		}
	}
	send_pkt(hook, isn + 1 + (uint32_t)n, FIN, NULL, 0);
}

/* Events equal but for the hook (and the capture time). */
static void assert_same_event(const struct es_event *x, const struct es_event *t, size_t i)
{
	if (x->type != t->type || x->stream_off != t->stream_off || x->seg_len != t->seg_len ||
	    x->aux != t->aux || x->data_len != t->data_len || x->flags != t->flags ||
	    x->syntax != t->syntax || x->dir != t->dir ||
	    memcmp(&x->seps, &t->seps, sizeof(x->seps)) ||
	    memcmp(&x->flow, &t->flow, sizeof(x->flow)) ||
	    memcmp(x->data, t->data, x->data_len))
		fail_msg("event %zu: XDP type %u off %llu '%.*s', tc type %u off %llu '%.*s'", i,
			 x->type, (unsigned long long)x->stream_off, x->data_len, x->data,
			 t->type, (unsigned long long)t->stream_off, t->data_len, t->data);
}

/* ---- fixtures ------------------------------------------------------------ */

/* The same frames through XDP, tc ingress and tc egress: the same events,
 * each stamped with its hook; each hook's counters move alike and alone.
 * Returns XDP's counters. */
static struct es_counters same_events_each_hook(bool reorder)
{
	static struct es_event ref[MAX_EVENTS];
	static const int hooks[] = { ES_HOOK_XDP, ES_HOOK_TC_INGRESS, ES_HOOK_TC_EGRESS };
	struct all_counters before, after, d[3];
	size_t n_ref = 0, segs = 0;

	for (int h = 0; h < 3; h++) {
		read_all(&before);
		send_stream(hooks[h], 0xfffffff0u, reorder);   /* sequence numbers wrap inside */
		read_all(&after);
		diff_counters(&before, &after, &d[h]);
		for (size_t i = 0; i < n_got; i++)
			if (got[i].hook != hooks[h])
				fail_msg("hook %d: event %zu has hook %u", hooks[h], i, got[i].hook);
		if (h == 0) {
			memcpy(ref, got, n_got * sizeof(got[0]));
			n_ref = n_got;
			continue;
		}
		if (n_got != n_ref)
			fail_msg("hook %d: %zu events, XDP %zu", hooks[h], n_got, n_ref);
		for (size_t i = 0; i < n_got; i++)
			assert_same_event(&ref[i], &got[i], i);
	}
	for (size_t i = 0; i < n_ref; i++)
		segs += ref[i].type == ES_EV_SEGMENT;
	assert_true(segs >= 20);   /* both interchanges, every segment ("*") */
	assert_int_equal(ref[n_ref - 1].type, ES_EV_FLOW_END);
	/* Each run moved its own hook's counters, by the same amounts. */
	for (int h = 0; h < 3; h++) {
		for (int o = 0; o < 3; o++)
			if (o != h && !all_zero(block(&d[h], hooks[o])))
				fail_msg("frames through hook %d moved counters of hook %d",
					 hooks[h], hooks[o]);
		for (unsigned i = 0; i < ES_CNT_MAX; i++)
			if (block(&d[h], hooks[h])->v[i] != d[0].xdp.v[i])
				fail_msg("hook %d: counter %s moved %llu, XDP's %llu", hooks[h],
					 counter_name(i),
					 (unsigned long long)block(&d[h], hooks[h])->v[i],
					 (unsigned long long)d[0].xdp.v[i]);
	}
	assert_int_equal(d[1].tc_in.v[ES_CNT_SEGMENTS], segs);
	assert_int_equal(d[2].tc_eg.v[ES_CNT_INTERCHANGES], 2);
	assert_int_equal(d[2].tc_eg.v[ES_CNT_PACKETS], d[2].tc_eg.v[ES_CNT_MONITORED]);
	return d[0].xdp;
}

static void test_same_events_each_hook(void **state)
{
	struct es_counters x;

	(void)state;
	NEED_ROOT();
	x = same_events_each_hook(false);
	assert_int_equal(x.v[ES_CNT_REORDER_HELD], 0);
}

/* Reordered packets: held and released alike at every hook (the events
 * equal XDP's; every third packet swapped with the next, no gap). */
static void test_reorder_each_hook(void **state)
{
	const size_t pieces = (sizeof(STREAM) - 1 + 40) / 41;
	struct es_counters x;

	(void)state;
	NEED_ROOT();
	x = same_events_each_hook(true);
	/* packets 1, 4, 7, ... come late while a packet follows them */
	assert_int_equal(x.v[ES_CNT_REORDER_HELD], pieces / 3);
	assert_int_equal(x.v[ES_CNT_REORDER_RELEASED], pieces / 3);
	assert_int_equal(x.v[ES_CNT_GAP], 0);
	assert_int_equal(x.v[ES_CNT_RETRANS], 0);
}

/*
 * One direction seen by two hooks (XDP and tc ingress of one interface, or
 * the ingress of one interface and the egress of the next on a router):
 * the second sighting is a retransmission to the shared flow table, so the
 * stream is scanned once.
 */
static void test_two_hooks_one_direction(void **state)
{
	const size_t n = sizeof(STREAM) - 1;
	const uint32_t isn = 1000;
	struct all_counters before, after, d;
	size_t segs = 0, packets = 0;

	(void)state;
	NEED_ROOT();
	read_all(&before);
	n_got = 0;
	send_pkt(ES_HOOK_XDP, isn, SYN, NULL, 0);
	send_pkt(ES_HOOK_TC_INGRESS, isn, SYN, NULL, 0);
	for (size_t at = 0; at < n; at += 100, packets++) {
		size_t k = n - at < 100 ? n - at : 100;

		send_pkt(ES_HOOK_XDP, isn + 1 + (uint32_t)at, 0, STREAM + at, k);
		send_pkt(ES_HOOK_TC_INGRESS, isn + 1 + (uint32_t)at, 0, STREAM + at, k);
	}
	send_pkt(ES_HOOK_XDP, isn + 1 + (uint32_t)n, FIN, NULL, 0);
	read_all(&after);
	diff_counters(&before, &after, &d);
	for (size_t i = 0; i < n_got; i++) {
		assert_int_equal(got[i].hook, ES_HOOK_XDP);
		segs += got[i].type == ES_EV_SEGMENT;
	}
	assert_true(segs >= 20);
	assert_int_equal(d.xdp.v[ES_CNT_SEGMENTS], segs);
	assert_int_equal(d.tc_in.v[ES_CNT_SEGMENTS], 0);
	assert_int_equal(d.tc_in.v[ES_CNT_RETRANS], packets);
	/* tc's SYN restarted the direction; XDP's data then went on from there */
	assert_int_equal(d.xdp.v[ES_CNT_GAP] + d.tc_in.v[ES_CNT_GAP], 0);
}

/* A packet of client port cport's connection: the client's, or the
 * server's (reverse: addresses and ports swapped). */
static void send_side(int hook, uint16_t cport, int reverse, uint32_t seq, uint8_t flags,
		      const void *p, size_t n)
{
	struct frame_spec s = { .sport = reverse ? PORT : cport, .dport = reverse ? cport : PORT,
				.seq = seq, .tcp_flags = flags, .payload = p, .payload_len = n,
				.reverse = reverse };
	size_t len = frame_build(&s, frame);

	assert_int_equal(run(hook, frame, len), expected_verdict(hook));
}

/*
 * An RST ends both directions at every hook alike: data both ways, the
 * server's direction holding an early segment, then the client's RST: its
 * FLOW_END, then the server direction's GAP up to the held segment (whose
 * bytes are scanned: no header in them) and FLOW_END (its own flow key and direction), counted in the RST's hook's
 * block. The server's next packet is a new mid-stream flow.
 */
static void test_rst_ends_both_each_hook(void **state)
{
	static const int hooks[] = { ES_HOOK_XDP, ES_HOOK_TC_INGRESS, ES_HOOK_TC_EGRESS };
	static struct es_event ref[MAX_EVENTS];
	const size_t n = 200;
	size_t n_ref = 0;

	(void)state;
	NEED_ROOT();
	for (int h = 0; h < 3; h++) {
		uint16_t cport = (uint16_t)(41200 + h);
		struct all_counters before, after, d;
		struct es_counters *c;

		send_side(hooks[h], cport, 0, 1, SYN, NULL, 0);
		send_side(hooks[h], cport, 1, 1000, 0x12, NULL, 0);   /* SYN|ACK */
		send_side(hooks[h], cport, 0, 2, 0, STREAM, n);
		send_side(hooks[h], cport, 1, 1001, 0, STREAM, 100);
		send_side(hooks[h], cport, 1, 1001 + 150, 0, STREAM + 150, 30);   /* held */
		read_all(&before);
		n_got = 0;
		send_side(hooks[h], cport, 0, 2 + (uint32_t)n, RST, NULL, 0);
		read_all(&after);
		diff_counters(&before, &after, &d);
		c = block(&d, hooks[h]);
		assert_int_equal(c->v[ES_CNT_FLOW_END], 2);
		assert_int_equal(c->v[ES_CNT_REORDER_ABANDONED], 1);
		assert_int_equal(c->v[ES_CNT_GAP], 1);
		assert_int_equal(n_got, 3);
		assert_int_equal(got[0].type, ES_EV_FLOW_END);
		assert_int_equal(got[0].dir, ES_DIR_TO_SERVER);
		assert_int_equal(got[0].flow.sport, cport);
		assert_int_equal(got[1].type, ES_EV_GAP);
		assert_int_equal(got[1].stream_off, 100);
		assert_int_equal(got[1].aux, 50);   /* the hole; the held bytes scanned */
		assert_int_equal(got[2].type, ES_EV_FLOW_END);
		assert_int_equal(got[2].stream_off, 180);
		for (size_t i = 1; i < 3; i++) {
			assert_int_equal(got[i].dir, ES_DIR_TO_CLIENT);
			assert_int_equal(got[i].flow.sport, PORT);
			assert_int_equal(got[i].flow.dport, cport);
		}
		for (size_t i = 0; i < 3; i++) {
			assert_int_equal(got[i].hook, hooks[h]);
			got[i].flow.sport = got[i].flow.sport == PORT ? PORT : 0;
			got[i].flow.dport = got[i].flow.dport == PORT ? PORT : 0;
		}
		if (h == 0) {
			memcpy(ref, got, n_got * sizeof(got[0]));
			n_ref = n_got;
		} else {
			assert_int_equal(n_got, n_ref);
			for (size_t i = 0; i < n_got; i++)
				assert_same_event(&ref[i], &got[i], i);
		}
		read_all(&before);
		send_side(hooks[h], cport, 1, 1001 + 180, 0, STREAM + 180, 20);
		read_all(&after);
		diff_counters(&before, &after, &d);
		c = block(&d, hooks[h]);
		assert_int_equal(c->v[ES_CNT_FLOW_NEW], 1);
		assert_int_equal(c->v[ES_CNT_FLOW_MIDSTREAM], 1);
		send_side(hooks[h], cport, 1, 1001 + 200, RST, NULL, 0);
	}
}

/* Every frame, well-formed or not, gets TC_ACT_UNSPEC, and the outcome
 * counters of each tc block partition the frames run through its hook
 * (packets, their sum, equals the frames run). */
static void test_verdict_always_unspec(void **state)
{
	static const int hooks[] = { ES_HOOK_TC_INGRESS, ES_HOOK_TC_EGRESS };
	struct all_counters before, after, d;
	uint64_t rng = 0x9e3779b97f4a7c15ull, frames = 0, refused = 0, ran[2] = { 0, 0 };

	(void)state;
	NEED_ROOT();
	read_all(&before);
	for (int h = 0; h < 2; h++) {
		for (unsigned i = 0; i < 600; i++) {
			struct frame_spec s = { .sport = (uint16_t)(40000 + i % 7), .dport = PORT,
						.seq = i * 1000u, .payload = STREAM,
						.payload_len = i % 300,
						.ipv6 = (int)(i & 1),
						.vlan_tpid = { i % 5 == 0 ? 0x8100 : 0 } };
			size_t len = frame_build(&s, frame), cut;

			/* truncations, bit flips and random bytes */
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			cut = 14 + rng % (len - 13);
			if (i % 3 == 1)
				len = cut;
			if (i % 4 == 2)
				frame[rng % len] ^= (uint8_t)(1u << (rng >> 20) % 8);
			if (i % 50 == 49)
				for (size_t k = 0; k < len; k++)
					frame[k] = (uint8_t)(rng >> (k % 56));
			int v = 0;

			if (!run_frame(hooks[h], frame, len, &v)) {
				refused++;
				continue;
			}
			if (v != TC_ACT_UNSPEC)
				fail_msg("frame %u through hook %d: verdict %d, not TC_ACT_UNSPEC",
					 i, hooks[h], v);
			frames++;
			ran[h]++;
		}
	}
	read_all(&after);
	diff_counters(&before, &after, &d);
	print_message("%llu frames run, %llu refused by BPF_PROG_TEST_RUN\n",
		      (unsigned long long)frames, (unsigned long long)refused);
	assert_true(frames > 1000);
	assert_int_equal(d.tc_in.v[ES_CNT_PACKETS], ran[0]);
	assert_int_equal(d.tc_eg.v[ES_CNT_PACKETS], ran[1]);
	assert_true(d.tc_in.v[ES_CNT_MONITORED] > 0);
	assert_true(d.tc_in.v[ES_CNT_MALFORMED_TCP] + d.tc_in.v[ES_CNT_MALFORMED_IPV4] +
		    d.tc_in.v[ES_CNT_MALFORMED_IPV6] > 0);
	assert_true(all_zero(&d.xdp));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_events_each_hook),
		cmocka_unit_test(test_reorder_each_hook),
		cmocka_unit_test(test_two_hooks_one_direction),
		cmocka_unit_test(test_rst_ends_both_each_hook),
		cmocka_unit_test(test_verdict_always_unspec),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
