/* Replay: a capture of known composition (written here with libpcap, in
 * Ethernet and Linux-cooked link types) runs through the
 * XDP object; the counters must add up to the capture. Needs root. */
#define PCAP_DONT_INCLUDE_PCAP_BPF_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <pcap/pcap.h>
#include <pcap/dlt.h>
#include "counters.h"
#include "replay.h"
#include "sensor_bpf.h"
#include "../lib/frames.h"

static struct sensor_bpf *sb;

static int setup(void **state)
{
	static const uint16_t ports[] = { ES_DEFAULT_PORTS };
	struct sensor_bpf_opts o = { 0 };

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "SKIPPED: replay tests need root (BPF_PROG_TEST_RUN)\n");
		return 0;
	}
	if (sensor_bpf_open_load(&sb, &o))
		return -1;
	return sensor_bpf_set_ports(sb, ports, sizeof(ports) / sizeof(ports[0]));
}

static int teardown(void **state)
{
	(void)state;
	sensor_bpf_destroy(sb);
	return 0;
}

/* Composition written by write_capture(). */
enum { N_MON = 7, N_NOTMON = 5, N_UDP = 3, N_ARP = 2, N_FRAG = 1, N_RUNT = 1 };

static void dump(pcap_dumper_t *d, const uint8_t *frame, size_t len, int sll, unsigned i)
{
	struct pcap_pkthdr h = { .ts = { .tv_sec = 1700000000 + i, .tv_usec = 0 } };
	uint8_t out[FRAME_BUF + 16];

	if (sll) {   /* Linux cooked v1: 16-byte header, protocol last */
		memset(out, 0, 14);
		memcpy(out + 14, frame + 12, 2);
		memcpy(out + 16, frame + 14, len - 14);
		len += 2;
		frame = out;
	}
	h.caplen = h.len = (uint32_t)len;
	pcap_dump((u_char *)d, &h, frame);
}

static void write_capture(const char *path, int sll)
{
	static uint8_t f[FRAME_BUF];
	pcap_t *p = pcap_open_dead(sll ? DLT_LINUX_SLL : DLT_EN10MB, 65535);
	pcap_dumper_t *d = pcap_dump_open(p, path);
	unsigned i = 0;
	size_t n;

	assert_non_null(d);
	for (int k = 0; k < N_MON; k++) {
		n = frame_build(&(struct frame_spec){ .ipv6 = k & 1, .sport = 40000, .dport = 3305,
						      .payload = "UNA:+.? '", .payload_len = 9 }, f);
		dump(d, f, n, sll, i++);
	}
	for (int k = 0; k < N_NOTMON; k++) {
		n = frame_build(&(struct frame_spec){ .sport = 40000, .dport = 443 }, f);
		dump(d, f, n, sll, i++);
	}
	for (int k = 0; k < N_UDP; k++) {
		n = frame_build(&(struct frame_spec){ .l4 = 17, .sport = 5353, .dport = 53 }, f);
		dump(d, f, n, sll, i++);
	}
	for (int k = 0; k < N_ARP; k++) {
		n = frame_build(&(struct frame_spec){ .dport = 3305 }, f);
		put16(f + 12, 0x0806);
		dump(d, f, n, sll, i++);
	}
	n = frame_build(&(struct frame_spec){ .dport = 3305, .frag_off = 0x2000 }, f);
	dump(d, f, n, sll, i++);
	if (!sll)    /* a 10-byte runt: cannot even hold an Ethernet header */
		dump(d, f, 10, 0, i++);
	pcap_dump_close(d);
	pcap_close(p);
}

static void replay_and_check(int sll)
{
	char path[] = "/tmp/edisensor-test-replay-XXXXXX";
	struct es_counters before, after;
	struct replay_stats st;
	char err[256];
	int fd = mkstemp(path);
	uint64_t total = N_MON + N_NOTMON + N_UDP + N_ARP + N_FRAG;

	assert_true(fd >= 0);
	close(fd);
	write_capture(path, sll);
	assert_int_equal(counters_read(sensor_bpf_counters_fd(sb), &before), 0);
	assert_int_equal(replay_pcap(sb, NULL, path, &st, err, sizeof(err)), 0);
	assert_int_equal(counters_read(sensor_bpf_counters_fd(sb), &after), 0);
	unlink(path);
	for (int i = 0; i < ES_CNT_MAX; i++)
		after.v[i] -= before.v[i];
	assert_int_equal(st.packets, total + (sll ? 0 : N_RUNT));
	assert_int_equal(st.runts, sll ? 0 : N_RUNT);
	assert_int_equal(after.v[ES_CNT_PACKETS], total);
	assert_int_equal(counters_outcome_sum(&after), total);
	assert_int_equal(after.v[ES_CNT_MONITORED], N_MON);
	assert_int_equal(after.v[ES_CNT_NOT_MONITORED], N_NOTMON);
	assert_int_equal(after.v[ES_CNT_NON_TCP], N_UDP);
	assert_int_equal(after.v[ES_CNT_NON_IP], N_ARP);
	assert_int_equal(after.v[ES_CNT_FRAGMENT], N_FRAG);
	assert_int_equal(after.v[ES_CNT_PAYLOAD_BYTES], N_MON * 9);
}

static void test_replay_ethernet(void **state)
{
	(void)state;
	if (!sb)
		skip();
	replay_and_check(0);
}

static void test_replay_linux_cooked(void **state)
{
	(void)state;
	if (!sb)
		skip();
	replay_and_check(1);
}

static void test_replay_missing_file(void **state)
{
	struct replay_stats st;
	char err[256] = "";

	(void)state;
	if (!sb)
		skip();
	assert_true(replay_pcap(sb, NULL, "/nonexistent/x.pcap", &st, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "/nonexistent/x.pcap"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_ethernet),
		cmocka_unit_test(test_replay_linux_cooked),
		cmocka_unit_test(test_replay_missing_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
