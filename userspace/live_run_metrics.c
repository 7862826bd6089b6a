/* The live run's own /metrics collectors (build, reloads, attachments,
 * XDP/tc counters, losses before the pipeline, flow table, queue) and the
 * registry's setup, which also registers live_metrics.c's collectors for
 * the pipeline and its modules and the caller's. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "attach_tc.h"
#include "counters.h"
#include "evqueue.h"
#include "live_metrics.h"
#include "live_priv.h"
#include "log.h"
#include "metrics.h"
#include "sensor_bpf.h"
#include "version.h"


static void collect_process(struct metrics_out *o, void *ctx)
{
	struct live *l = ctx;
	char lab[160], v[64];

	metrics_family(o, "edisensor_build_info", "gauge", "Version of the running edisensord");
	snprintf(lab, sizeof(lab), "version=\"%s\"", metrics_escape(EDISENSOR_VERSION, v, sizeof(v)));
	metrics_sample(o, "edisensor_build_info", lab, 1);
	metrics_gauge(o, "edisensor_start_time_seconds", "Unix time the daemon started",
		      (uint64_t)l->started);
	metrics_counter(o, "edisensor_reloads_total", "SIGHUP reloads applied", l->reloads);
	metrics_counter(o, "edisensor_reload_failures_total",
			"SIGHUP reloads refused (configuration or feeds invalid; old ones kept)",
			l->reload_failures);
	metrics_family(o, "edisensor_interface_attached", "gauge",
		       "1 per interface the XDP program is attached to");
	for (size_t i = 0; i < l->n_att; i++) {
		char ifn[64];

		snprintf(lab, sizeof(lab), "interface=\"%s\",mode=\"%s\",dispatcher=\"%s\"",
			 metrics_escape(attach_ifname(l->att[i]), ifn, sizeof(ifn)),
			 attach_mode_name(l->att[i]), attach_is_dispatcher(l->att[i]) ? "yes" : "no");
		metrics_sample(o, "edisensor_interface_attached", lab, 1);
	}
	if (!l->n_tcatt)
		return;
	metrics_family(o, "edisensor_tc_attached", "gauge",
		       "1 per interface direction a tc program is attached to");
	for (size_t i = 0; i < l->n_tcatt; i++) {
		char ifn[64];

		snprintf(lab, sizeof(lab), "interface=\"%s\",hook=\"%s\",backend=\"%s\"",
			 metrics_escape(attach_tc_ifname(l->tcatt[i]), ifn, sizeof(ifn)),
			 attach_tc_hook_name(l->tcatt[i]), attach_tc_backend(l->tcatt[i]));
		metrics_sample(o, "edisensor_tc_attached", lab, 1);
	}
}

/* Whether the configuration watches any interface at a tc hook. */
static bool uses_tc(const struct config *c)
{
	for (size_t i = 0; i < c->n_interfaces; i++)
		if (config_iface_hooks(c, i) & CONFIG_HOOK_TC)
			return true;
	return false;
}

/* tc counters, per hook: edisensor_tc_NAME_total{hook="tc-ingress"}. */
static void collect_tc(struct metrics_out *o, struct live *l)
{
	static const enum es_hook hooks[] = { ES_HOOK_TC_INGRESS, ES_HOOK_TC_EGRESS };
	struct es_counters c[2];
	int fd = sensor_bpf_tc_counters_fd(l->bpf);
	char name[96];

	for (int h = 0; h < 2; h++)
		if (counters_read_at(fd, ES_TC_CNT_BASE(hooks[h]), &c[h]))
			return;
	for (unsigned i = 0; i < ES_CNT_MAX; i++) {
		snprintf(name, sizeof(name), "edisensor_tc_%s_total", counter_name(i));
		metrics_family(o, name, "counter", "tc program counter, summed over CPUs");
		metrics_sample(o, name, "hook=\"tc-ingress\"", c[0].v[i]);
		metrics_sample(o, name, "hook=\"tc-egress\"", c[1].v[i]);
	}
}

static void collect_kernel(struct metrics_out *o, void *ctx)
{
	struct live *l = ctx;
	struct es_counters c;
	char name[96];

	if (counters_read(sensor_bpf_counters_fd(l->bpf), &c))
		return;
	for (unsigned i = 0; i < ES_CNT_MAX; i++) {
		snprintf(name, sizeof(name), "edisensor_xdp_%s_total", counter_name(i));
		metrics_family(o, name, "counter", "XDP program counter, summed over CPUs");
		metrics_sample(o, name, NULL, c.v[i]);
	}
	if (uses_tc(l->cfg))
		collect_tc(o, l);
}

static uint64_t count_flows(struct bpf_map *flows)
{
	unsigned char key[256], next[256];
	void *prev = NULL;
	uint64_t n = 0, cap = (uint64_t)bpf_map__max_entries(flows) + 1;
	int fd = bpf_map__fd(flows);

	if (bpf_map__key_size(flows) > sizeof(key))
		return 0;
	while (n < cap && bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, bpf_map__key_size(flows));
		prev = key;
		n++;
	}
	return n;
}

/* Needs no lock: kernel map reads and the queue's atomics. */
static void collect_capture(struct metrics_out *o, void *ctx)
{
	struct live *l = ctx;
	struct evqueue_stats qs;
	uint64_t ringbuf_lost = 0;

	evqueue_stats(l->q, &qs);
	live_kernel_ringbuf_lost(l, &ringbuf_lost);
	if (l->flows)
		metrics_gauge(o, "edisensor_flows_active",
			      "Entries in the kernel flow table (both directions)",
			      count_flows(l->flows));
	metrics_family(o, "edisensor_events_lost_total", "counter",
		       "Kernel events or ring records lost before the pipeline, by stage");
	metrics_sample(o, "edisensor_events_lost_total", "stage=\"ringbuf\"", ringbuf_lost);
	metrics_sample(o, "edisensor_events_lost_total", "stage=\"queue_full\"",
		       atomic_load(&l->queue_lost_events[0]));
	metrics_sample(o, "edisensor_events_lost_total", "stage=\"queue_oversize\"",
		       atomic_load(&l->queue_lost_events[1]));
	metrics_counter(o, "edisensor_queue_records_total",
			"Ring-buffer records the reader queued for the pipeline", qs.pushed);
	metrics_counter(o, "edisensor_queue_dropped_records_total",
			"Ring-buffer records the queue dropped (full or oversize; each holds "
			"one or more events)", qs.dropped + qs.oversize);
	metrics_gauge(o, "edisensor_queue_depth_bytes", "Bytes waiting for the pipeline",
		      qs.depth_bytes);
	metrics_gauge(o, "edisensor_queue_capacity_bytes", "Queue size", qs.capacity);
}

int live_setup_metrics(struct live *l)
{
	char err[256];
	int r;

	if (!l->cfg->metrics_addr)
		return 0;
	r = metrics_new(&l->metrics, &l->pipe_lock);
	if (r)
		return r;
	metrics_register(l->metrics, collect_process, l);
	metrics_register_unlocked(l->metrics, collect_kernel, l);
	metrics_register_unlocked(l->metrics, collect_capture, l);
	l->metrics_ctx = (struct live_metrics){ .pipe = l->pipe,
						.pipeline_errors = &l->pipeline_errors };
	live_metrics_register(l->metrics, &l->metrics_ctx);
	if (l->hooks && l->hooks->register_metrics)
		l->hooks->register_metrics(l->hooks->ctx, l->metrics);
	r = metrics_listen(l->metrics, l->cfg->metrics_addr, err, sizeof(err));
	if (r)
		log_error("%s (set [metrics] listen, --metrics-addr, or off)", err);
	return r;
}
