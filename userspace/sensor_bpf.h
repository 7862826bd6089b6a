/* The edisensor BPF object: open, size, load, fill its maps, and hand out
 * the fds the rest of the daemon needs. Wraps the generated skeleton so
 * only this module depends on its layout. */
#ifndef EDISENSOR_SENSOR_BPF_H
#define EDISENSOR_SENSOR_BPF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "edisensor.h"

struct sensor_bpf;

struct sensor_cidr {
	uint8_t family;      /* 4 or 6 */
	uint8_t prefix;      /* bits */
	uint8_t addr[16];
};

struct sensor_bpf_opts {
	bool tap_mode;                 /* XDP_DROP after inspection (mirror ports) */
	uint32_t max_flows;            /* flow table entries, 0 = default */
	uint32_t ringbuf_bytes;        /* power of two, 0 = default */
	uint64_t seek_depth;           /* payload bytes a direction is sought through
					  without an EDI header before it is no
					  longer scanned; 0 = unlimited (the
					  daemon's default comes from config.c) */
	uint32_t reorder_slots;        /* directions that may hold one early TCP
					  segment (ES_HOLD_BYTES) at once, 0 =
					  default ES_REORDER_SLOTS */
	bool reorder_off;              /* hold nothing: an early segment is a gap */
	const struct sensor_cidr *cidrs;
	size_t n_cidrs;
};

int sensor_bpf_open_load(struct sensor_bpf **out, const struct sensor_bpf_opts *o);
void sensor_bpf_destroy(struct sensor_bpf *s);

/* Replace the monitored ports / forwarded tags (the programs' globals:
 * the next packet sees the change). */
int sensor_bpf_set_ports(struct sensor_bpf *s, const uint16_t *ports, size_t n);
int sensor_bpf_set_tags(struct sensor_bpf *s, const char (*tags)[4], size_t n);

int sensor_bpf_prog_fd(const struct sensor_bpf *s);
int sensor_bpf_counters_fd(const struct sensor_bpf *s);
/* The tc program of one direction (ES_HOOK_TC_INGRESS or _EGRESS; -EINVAL
 * otherwise), loaded with the XDP one: same maps, flow table, ring buffer. */
int sensor_bpf_tc_prog_fd(const struct sensor_bpf *s, enum es_hook hook);
/* tc_counters: ES_CNT_MAX per tc hook, at ES_TC_CNT_BASE(hook). */
int sensor_bpf_tc_counters_fd(const struct sensor_bpf *s);
int sensor_bpf_events_fd(const struct sensor_bpf *s);
struct bpf_object *sensor_bpf_object(const struct sensor_bpf *s);

/* Capture time of the next packet run through BPF_PROG_TEST_RUN (replay). */
void sensor_bpf_set_clock(struct sensor_bpf *s, uint64_t ns);

/* The ring buffer's reader is about to sleep until woken (true), or awake
 * (false). The programs wake it only after true, once: a reader that
 * sleeps in poll must say so first, then look at the ring once more, then
 * sleep (with a timeout: a record committed as it said so may not wake
 * it). bpf/flow.h, es_reader_waiting. */
void sensor_bpf_reader_waiting(struct sensor_bpf *s, bool waiting);

#endif
