/* SPDX-License-Identifier: GPL-2.0 */
/* Maps shared by the edisensor programs: counters, what is monitored, the
 * forwarded tags and the event ring buffer. Userspace sizes and fills them
 * before load / at runtime. */
#ifndef EDISENSOR_MAPS_H
#define EDISENSOR_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "edisensor.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ES_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* The tc programs' counters, same indices: ES_CNT_MAX for tc ingress, then
 * ES_CNT_MAX for tc egress (ES_TC_CNT_BASE). The XDP counters above keep
 * counting XDP alone. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * ES_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} tc_counters SEC(".maps");

/* Monitored TCP ports as a bitmap, bit p set = port p monitored. One
 * array element: the lookup is inlined by the verifier, so the test for
 * both ports of every packet costs two loads, not two hash lookups (this
 * is on the path of every TCP packet, monitored or not). */
struct es_port_bitmap {
	__u64 bits[65536 / 64];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct es_port_bitmap);
} ports SEC(".maps");

/* Optional monitored networks: either address inside makes a TCP packet
 * monitored whatever its ports (FTP data channels use dynamic ports). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, ES_MAX_CIDRS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct es_cidr_key);
	__type(value, __u8);
} cidrs SEC(".maps");

/* Segment tags userspace wants beyond the service segments. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ES_MAX_TAGS);
	__type(key, struct es_tag_key);
	__type(value, __u8);
} tags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, ES_RINGBUF_BYTES);
} events SEC(".maps");

/* hook is a constant in each program: one of the branches remains. */
static __always_inline void count_add(__u8 hook, __u32 idx, __u64 n)
{
	__u64 *v;

	if (hook == ES_HOOK_XDP) {
		v = bpf_map_lookup_elem(&counters, &idx);
	} else {
		__u32 k = ES_TC_CNT_BASE(hook) + idx;

		v = bpf_map_lookup_elem(&tc_counters, &k);
	}
	if (v)
		*v += n;   /* per-CPU slot: no atomics needed */
}

static __always_inline void count(__u8 hook, __u32 idx)
{
	count_add(hook, idx, 1);
}

#endif /* EDISENSOR_MAPS_H */
