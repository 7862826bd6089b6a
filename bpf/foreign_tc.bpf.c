// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for another team's tc filter, used by the tests of the tc
 * hook: it counts every packet and returns TC_ACT_OK, which ends the filter
 * chain. edisensor's tc program must leave it attached and, when it runs
 * first, let packets on to it.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} tc_seen SEC(".maps");

SEC("tc")
int foreign_tc(struct __sk_buff *skb)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&tc_seen, &k);

	(void)skb;
	if (v)
		*v += 1;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
