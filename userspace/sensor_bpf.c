#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "edisensor.skel.h"
#include "sensor_bpf.h"
#include "tag_table.h"

struct sensor_bpf {
	struct edisensor_bpf *skel;
};

static int size_maps(struct sensor_bpf *s, const struct sensor_bpf_opts *o)
{
	struct bpf_map *flows = bpf_object__find_map_by_name(s->skel->obj, "flows");
	int err;

	if (flows && o->max_flows) {
		err = bpf_map__set_max_entries(flows, o->max_flows);
		if (err)
			return err;
	}
	if (o->reorder_off || o->reorder_slots) {
		/* off: the smallest map, never written (rodata reorder_hold) */
		err = bpf_map__set_max_entries(s->skel->maps.held,
					       o->reorder_off ? 1 : o->reorder_slots);
		if (err)
			return err;
	}
	if (o->ringbuf_bytes) {
		err = bpf_map__set_max_entries(s->skel->maps.events, o->ringbuf_bytes);
		if (err)
			return err;
	}
	return 0;
}

static int fill_cidrs(struct sensor_bpf *s, const struct sensor_bpf_opts *o)
{
	int fd = bpf_map__fd(s->skel->maps.cidrs);
	__u8 one = 1;

	for (size_t i = 0; i < o->n_cidrs; i++) {
		struct es_cidr_key k = { 0 };

		k.prefixlen = 8u + o->cidrs[i].prefix;
		k.family = o->cidrs[i].family;
		memcpy(k.addr, o->cidrs[i].addr, 16);
		if (bpf_map_update_elem(fd, &k, &one, BPF_ANY))
			return -errno;
	}
	return 0;
}

int sensor_bpf_open_load(struct sensor_bpf **out, const struct sensor_bpf_opts *o)
{
	struct sensor_bpf *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->skel = edisensor_bpf__open();
	if (!s->skel) {
		err = -errno;
		goto fail;
	}
	s->skel->rodata->tap_mode = o->tap_mode;
	s->skel->rodata->cidrs_configured = o->n_cidrs > 0;
	s->skel->rodata->seek_depth = o->seek_depth;
	s->skel->rodata->reorder_hold = !o->reorder_off;
	err = size_maps(s, o);
	if (err)
		goto fail;
	err = edisensor_bpf__load(s->skel);
	if (err)
		goto fail;
	err = fill_cidrs(s, o);
	if (err)
		goto fail;
	*out = s;
	return 0;
fail:
	sensor_bpf_destroy(s);
	return err;
}

void sensor_bpf_destroy(struct sensor_bpf *s)
{
	if (!s)
		return;
	edisensor_bpf__destroy(s->skel);
	free(s);
}

/* A table of the programs' .bss (mapped by the skeleton) replaced by one
 * built aside: word by word, each word once and only where it changes,
 * so an entry that is the same before and after never reads otherwise
 * while the table changes. */
static void write_changed_words(volatile __u64 *live, const __u64 *next, size_t n)
{
	for (size_t w = 0; w < n; w++)
		if (live[w] != next[w])
			live[w] = next[w];
}

int sensor_bpf_set_ports(struct sensor_bpf *s, const uint16_t *ports, size_t n)
{
	/* a port that stays monitored never reads as unmonitored while the
	 * set changes (write_changed_words()) */
	static __u64 m[sizeof(s->skel->bss->monitored_ports) / sizeof(__u64)];

	memset(m, 0, sizeof(m));
	for (size_t i = 0; i < n; i++) {
		uint16_t wire = htons(ports[i]);   /* the index the program reads */

		m[wire >> 6] |= 1ull << (wire & 63);
	}
	write_changed_words(s->skel->bss->monitored_ports, m, sizeof(m) / sizeof(m[0]));
	return 0;
}

int sensor_bpf_set_tags(struct sensor_bpf *s, const char (*tags)[4], size_t n)
{
	/* a tag asked for before and after never reads as skipped while the
	 * set changes (write_changed_words()) */
	__u64 *t = malloc(ES_TAGT_WORDS * sizeof(*t));
	bool all;

	if (!t)
		return -ENOMEM;
	all = tag_table_build(t, tags, n);
	write_changed_words(s->skel->bss->tag_class, t, ES_TAGT_WORDS);
	s->skel->bss->tags_all = all;
	free(t);
	return 0;
}

int sensor_bpf_prog_fd(const struct sensor_bpf *s)
{
	return bpf_program__fd(s->skel->progs.edisensor_xdp);
}

int sensor_bpf_counters_fd(const struct sensor_bpf *s)
{
	return bpf_map__fd(s->skel->maps.counters);
}

int sensor_bpf_tc_prog_fd(const struct sensor_bpf *s, enum es_hook hook)
{
	switch (hook) {
	case ES_HOOK_TC_INGRESS:
		return bpf_program__fd(s->skel->progs.edisensor_tc_in);
	case ES_HOOK_TC_EGRESS:
		return bpf_program__fd(s->skel->progs.edisensor_tc_eg);
	default:
		return -EINVAL;
	}
}

int sensor_bpf_tc_counters_fd(const struct sensor_bpf *s)
{
	return bpf_map__fd(s->skel->maps.tc_counters);
}

int sensor_bpf_events_fd(const struct sensor_bpf *s)
{
	return bpf_map__fd(s->skel->maps.events);
}

struct bpf_object *sensor_bpf_object(const struct sensor_bpf *s)
{
	return s->skel->obj;
}

void sensor_bpf_set_clock(struct sensor_bpf *s, uint64_t ns)
{
	s->skel->bss->replay_clock_ns = ns;
}

void sensor_bpf_reader_waiting(struct sensor_bpf *s, bool waiting)
{
	/* sequentially consistent: a ring check after it sees a record whose
	 * program did not see the flag (bpf/flow.h es_reader_waiting) */
	__atomic_store_n(&s->skel->bss->es_reader_waiting, waiting ? 1u : 0u, __ATOMIC_SEQ_CST);
}
