/* BPF_PROG_TEST_RUN fixtures for the XDP program's L2-L4 parsing: each
 * fixture is an input frame, the expected verdict (always XDP_PASS) and
 * the expected counter changes. Needs root (loads BPF): skipped loudly
 * without it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "counters.h"
#include "sensor_bpf.h"
#include "../lib/frames.h"

static struct sensor_bpf *sb;
static uint8_t buf[FRAME_BUF];

static int setup(void **state)
{
	static const uint16_t ports[] = { ES_DEFAULT_PORTS };
	struct sensor_bpf_opts o = { 0 };
	int err;

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "SKIPPED: BPF fixtures need root (CAP_BPF, CAP_NET_ADMIN)\n");
		return 0;
	}
	err = sensor_bpf_open_load(&sb, &o);
	if (err) {
		fprintf(stderr, "loading the XDP object failed: %s\n", strerror(-err));
		return -1;
	}
	return sensor_bpf_set_ports(sb, ports, sizeof(ports) / sizeof(ports[0]));
}

static int teardown(void **state)
{
	(void)state;
	sensor_bpf_destroy(sb);
	return 0;
}

/* Runs one frame; asserts XDP_PASS; returns the counter deltas. */
static void run(const uint8_t *frame, size_t len, struct es_counters *delta)
{
	struct es_counters before, after;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (uint32_t)len,
		    .repeat = 1);

	assert_int_equal(counters_read(sensor_bpf_counters_fd(sb), &before), 0);
	assert_int_equal(bpf_prog_test_run_opts(sensor_bpf_prog_fd(sb), &opts), 0);
	assert_int_equal(opts.retval, XDP_PASS);
	assert_int_equal(counters_read(sensor_bpf_counters_fd(sb), &after), 0);
	for (int i = 0; i < ES_CNT_MAX; i++)
		delta->v[i] = after.v[i] - before.v[i];
}

/* The frame ends in exactly the outcome `want`, once. */
static void expect_outcome(const uint8_t *frame, size_t len, unsigned want)
{
	struct es_counters d;

	run(frame, len, &d);
	assert_int_equal(d.v[ES_CNT_PACKETS], 1);
	for (unsigned i = ES_CNT_OUTCOME_FIRST; i <= ES_CNT_OUTCOME_LAST; i++) {
		if (d.v[i] != (i == want)) {
			fail_msg("len %zu: counter %s moved by %llu, expected outcome %s", len,
				 counter_name(i), (unsigned long long)d.v[i], counter_name(want));
		}
	}
}

static size_t spec_frame(struct frame_spec s)
{
	if (!s.dport)
		s.dport = 3305;
	if (!s.sport)
		s.sport = 40000;
	return frame_build(&s, buf);
}

#define NEED_ROOT() do { if (!sb) skip(); } while (0)

static const char edi[] = "UNB+UNOA:2+SENDER+RECEIVER+240101:1200+1'";

static void test_ipv4_tcp_monitored(void **state)
{
	struct es_counters d;
	size_t n;

	(void)state;
	NEED_ROOT();
	n = spec_frame((struct frame_spec){ .payload = edi, .payload_len = sizeof(edi) - 1 });
	run(buf, n, &d);
	assert_int_equal(d.v[ES_CNT_MONITORED], 1);
	assert_int_equal(d.v[ES_CNT_PAYLOAD_BYTES], sizeof(edi) - 1);
	/* monitored by source port too (the server's answers) */
	n = spec_frame((struct frame_spec){ .sport = 3305, .dport = 50000 });
	expect_outcome(buf, n, ES_CNT_MONITORED);
}

static void test_not_monitored_port(void **state)
{
	(void)state;
	NEED_ROOT();
	expect_outcome(buf, spec_frame((struct frame_spec){ .dport = 443, .sport = 50000 }),
		       ES_CNT_NOT_MONITORED);
}

static void test_ipv4_options(void **state)
{
	(void)state;
	NEED_ROOT();
	expect_outcome(buf, spec_frame((struct frame_spec){ .ip_opts_len = 40, .payload = edi,
				       .payload_len = 10 }), ES_CNT_MONITORED);
}

static void test_tcp_options(void **state)
{
	(void)state;
	NEED_ROOT();
	expect_outcome(buf, spec_frame((struct frame_spec){ .tcp_opts_len = 40, .payload = edi,
				       .payload_len = 10 }), ES_CNT_MONITORED);
}

static void test_vlans(void **state)
{
	(void)state;
	NEED_ROOT();
	expect_outcome(buf, spec_frame((struct frame_spec){ .vlan_tpid = { 0x8100 } }),
		       ES_CNT_MONITORED);
	expect_outcome(buf, spec_frame((struct frame_spec){ .vlan_tpid = { 0x88a8, 0x8100 } }),
		       ES_CNT_MONITORED);
	/* VLAN in VLAN, both 802.1Q */
	expect_outcome(buf, spec_frame((struct frame_spec){ .vlan_tpid = { 0x8100, 0x8100 },
				       .ipv6 = 1 }), ES_CNT_MONITORED);
}

static void test_three_vlans_malformed(void **state)
{
	size_t n;

	(void)state;
	NEED_ROOT();
	n = spec_frame((struct frame_spec){ .vlan_tpid = { 0x88a8, 0x8100 } });
	/* insert a third tag after the second */
	memmove(buf + 24, buf + 20, n - 20);
	put16(buf + 20, 0x8100);
	put16(buf + 22, 102);
	expect_outcome(buf, n + 4, ES_CNT_MALFORMED_VLAN);
}

static void test_ipv6_ext_chain(void **state)
{
	(void)state;
	NEED_ROOT();
	expect_outcome(buf, spec_frame((struct frame_spec){ .ipv6 = 1 }), ES_CNT_MONITORED);
	/* hop-by-hop, routing, destination options, atomic fragment */
	expect_outcome(buf, spec_frame((struct frame_spec){ .ipv6 = 1, .ext = { 0, 43, 60, 44 },
				       .payload = edi, .payload_len = 8 }), ES_CNT_MONITORED);
	expect_outcome(buf, spec_frame((struct frame_spec){ .ipv6 = 1, .ext = { 0, 43, 60 },
				       .vlan_tpid = { 0x8100 } }), ES_CNT_MONITORED);
}

static void test_ipv6_fragments(void **state)
{
	(void)state;
	NEED_ROOT();
	/* non-first fragment: offset 8 */
	expect_outcome(buf, spec_frame((struct frame_spec){ .ipv6 = 1, .ext = { 44 },
				       .ext_frag_off = 8 << 3 }), ES_CNT_FRAGMENT);
	/* first fragment, more to come */
	expect_outcome(buf, spec_frame((struct frame_spec){ .ipv6 = 1, .ext = { 44 },
				       .ext_frag_off = 1 }), ES_CNT_FRAGMENT);
}

static void test_ipv4_fragments(void **state)
{
	(void)state;
	NEED_ROOT();
	expect_outcome(buf, spec_frame((struct frame_spec){ .frag_off = 0x2000 }), ES_CNT_FRAGMENT);
	expect_outcome(buf, spec_frame((struct frame_spec){ .frag_off = 0x0010 }), ES_CNT_FRAGMENT);
	/* don't-fragment alone is not a fragment */
	expect_outcome(buf, spec_frame((struct frame_spec){ .frag_off = 0x4000 }), ES_CNT_MONITORED);
}

static void test_non_ip_non_tcp(void **state)
{
	size_t n;

	(void)state;
	NEED_ROOT();
	expect_outcome(buf, spec_frame((struct frame_spec){ .l4 = 17, .dport = 53 }), ES_CNT_NON_TCP);
	expect_outcome(buf, spec_frame((struct frame_spec){ .l4 = 17, .ipv6 = 1 }), ES_CNT_NON_TCP);
	n = spec_frame((struct frame_spec){ 0 });
	put16(buf + 12, 0x0806);    /* ARP */
	expect_outcome(buf, n, ES_CNT_NON_IP);
}

static void test_ihl_below_5(void **state)
{
	size_t n;

	(void)state;
	NEED_ROOT();
	n = spec_frame((struct frame_spec){ 0 });
	buf[14] = 0x44;
	expect_outcome(buf, n, ES_CNT_MALFORMED_IPV4);
	buf[14] = 0x65;             /* version 6 in an IPv4 EtherType */
	expect_outcome(buf, n, ES_CNT_MALFORMED_IPV4);
}

static void test_tcp_doff(void **state)
{
	size_t n;

	(void)state;
	NEED_ROOT();
	n = spec_frame((struct frame_spec){ 0 });
	buf[14 + 20 + 12] = 4 << 4;     /* data offset 4 < 5 */
	expect_outcome(buf, n, ES_CNT_MALFORMED_TCP);
	buf[14 + 20 + 12] = 15 << 4;    /* 60 bytes, past the end */
	expect_outcome(buf, n, ES_CNT_MALFORMED_TCP);
}

static void test_zero_payload(void **state)
{
	struct es_counters d;

	(void)state;
	NEED_ROOT();
	run(buf, spec_frame((struct frame_spec){ .tcp_flags = 0x02 }), &d);
	assert_int_equal(d.v[ES_CNT_MONITORED], 1);
	assert_int_equal(d.v[ES_CNT_PAYLOAD_EMPTY], 1);
	assert_int_equal(d.v[ES_CNT_PAYLOAD_BYTES], 0);
}

/* Ethernet pads short frames to 60 bytes: the padding is no payload. */
static void test_ethernet_padding(void **state)
{
	struct es_counters d;
	size_t n;

	(void)state;
	NEED_ROOT();
	n = spec_frame((struct frame_spec){ .payload = "AB", .payload_len = 2 });
	memset(buf + n, 0xee, 60 - n);
	run(buf, 60, &d);
	assert_int_equal(d.v[ES_CNT_MONITORED], 1);
	assert_int_equal(d.v[ES_CNT_PAYLOAD_BYTES], 2);
}

/* Cut at every byte from the end of Ethernet to one short of the full
 * frame: always the malformed outcome of the layer that lost bytes. */
static void truncations(struct frame_spec s, size_t l3_start, unsigned l3_outcome)
{
	size_t n = spec_frame(s);

	for (size_t cut = 14; cut < n; cut++)
		expect_outcome(buf, cut, cut < l3_start ? ES_CNT_MALFORMED_VLAN : l3_outcome);
}

static void test_truncated_everywhere(void **state)
{
	(void)state;
	NEED_ROOT();
	truncations((struct frame_spec){ .payload = edi, .payload_len = 12 }, 14,
		    ES_CNT_MALFORMED_IPV4);
	truncations((struct frame_spec){ .vlan_tpid = { 0x88a8, 0x8100 }, .tcp_opts_len = 12,
				       .payload = edi, .payload_len = 5 }, 22,
		    ES_CNT_MALFORMED_IPV4);
	truncations((struct frame_spec){ .ipv6 = 1, .ext = { 0, 60 }, .payload = edi,
				       .payload_len = 7 }, 14, ES_CNT_MALFORMED_IPV6);
}

/* The outcome and payload counters a run moved. */
static void outcome_deltas(const uint8_t *frame, size_t len, uint64_t *out)
{
	struct es_counters d;
	size_t k = 0;

	run(frame, len, &d);
	for (unsigned i = ES_CNT_OUTCOME_FIRST; i <= ES_CNT_OUTCOME_LAST; i++)
		out[k++] = d.v[i];
	out[k++] = d.v[ES_CNT_PAYLOAD_EMPTY];
	out[k] = d.v[ES_CNT_PAYLOAD_BYTES];
}

#define N_DELTAS (ES_CNT_OUTCOME_LAST - ES_CNT_OUTCOME_FIRST + 3)

/* The frame as it is (untagged IPv4 TCP: the program's short path for the
 * common frame) and with an 802.1Q tag inserted (the generic parsers) end
 * the same: same outcome, same payload. */
static void same_both_paths(const uint8_t *frame, size_t len, const char *what, size_t at)
{
	static uint8_t tagged[FRAME_BUF];
	uint64_t plain[N_DELTAS], generic[N_DELTAS];

	memcpy(tagged, frame, 12);
	put16(tagged + 12, 0x8100);
	put16(tagged + 14, 100);
	memcpy(tagged + 16, frame + 12, len - 12);
	outcome_deltas(frame, len, plain);
	outcome_deltas(tagged, len + 4, generic);
	if (memcmp(plain, generic, sizeof(plain)) != 0) {
		for (unsigned i = 0; i < N_DELTAS; i++)
			print_message("  %s: %llu untagged, %llu tagged\n",
				      i < N_DELTAS - 2 ? counter_name(ES_CNT_OUTCOME_FIRST + i) :
				      counter_name(ES_CNT_PAYLOAD_EMPTY + i - (N_DELTAS - 2)),
				      (unsigned long long)plain[i], (unsigned long long)generic[i]);
		fail_msg("%s at byte %zu (frame of %zu bytes): the two parse paths disagree",
			 what, at, len);
	}
}

/*
 * Differential: every header byte of untagged IPv4 TCP frames (EtherType
 * on) set to values that break or bend it, and every cut, through the
 * short path and, tagged, through the generic parsers: the outcomes and
 * payload counts agree.
 */
static void test_common_path_matches_generic(void **state)
{
	static const struct frame_spec bases[] = {
		{ .payload = edi, .payload_len = sizeof(edi) - 1 },
		{ .sport = 50000, .dport = 443, .payload = edi, .payload_len = 9 },
		{ .tcp_flags = 0x02 },
		{ .tcp_opts_len = 12, .payload = edi, .payload_len = 3 },
	};
	uint8_t orig[FRAME_BUF];

	(void)state;
	NEED_ROOT();
	for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		size_t n = spec_frame(bases[b]);

		memcpy(orig, buf, n);
		for (size_t at = 12; at < 14 + 20 + 20 + (size_t)bases[b].tcp_opts_len; at++) {
			const uint8_t vals[] = { 0x00, 0xff, (uint8_t)(orig[at] ^ 0x01),
						 (uint8_t)(orig[at] ^ 0x10), (uint8_t)(orig[at] ^ 0x40),
						 (uint8_t)(orig[at] + 1) };

			for (size_t v = 0; v < sizeof(vals); v++) {
				memcpy(buf, orig, n);
				buf[at] = vals[v];
				same_both_paths(buf, n, "byte changed", at);
			}
		}
		for (size_t cut = 14; cut <= n; cut++)
			same_both_paths(orig, cut, "cut", cut);
		/* Ethernet padding after the packet */
		memcpy(buf, orig, n);
		memset(buf + n, 0xee, 16);
		same_both_paths(buf, n + 16, "padded", n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_tcp_monitored),
		cmocka_unit_test(test_not_monitored_port),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_tcp_options),
		cmocka_unit_test(test_vlans),
		cmocka_unit_test(test_three_vlans_malformed),
		cmocka_unit_test(test_ipv6_ext_chain),
		cmocka_unit_test(test_ipv6_fragments),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_non_ip_non_tcp),
		cmocka_unit_test(test_ihl_below_5),
		cmocka_unit_test(test_tcp_doff),
		cmocka_unit_test(test_zero_payload),
		cmocka_unit_test(test_ethernet_padding),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_common_path_matches_generic),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
