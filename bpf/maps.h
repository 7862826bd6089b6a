/* SPDX-License-Identifier: GPL-2.0 */
/* Maps shared by the edisensor programs: counters, what is monitored and
 * the event ring buffer. Userspace sizes and fills them before load / at
 * runtime. */
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

/*
 * Monitored TCP ports as a bitmap. The index of port p is p in network
 * byte order read as a 16-bit number (htons(p) on either side), so the
 * test of both ports of every packet is a load of each port straight from
 * the TCP header, no byte swap, and a load of its bitmap word. A global
 * (.bss), not an array map: the program addresses it directly -- no map
 * lookup, and no helper call around which the compiler would save the
 * parsed headers (this is on the path of every TCP packet, monitored or
 * not). Userspace writes it through the skeleton's mapping of .bss
 * (sensor_bpf_set_ports()).
 */
#define ES_PORT_WORDS (65536 / 64)
__u64 monitored_ports[ES_PORT_WORDS];

/* Optional monitored networks: either address inside makes a TCP packet
 * monitored whatever its ports (FTP data channels use dynamic ports). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, ES_MAX_CIDRS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct es_cidr_key);
	__type(value, __u8);
} cidrs SEC(".maps");

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
