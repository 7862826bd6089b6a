// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark baseline: the cheapest XDP program there is. tools/bench-xdp
 * divides the sensor's cost per non-EDI frame by this program's, both run
 * with BPF_PROG_TEST_RUN in the same process.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bench_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
