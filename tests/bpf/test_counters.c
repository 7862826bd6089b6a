/*
 * The packets counter is derived: the programs count each packet once, in
 * its outcome counter, and counters_read() reports packets as the sum of
 * the outcomes. These fixtures show that the derived count is the number
 * of frames run, at every hook, with frames that end in every outcome a
 * test run can reach (malformed ones included), each outcome its own
 * number of times so that one counted in the place of another shows; and
 * that the kernel really leaves the packets slot alone (a program that
 * counted it again would not show in counters_read(), which overwrites it).
 *
 * malformed_eth (a frame shorter than an Ethernet header) is out of reach:
 * BPF_PROG_TEST_RUN refuses frames under 14 bytes. Needs root: skipped
 * loudly without it.
 */
#include <stdarg.h>
#include <stdbool.h>
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
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "counters.h"
#include "sensor_bpf.h"
#include "../lib/frames.h"
#include "../lib/sensor_fixture.h"

#define PORT 3305

static struct sensor_bpf *sb;

static int setup(void **state)
{
	struct sensor_bpf_opts o = { 0 };

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "SKIPPED: counter fixtures need root (BPF_PROG_TEST_RUN)\n");
		return 0;
	}
	return fixture_load(&sb, &o, PORT);
}

static int teardown(void **state)
{
	(void)state;
	sensor_bpf_destroy(sb);
	return 0;
}

#define NEED_ROOT() do { if (!sb) { print_message("SKIPPED: needs root\n"); skip(); } } while (0)

/* ---- frames, one or more per outcome ------------------------------------ */

struct case_frame {
	const char *what;
	unsigned outcome;
	uint8_t buf[FRAME_BUF];
	size_t len;
};

static size_t spec(struct frame_spec s, uint8_t *buf)
{
	static const char payload[] = "UNH+1+CUSCAR:D:95B:UN'";

	if (!s.dport)
		s.dport = PORT;
	if (!s.sport)
		s.sport = 40123;
	if (!s.payload && s.l4 != 17) {
		s.payload = payload;
		s.payload_len = sizeof(payload) - 1;
	}
	return frame_build(&s, buf);
}

/* Fills cases[] (at least 20 slots); returns how many. Untagged IPv4 TCP
 * takes the program's short path for the common frame, the tagged and
 * IPv6 ones the generic parsers: both are here for the outcomes they
 * share. */
static size_t build_cases(struct case_frame *c)
{
	size_t n = 0;

#define CASE(w, o) (c[n].what = (w), c[n].outcome = (o), &c[n])
	struct case_frame *k;

	k = CASE("ARP", ES_CNT_NON_IP);
	k->len = spec((struct frame_spec){ 0 }, k->buf);
	put16(k->buf + 12, 0x0806);
	n++;
	k = CASE("UDP", ES_CNT_NON_TCP);
	k->len = spec((struct frame_spec){ .l4 = 17, .dport = 53 }, k->buf);
	n++;
	k = CASE("UDP over IPv6", ES_CNT_NON_TCP);
	k->len = spec((struct frame_spec){ .l4 = 17, .ipv6 = 1 }, k->buf);
	n++;
	k = CASE("TCP, other port", ES_CNT_NOT_MONITORED);
	k->len = spec((struct frame_spec){ .sport = 50000, .dport = 443 }, k->buf);
	n++;
	k = CASE("TCP, other port, VLAN", ES_CNT_NOT_MONITORED);
	k->len = spec((struct frame_spec){ .sport = 50000, .dport = 443,
					   .vlan_tpid = { 0x8100 } }, k->buf);
	n++;
	k = CASE("TCP over IPv6, other port", ES_CNT_NOT_MONITORED);
	k->len = spec((struct frame_spec){ .sport = 50000, .dport = 443, .ipv6 = 1 }, k->buf);
	n++;
	k = CASE("TCP to the port", ES_CNT_MONITORED);
	k->len = spec((struct frame_spec){ 0 }, k->buf);
	n++;
	k = CASE("TCP from the port, IP options", ES_CNT_MONITORED);
	k->len = spec((struct frame_spec){ .sport = PORT, .dport = 50001, .ip_opts_len = 8 },
		      k->buf);
	n++;
	k = CASE("TCP over IPv6 to the port, two tags", ES_CNT_MONITORED);
	k->len = spec((struct frame_spec){ .ipv6 = 1, .vlan_tpid = { 0x88a8, 0x8100 } }, k->buf);
	n++;
	k = CASE("three VLAN tags", ES_CNT_MALFORMED_VLAN);
	k->len = spec((struct frame_spec){ .vlan_tpid = { 0x88a8, 0x8100 } }, k->buf);
	memmove(k->buf + 24, k->buf + 20, k->len - 20);
	put16(k->buf + 20, 0x8100);
	put16(k->buf + 22, 102);
	k->len += 4;
	n++;
	k = CASE("IPv4 ihl 4", ES_CNT_MALFORMED_IPV4);
	k->len = spec((struct frame_spec){ 0 }, k->buf);
	k->buf[14] = 0x44;
	n++;
	k = CASE("IPv4 total length past the frame", ES_CNT_MALFORMED_IPV4);
	k->len = spec((struct frame_spec){ 0 }, k->buf);
	put16(k->buf + 16, (uint16_t)(k->len - 14 + 1));
	n++;
	k = CASE("IPv4 total length past the frame, VLAN", ES_CNT_MALFORMED_IPV4);
	k->len = spec((struct frame_spec){ .vlan_tpid = { 0x8100 } }, k->buf);
	put16(k->buf + 20, (uint16_t)(k->len - 18 + 9));
	n++;
	k = CASE("IPv6 payload length past the frame", ES_CNT_MALFORMED_IPV6);
	k->len = spec((struct frame_spec){ .ipv6 = 1 }, k->buf);
	put16(k->buf + 18, (uint16_t)(k->len - 54 + 3));
	n++;
	k = CASE("TCP data offset 4", ES_CNT_MALFORMED_TCP);
	k->len = spec((struct frame_spec){ 0 }, k->buf);
	k->buf[14 + 20 + 12] = 4 << 4;
	n++;
	k = CASE("TCP options past the IP length", ES_CNT_MALFORMED_TCP);
	k->len = spec((struct frame_spec){ .payload = "AB", .payload_len = 2 }, k->buf);
	k->buf[14 + 20 + 12] = 6 << 4;   /* 24 bytes of header, 22 in the packet */
	memset(k->buf + k->len, 0, 8);   /* Ethernet padding: in the frame, not the packet */
	k->len += 8;
	n++;
	k = CASE("IPv4 fragment", ES_CNT_FRAGMENT);
	k->len = spec((struct frame_spec){ .frag_off = 0x2000 }, k->buf);
	n++;
	k = CASE("IPv6 fragment", ES_CNT_FRAGMENT);
	k->len = spec((struct frame_spec){ .ipv6 = 1, .ext = { 44 }, .ext_frag_off = 8 << 3 },
		      k->buf);
	n++;
#undef CASE
	return n;
}

/* ---- running them -------------------------------------------------------- */

static int prog_fd(int hook)
{
	return hook == ES_HOOK_XDP ? sensor_bpf_prog_fd(sb) : sensor_bpf_tc_prog_fd(sb, hook);
}

static void read_hook(int hook, struct es_counters *c)
{
	if (hook == ES_HOOK_XDP)
		assert_int_equal(counters_read(sensor_bpf_counters_fd(sb), c), 0);
	else
		assert_int_equal(counters_read_at(sensor_bpf_tc_counters_fd(sb),
						  ES_TC_CNT_BASE(hook), c), 0);
}

/* The frame `times` runs in one BPF_PROG_TEST_RUN; false when the test run
 * refuses it (an skb test run wants the whole L3 header its EtherType
 * announces). */
static bool run_times(int hook, const struct case_frame *c, uint32_t times)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = c->buf, .data_size_in = (uint32_t)c->len,
		    .repeat = times);

	if (bpf_prog_test_run_opts(prog_fd(hook), &o)) {
		if (errno == EINVAL && hook != ES_HOOK_XDP)
			return false;
		fail_msg("%s: BPF_PROG_TEST_RUN: %s", c->what, strerror(errno));
	}
	if (o.retval != (hook == ES_HOOK_XDP ? (uint32_t)XDP_PASS : (uint32_t)TC_ACT_UNSPEC))
		fail_msg("%s: verdict %u", c->what, o.retval);
	return true;
}

/* Case i runs 3 + 2 * i times: outcome counts that differ per case. */
static void packets_are_frames_run(int hook)
{
	static struct case_frame cases[24];
	struct es_counters before, after;
	uint64_t want[ES_CNT_MAX] = { 0 }, frames = 0;
	size_t n = build_cases(cases);
	unsigned reached = 0;

	read_hook(hook, &before);
	for (size_t i = 0; i < n; i++) {
		uint32_t times = (uint32_t)(3 + 2 * i);

		if (!run_times(hook, &cases[i], times)) {
			print_message("hook %d: test run refused \"%s\"\n", hook, cases[i].what);
			continue;
		}
		want[cases[i].outcome] += times;
		frames += times;
	}
	read_hook(hook, &after);
	for (unsigned o = ES_CNT_OUTCOME_FIRST; o <= ES_CNT_OUTCOME_LAST; o++) {
		uint64_t got = after.v[o] - before.v[o];

		if (got != want[o])
			fail_msg("hook %d: %s moved by %llu, want %llu", hook, counter_name(o),
				 (unsigned long long)got, (unsigned long long)want[o]);
		reached += want[o] != 0;
	}
	assert_int_equal(after.v[ES_CNT_PACKETS] - before.v[ES_CNT_PACKETS], frames);
	print_message("hook %d: %llu frames, %u outcomes reached\n", hook,
		      (unsigned long long)frames, reached);
	/* every outcome but malformed_eth, at XDP; tc may refuse some */
	if (hook == ES_HOOK_XDP)
		assert_int_equal(reached, ES_CNT_OUTCOME_LAST - ES_CNT_OUTCOME_FIRST);
	else
		assert_true(reached >= 6);
}

static void test_xdp_packets_are_frames_run(void **state)
{
	(void)state;
	NEED_ROOT();
	packets_are_frames_run(ES_HOOK_XDP);
}

static void test_tc_ingress_packets_are_frames_run(void **state)
{
	(void)state;
	NEED_ROOT();
	packets_are_frames_run(ES_HOOK_TC_INGRESS);
}

static void test_tc_egress_packets_are_frames_run(void **state)
{
	(void)state;
	NEED_ROOT();
	packets_are_frames_run(ES_HOOK_TC_EGRESS);
}

/* The raw per-CPU slot of packets, summed over the CPUs. */
static uint64_t raw_packets_slot(int map_fd, uint32_t key)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals, sum = 0;

	assert_true(ncpu > 0);
	vals = calloc((size_t)ncpu, sizeof(*vals));
	assert_non_null(vals);
	assert_int_equal(bpf_map_lookup_elem(map_fd, &key, vals), 0);
	for (int c = 0; c < ncpu; c++)
		sum += vals[c];
	free(vals);
	return sum;
}

static void test_kernel_leaves_packets_slot(void **state)
{
	static struct case_frame cases[24];
	static const int hooks[] = { ES_HOOK_XDP, ES_HOOK_TC_INGRESS, ES_HOOK_TC_EGRESS };
	size_t n;
	int tc = 0;

	(void)state;
	NEED_ROOT();
	n = build_cases(cases);
	for (size_t h = 0; h < 3; h++)
		for (size_t i = 0; i < n; i++)
			run_times(hooks[h], &cases[i], 1);
	tc = sensor_bpf_tc_counters_fd(sb);
	assert_int_equal(raw_packets_slot(sensor_bpf_counters_fd(sb), ES_CNT_PACKETS), 0);
	assert_int_equal(raw_packets_slot(tc, ES_TC_CNT_BASE(ES_HOOK_TC_INGRESS) + ES_CNT_PACKETS),
			 0);
	assert_int_equal(raw_packets_slot(tc, ES_TC_CNT_BASE(ES_HOOK_TC_EGRESS) + ES_CNT_PACKETS),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xdp_packets_are_frames_run),
		cmocka_unit_test(test_tc_ingress_packets_are_frames_run),
		cmocka_unit_test(test_tc_egress_packets_are_frames_run),
		cmocka_unit_test(test_kernel_leaves_packets_slot),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
