// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for another team's XDP program, used by the end-to-end tests:
 * it passes every frame and counts them. edisensord must refuse to start
 * on an interface that has it attached, and leave it there.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

SEC("xdp")
int foreign_pass(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&seen, &k);

	(void)ctx;
	if (v)
		*v += 1;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
