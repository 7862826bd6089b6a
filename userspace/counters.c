#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "counters.h"

static const char *const names[ES_CNT_MAX] = {
	[ES_CNT_PACKETS] = "packets",
	[ES_CNT_NON_IP] = "non_ip",
	[ES_CNT_NON_TCP] = "non_tcp",
	[ES_CNT_NOT_MONITORED] = "not_monitored",
	[ES_CNT_MONITORED] = "monitored",
	[ES_CNT_MALFORMED_ETH] = "malformed_eth",
	[ES_CNT_MALFORMED_VLAN] = "malformed_vlan",
	[ES_CNT_MALFORMED_IPV4] = "malformed_ipv4",
	[ES_CNT_MALFORMED_IPV6] = "malformed_ipv6",
	[ES_CNT_MALFORMED_TCP] = "malformed_tcp",
	[ES_CNT_FRAGMENT] = "fragment",
	[ES_CNT_PAYLOAD_EMPTY] = "payload_empty",
	[ES_CNT_PAYLOAD_BYTES] = "payload_bytes",
	[ES_CNT_FLOW_NEW] = "flow_new",
	[ES_CNT_FLOW_MIDSTREAM] = "flow_midstream",
	[ES_CNT_FLOW_NOT_TRACKED] = "flow_not_tracked",
	[ES_CNT_FLOW_END] = "flow_end",
	[ES_CNT_RETRANS] = "retransmitted",
	[ES_CNT_OVERLAP] = "overlap",
	[ES_CNT_GAP] = "gap",
	[ES_CNT_INTERCHANGES] = "interchanges",
	[ES_CNT_SEGMENTS] = "segments",
	[ES_CNT_SEGMENTS_SKIPPED] = "segments_skipped",
	[ES_CNT_SEG_TRUNCATED] = "segments_truncated",
	[ES_CNT_EVENTS] = "events",
	[ES_CNT_RINGBUF_FULL] = "ringbuf_full",
	[ES_CNT_FRAGS_READ] = "frags_read",
	[ES_CNT_SCAN_LIMIT] = "scan_limit",
	[ES_CNT_SCAN_RESYNC] = "scan_resync",
	[ES_CNT_SEEK_GIVEUP] = "seek_giveup",
	[ES_CNT_SEEK_SKIPPED_BYTES] = "seek_skipped_bytes",
	[ES_CNT_REORDER_HELD] = "reorder_held",
	[ES_CNT_REORDER_RELEASED] = "reorder_released",
	[ES_CNT_REORDER_ABANDONED] = "reorder_abandoned",
	[ES_CNT_B64_BODIES] = "b64_bodies",
	[ES_CNT_B64_BYTES] = "b64_bytes",
	[ES_CNT_B64_CAPPED] = "b64_capped",
};

const char *counter_name(unsigned idx)
{
	if (idx >= ES_CNT_MAX || !names[idx])
		return "unknown";
	return names[idx];
}

int counters_read(int map_fd, struct es_counters *out)
{
	return counters_read_at(map_fd, 0, out);
}

int counters_read_at(int map_fd, uint32_t base, struct es_counters *out)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (__u32 i = 0; i < ES_CNT_MAX; i++) {
		__u32 key = base + i;

		out->v[i] = 0;
		if (bpf_map_lookup_elem(map_fd, &key, vals)) {
			int err = -errno;

			free(vals);
			return err;
		}
		for (int c = 0; c < ncpu; c++)
			out->v[i] += vals[c];
	}
	free(vals);
	/* the kernel counts each packet once, in its outcome (one per-CPU
	 * increment per packet, not two): packets is their sum */
	out->v[ES_CNT_PACKETS] = counters_outcome_sum(out);
	return 0;
}

uint64_t counters_outcome_sum(const struct es_counters *c)
{
	uint64_t s = 0;

	for (unsigned i = ES_CNT_OUTCOME_FIRST; i <= ES_CNT_OUTCOME_LAST; i++)
		s += c->v[i];
	return s;
}

void counters_print(FILE *f, const struct es_counters *c)
{
	for (unsigned i = 0; i < ES_CNT_MAX; i++)
		fprintf(f, "%-20s %llu\n", counter_name(i), (unsigned long long)c->v[i]);
}
