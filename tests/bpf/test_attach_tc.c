/*
 * Attaching the tc programs (userspace/attach_tc.c) beside other tc
 * programs, in a network namespace of its own with a veth pair t0/t1:
 * frames are sent into t1 with a packet socket and arrive at t0's ingress.
 *
 *  - tcx: a foreign tcx program appended after edisensor's still sees every
 *    packet (edisensor's verdict passes the packet on), and keeps seeing
 *    them after edisensor detaches;
 *  - clsact (the path of kernels without tcx): a foreign cls_bpf filter
 *    stays, keeps seeing every packet, and so does edisensor's filter; at
 *    detach only edisensor's filter goes, the qdisc and the foreign filter
 *    stay; a filter someone put in edisensor's place is left alone.
 *
 * Needs root (namespaces, BPF): skipped loudly without it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach_tc.h"
#include "counters.h"
#include "sensor_bpf.h"
#include "foreign_tc.skel.h"
#include "../lib/frames.h"

#define PORT 9000
#define TCX_INGRESS 46     /* enum bpf_attach_type, newer than the UAPI headers here */

static struct sensor_bpf *sb;
static struct foreign_tc_bpf *foreign;
static int pkt_sock = -1;
static int t0, t1;

static int setup(void **state)
{
	static const uint16_t ports[] = { PORT };
	struct sensor_bpf_opts o = { 0 };

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "SKIPPED: tc attach tests need root (network namespace, BPF)\n");
		return 0;
	}
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "SKIPPED: cannot create a network namespace: %s\n", strerror(errno));
		return 0;
	}
	/* no IPv6: the kernel's own neighbour discovery would reach the
	 * foreign filter, which counts every packet */
	if (system("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
		   "net.ipv6.conf.default.disable_ipv6=1 && "
		   "ip link add t0 type veth peer name t1 && ip link set t0 up && "
		   "ip link set t1 up")) {
		fprintf(stderr, "creating the veth pair failed\n");
		return -1;
	}
	t0 = (int)if_nametoindex("t0");
	t1 = (int)if_nametoindex("t1");
	pkt_sock = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	foreign = foreign_tc_bpf__open_and_load();
	if (!t0 || !t1 || pkt_sock < 0 || !foreign || sensor_bpf_open_load(&sb, &o) ||
	    sensor_bpf_set_ports(sb, ports, 1)) {
		fprintf(stderr, "setup failed: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (pkt_sock >= 0)
		close(pkt_sock);
	foreign_tc_bpf__destroy(foreign);
	sensor_bpf_destroy(sb);
	return 0;   /* the namespace goes with the process */
}

#define NEED_ROOT() do { if (!sb) { print_message("SKIPPED: needs root\n"); skip(); } } while (0)

#define SETTLE_S 30   /* a deadline only: waits end as soon as the frames are in */

/* A packet socket on t0: it gets each frame arriving at t0 right before tc
 * ingress runs on that frame (the taps come first in the receive path). */
static int tap_open(void)
{
	struct sockaddr_ll at = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				  .sll_ifindex = t0 };
	struct timeval tv = { .tv_sec = SETTLE_S };
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&at, sizeof(at)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	return fd;
}

/* n monitored TCP frames into t1: they arrive at t0's ingress. veth hands
 * them over through the backlog, which a loaded machine may process after
 * sendto returns (ksoftirqd): returns once t0's tap has seen all n, so each
 * has passed tc ingress or is in it (counter_reaches waits for the last). */
static void send_frames(unsigned n)
{
	static const char edi[] = "UNB+UNOC:3+A+B+260101:1200+1'UNH+1+CUSCAR:D:95B:UN'";
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = t1, .sll_halen = 6 };
	uint8_t frame[FRAME_BUF];
	int tap = tap_open();
	unsigned seen = 0;

	for (unsigned i = 0; i < n; i++) {
		struct frame_spec s = { .sport = 40000, .dport = PORT, .seq = 1 + i * 100u,
					.payload = edi, .payload_len = sizeof(edi) - 1 };
		size_t len = frame_build(&s, frame);

		assert_int_equal(sendto(pkt_sock, frame, len, 0, (struct sockaddr *)&to, sizeof(to)),
				 (ssize_t)len);
	}
	while (seen < n) {
		struct sockaddr_ll from;
		socklen_t flen = sizeof(from);
		ssize_t r = recvfrom(tap, frame, sizeof(frame), 0, (struct sockaddr *)&from, &flen);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail_msg("t0 received %u of %u frames within %d s", seen, n, SETTLE_S);
		if (from.sll_pkttype != PACKET_OUTGOING)
			seen++;
	}
	close(tap);
}

static double mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* counter() - base once it reached want (or the deadline passed): the
 * caller asserts the exact value, so a count past want still fails. */
static uint64_t counter_reaches(uint64_t (*counter)(void), uint64_t base, uint64_t want)
{
	double deadline = mono_s() + SETTLE_S;
	uint64_t got;

	while ((got = counter() - base) < want && mono_s() < deadline)
		usleep(1000);
	return got;
}

static uint64_t ours_seen(void)
{
	struct es_counters c;

	assert_int_equal(counters_read_at(sensor_bpf_tc_counters_fd(sb),
					  ES_TC_CNT_BASE(ES_HOOK_TC_INGRESS), &c), 0);
	return c.v[ES_CNT_MONITORED];
}

static uint64_t foreign_seen(void)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t vals[1024], sum = 0;
	__u32 k = 0;

	assert_true(ncpu > 0 && ncpu <= 1024);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(foreign->maps.tc_seen), &k, vals), 0);
	for (int i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}

static int foreign_fd(void)
{
	return bpf_program__fd(foreign->progs.foreign_tc);
}

static struct attach_tc *attach_ours(enum attach_tc_backend backend)
{
	struct attach_tc *a = NULL;
	char err[256] = "";

	if (attach_tc(&a, sensor_bpf_tc_prog_fd(sb, ES_HOOK_TC_INGRESS), "t0", ES_HOOK_TC_INGRESS,
		      backend, err, sizeof(err)))
		fail_msg("attach_tc: %s", err);
	return a;
}

/* tcx: the foreign program appended after ours still sees everything. */
static void test_tcx_chain_goes_on(void **state)
{
	struct attach_tc *a;
	uint64_t o0, f0;
	int link;

	(void)state;
	NEED_ROOT();
	uint32_t handle, prio;

	a = attach_ours(ATTACH_TC_AUTO);
	assert_string_equal(attach_tc_backend(a), "tcx");
	assert_int_equal(attach_tc_filter(a, &handle, &prio), -ENOENT);
	link = bpf_link_create(foreign_fd(), t0, (enum bpf_attach_type)TCX_INGRESS, NULL);
	assert_true(link >= 0);
	o0 = ours_seen();
	f0 = foreign_seen();
	send_frames(20);
	assert_int_equal(counter_reaches(ours_seen, o0, 20), 20);
	assert_int_equal(counter_reaches(foreign_seen, f0, 20), 20);
	assert_int_equal(attach_tc_detach(a), 0);
	send_frames(5);
	assert_int_equal(counter_reaches(foreign_seen, f0, 25), 25);
	assert_int_equal(ours_seen() - o0, 20);
	close(link);
}

static void tc_hook_of(struct bpf_tc_hook *h)
{
	memset(h, 0, sizeof(*h));
	h->sz = sizeof(*h);
	h->ifindex = t0;
	h->attach_point = BPF_TC_INGRESS;
}

/* The program id of the cls_bpf filter at (handle, priority), 0 when none. */
static unsigned query_filter(__u32 handle, __u32 priority)
{
	struct bpf_tc_hook h;
	struct bpf_tc_opts q = { .sz = sizeof(q), .handle = handle, .priority = priority };

	tc_hook_of(&h);
	return bpf_tc_query(&h, &q) ? 0 : q.prog_id;
}

static unsigned prog_id(int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

/* clsact: a foreign filter attached first stays and keeps seeing every
 * packet; ours sees them too; detaching ours leaves qdisc and foreign. */
static void test_clsact_beside_foreign_filter(void **state)
{
	struct bpf_tc_hook h;
	struct bpf_tc_opts fo = { .sz = sizeof(fo), .handle = 7, .priority = 100 };
	struct attach_tc *a;
	uint64_t o0, f0;
	unsigned fid = prog_id(foreign_fd());
	int r;

	(void)state;
	NEED_ROOT();
	tc_hook_of(&h);
	r = bpf_tc_hook_create(&h);
	assert_true(r == 0 || r == -EEXIST);
	fo.prog_fd = foreign_fd();
	assert_int_equal(bpf_tc_attach(&h, &fo), 0);
	a = attach_ours(ATTACH_TC_CLSACT);
	assert_string_equal(attach_tc_backend(a), "clsact");
	assert_int_equal(query_filter(7, 100), fid);
	o0 = ours_seen();
	f0 = foreign_seen();
	send_frames(20);
	assert_int_equal(counter_reaches(foreign_seen, f0, 20), 20);
	/* ours runs first (priority 1) and its verdict lets every packet go
	 * on to the foreign filter */
	assert_int_equal(counter_reaches(ours_seen, o0, 20), 20);
	assert_int_equal(attach_tc_detach(a), 0);
	assert_int_equal(query_filter(7, 100), fid);
	send_frames(5);
	assert_int_equal(counter_reaches(foreign_seen, f0, 25), 25);
	assert_int_equal(ours_seen() - o0, 20);
	fo.prog_fd = 0;
	fo.prog_id = 0;
	fo.flags = 0;
	assert_int_equal(bpf_tc_detach(&h, &fo), 0);
}

/* Someone replaced our filter with theirs: detaching ours leaves it. */
static void test_clsact_detach_leaves_replacement(void **state)
{
	struct attach_tc *a;
	struct bpf_tc_hook h;
	struct bpf_tc_opts q = { .sz = sizeof(q), .handle = 0, .priority = 0 };
	unsigned fid = prog_id(foreign_fd()), ours = prog_id(sensor_bpf_tc_prog_fd(sb,
								 ES_HOOK_TC_INGRESS));
	uint32_t handle, prio;

	(void)state;
	NEED_ROOT();
	a = attach_ours(ATTACH_TC_CLSACT);
	assert_int_equal(attach_tc_filter(a, &handle, &prio), 0);
	assert_int_equal(query_filter(handle, prio), ours);
	tc_hook_of(&h);
	q.handle = handle;
	q.priority = prio;
	q.prog_fd = foreign_fd();
	q.flags = BPF_TC_F_REPLACE;
	assert_int_equal(bpf_tc_attach(&h, &q), 0);
	assert_int_equal(query_filter(handle, prio), fid);
	assert_int_equal(attach_tc_detach(a), 0);
	assert_int_equal(query_filter(handle, prio), fid);
	q.prog_fd = 0;
	q.prog_id = 0;
	q.flags = 0;
	assert_int_equal(bpf_tc_detach(&h, &q), 0);
}

/* A killed daemon's filter (ours, left at priority 1): the next attach
 * removes it, so one program scans, and --detach's call finds nothing. */
static void test_clsact_stale_filter_replaced(void **state)
{
	struct bpf_tc_hook h;
	struct bpf_tc_opts left = { .sz = sizeof(left), .priority = 1 };
	unsigned ours = prog_id(sensor_bpf_tc_prog_fd(sb, ES_HOOK_TC_INGRESS));
	struct attach_tc *a;
	uint32_t handle, prio;
	uint64_t o0;
	char err[256];

	(void)state;
	NEED_ROOT();
	tc_hook_of(&h);
	left.prog_fd = sensor_bpf_tc_prog_fd(sb, ES_HOOK_TC_INGRESS);
	assert_int_equal(bpf_tc_attach(&h, &left), 0);
	a = attach_ours(ATTACH_TC_CLSACT);
	assert_int_equal(attach_tc_stale_removed(a), 1);
	assert_int_equal(attach_tc_filter(a, &handle, &prio), 0);
	assert_int_equal(query_filter(handle, prio), ours);
	o0 = ours_seen();
	send_frames(10);
	/* one filter: each packet counted once (with two, the first nine
	 * would already count 18 once t0's tap saw all ten) */
	assert_int_equal(counter_reaches(ours_seen, o0, 10), 10);
	assert_int_equal(attach_tc_detach_stale("t0", ES_HOOK_TC_INGRESS, err, sizeof(err)), 1);
	assert_int_equal(query_filter(handle, prio), 0);
	assert_int_equal(attach_tc_detach(a), 0);   /* already gone: not an error */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcx_chain_goes_on),
		cmocka_unit_test(test_clsact_beside_foreign_filter),
		cmocka_unit_test(test_clsact_detach_leaves_replacement),
		cmocka_unit_test(test_clsact_stale_filter_replaced),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
