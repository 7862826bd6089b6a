#include <errno.h>
#include <pwd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "attach_tc.h"
#include "counters.h"
#include "cpu_priority.h"
#include "evqueue.h"
#include "feeds.h"
#include "live.h"
#include "live_metrics.h"
#include "log.h"
#include "metrics.h"
#include "netdev_driver.h"
#include "notify.h"
#include "pipeline.h"
#include "privdrop.h"
#include "ring_record.h"
#include "sensor_bpf.h"
#include "signals.h"
#include "version.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define BATCH_RECORDS 64      /* records per pipeline-lock hold: short, as the
                                 * pipeline thread may run at idle priority and
                                 * the metrics thread waits for the lock */
#define TICK_MS 100           /* signals and watchdog are checked this often */
/* The reader drains the kernel ring, then naps when it found only a few
 * records, so that records pile up and the next drain takes them in one go:
 * the programs wake the reader when it sleeps in poll (once per sleep,
 * sensor_bpf_reader_waiting()), so a reader that is always caught up costs
 * a wakeup (and a context switch on the traffic's CPU) per few records. The ring (8 MiB
 * by default) holds far more than a nap's worth at line rate. */
#define READER_FEW_RECORDS 64
#define READER_NAP_US 2000
#define LOSS_LOG_US 60000000u  /* losses are logged at most this often */
#define PRIO_PENDING (-100000)   /* a worker thread has not set its priority yet */

/* Configurations replaced by a reload: kept to the end because the
 * pipeline may still point at their strings. */
struct old_config {
	struct old_config *next;
	struct config cfg;
};

struct live {
	struct config *cfg;
	int argc;
	char **argv;
	const struct live_hooks *hooks;
	struct sensor_bpf *bpf;
	struct pipeline *pipe;
	struct ring_buffer *rb;
	struct evqueue *q;
	struct metrics *metrics;
	struct live_metrics metrics_ctx;   /* what the pipeline's collectors read */
	struct attach *att[CONFIG_MAX_IFACES];
	size_t n_att;
	struct attach_tc *tcatt[2 * CONFIG_MAX_IFACES];   /* tc ingress/egress */
	size_t n_tcatt;
	pthread_mutex_t pipe_lock;     /* held while the pipeline works; metrics read under it */
	pthread_t reader;
	bool reader_started;
	_Atomic bool reader_stop;
	_Atomic bool reader_done;
	_Atomic int reader_err;
	/* Events inside the records the queue dropped: full, oversize. */
	_Atomic uint64_t queue_lost_events[2];
	pthread_t pipeliner;           /* runs the pipeline on the queue's records */
	bool pipeliner_started;
	_Atomic bool pipeliner_stop;
	_Atomic uint64_t pipeline_alive_us;   /* the pipeline thread's last turn (now_us) */
	_Atomic int prio_rc[2];        /* reader, pipeline: cpu_priority_apply_self() result */
	struct bpf_map *flows;         /* NULL when the object has no flow table */
	uint64_t pipeline_errors;
	uint64_t reloads, reload_failures;
	bool feeds_reloading;          /* a background feed reload runs */
	uint64_t reported_queue;       /* losses already written as Loss records */
	uint64_t reported_ringbuf;
	uint64_t logged_queue, logged_ringbuf;   /* losses already in the log */
	uint64_t loss_logged_us;       /* when (now_us), 0: never */
	time_t started;
	struct old_config *old;
};

/* ---- ring-buffer reader thread ------------------------------------------ */

/* Events in a ring buffer output (the kernel batches a packet's events):
 * read from its record headers alone (one per packet, or per separator
 * change), not from its items, so a dropped output costs a cache line or
 * two, not its whole length. */
static uint64_t events_in_record(const void *rec, size_t len)
{
	uint64_t n = ring_output_events(rec, len);

	return n ? n : 1;   /* a malformed record still held something */
}

static int on_ringbuf_event(void *ctx, void *data, size_t len)
{
	struct live *l = ctx;

	/* Full: the record is counted there and its events here; never blocks. */
	int r = evqueue_push(l->q, data, len);

	if (r)
		atomic_fetch_add_explicit(&l->queue_lost_events[r == -EMSGSIZE],
					  events_in_record(data, len), memory_order_relaxed);
	return 0;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

static void nap_us(long us)
{
	struct timespec ts = { 0, us * 1000 };

	nanosleep(&ts, NULL);
}

static void *reader_main(void *arg)
{
	struct live *l = arg;

	signals_block_in_thread();
	pthread_setname_np(pthread_self(), "es-reader");   /* for top -H, perf */
	atomic_store(&l->prio_rc[0], cpu_priority_apply_self(l->cfg->cpu_priority));
	while (!atomic_load(&l->reader_stop)) {
		int r = ring_buffer__consume(l->rb);

		if (r == 0) {
			/* nothing there: sleep until woken, after telling the
			 * programs to wake us and looking once more */
			sensor_bpf_reader_waiting(l->bpf, true);
			r = ring_buffer__consume(l->rb);
			if (r == 0)
				r = ring_buffer__poll(l->rb, TICK_MS);
			sensor_bpf_reader_waiting(l->bpf, false);
		} else if (r > 0 && r < READER_FEW_RECORDS)
			nap_us(READER_NAP_US);
		if (r < 0 && r != -EINTR) {
			atomic_store(&l->reader_err, r);
			break;
		}
	}
	ring_buffer__consume(l->rb);   /* what the kernel wrote before detach */
	atomic_store(&l->reader_done, true);
	evqueue_wake(l->q);
	return NULL;
}

/* ---- pipeline thread ----------------------------------------------------- */

static void handle_event(struct live *l, const void *ev, size_t len)
{
	if (pipeline_event(l->pipe, ev, len) < 0)
		l->pipeline_errors++;
}

/* Processes what the queue holds, waiting up to wait_ms for the first
 * event. Returns how many were processed. */
static size_t process_batch(struct live *l, int wait_ms)
{
	const void *ev;
	size_t len, n = 0;

	ev = evqueue_peek(l->q, &len, wait_ms);
	if (!ev)
		return 0;
	pthread_mutex_lock(&l->pipe_lock);
	do {
		handle_event(l, ev, len);
		evqueue_release(l->q);
		n++;
	} while (n < BATCH_RECORDS && (ev = evqueue_peek(l->q, &len, 0)));
	pthread_mutex_unlock(&l->pipe_lock);
	return n;
}

/* The pipeline's own thread, so that its priority can be lowered while the
 * main thread (signals, watchdog, reloads, loss reports) keeps its own. */
static void *pipeline_main(void *arg)
{
	struct live *l = arg;

	signals_block_in_thread();
	pthread_setname_np(pthread_self(), "es-pipeline");
	atomic_store(&l->prio_rc[1], cpu_priority_apply_self(l->cfg->cpu_priority));
	while (!atomic_load(&l->pipeliner_stop)) {
		atomic_store(&l->pipeline_alive_us, now_us());
		process_batch(l, TICK_MS);
	}
	return NULL;
}

/* ---- metrics collectors ---------------------------------------------------- */

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

/* Events the kernel could not reserve in the ring buffer, every hook. */
static int kernel_ringbuf_lost(struct live *l, uint64_t *lost)
{
	struct es_counters c;
	int tc = sensor_bpf_tc_counters_fd(l->bpf);
	int r = counters_read(sensor_bpf_counters_fd(l->bpf), &c);

	*lost = r ? 0 : c.v[ES_CNT_RINGBUF_FULL];
	if (!r)
		r = counters_read_at(tc, ES_TC_CNT_BASE(ES_HOOK_TC_INGRESS), &c);
	if (!r)
		*lost += c.v[ES_CNT_RINGBUF_FULL];
	if (!r)
		r = counters_read_at(tc, ES_TC_CNT_BASE(ES_HOOK_TC_EGRESS), &c);
	if (!r)
		*lost += c.v[ES_CNT_RINGBUF_FULL];
	return r;
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
	kernel_ringbuf_lost(l, &ringbuf_lost);
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

static int setup_metrics(struct live *l)
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

/* ---- attach ------------------------------------------------------------- */

static void detach_all(struct live *l)
{
	for (size_t i = l->n_tcatt; i-- > 0;) {
		char name[64];
		int r;

		snprintf(name, sizeof(name), "%s %s", attach_tc_ifname(l->tcatt[i]),
			 attach_tc_hook_name(l->tcatt[i]));
		r = attach_tc_detach(l->tcatt[i]);
		if (r)
			log_warn("%s: detaching: %s (the filter keeps passing traffic)", name,
				 strerror(-r));
		else
			log_info("%s: detached", name);
	}
	l->n_tcatt = 0;
	for (size_t i = l->n_att; i-- > 0;) {
		const char *ifn = attach_ifname(l->att[i]);
		char name[64];
		int r;

		snprintf(name, sizeof(name), "%s", ifn);
		r = attach_detach(l->att[i]);
		if (r)
			log_warn("%s: detaching: %s (the program keeps passing traffic; "
				 "edisensord --detach removes it)", name, strerror(-r));
		else
			log_info("%s: detached", name);
	}
	l->n_att = 0;
}

/* How the program got there: the dispatcher, or alone and why. */
static const char *describe_attach(const struct attach *a, char *buf, size_t len)
{
	if (attach_is_dispatcher(a))
		snprintf(buf, len, "through libxdp's dispatcher (other XDP programs can share "
			 "the interface)");
	else if (strcmp(attach_backend(a), "libxdp"))
		snprintf(buf, len, "single program, through %s", attach_backend(a));
	else
		snprintf(buf, len, "single program through libxdp (its dispatcher is unavailable "
			 "here: the kernel refused freplace programs or bpffs is missing; see "
			 "libxdp's messages)");
	return buf;
}

/*
 * veth runs a native XDP program on a private copy of every skb that is
 * cloned, shared or non-linear, and TCP transmits clones: whatever the
 * program does, every TCP frame is copied (docs/VETH_BENCH.md). Tell the
 * operator once, with the hook that sees the same packets without a copy.
 */
static void note_veth(const char *ifn, const char *mode)
{
	char drv[64];

	if (strcmp(mode, "native") || netdev_driver(ifn, drv, sizeof(drv)) || strcmp(drv, "veth"))
		return;
	log_info("%s: veth: native XDP makes the driver copy every TCP frame; hook = tc-ingress "
		 "sees the same packets without the copy (docs/VETH_BENCH.md)", ifn);
}

static int attach_one_xdp(struct live *l, const char *ifn)
{
	unsigned int replaced;
	bool fell_back;
	char err[512], how[256];
	int r = attach_xdp(&l->att[l->n_att], sensor_bpf_prog_fd(l->bpf), ifn, l->cfg->xdp_mode,
			   &replaced, &fell_back, err, sizeof(err));

	if (r) {
		log_error("%s", err);
		return r;
	}
	if (replaced)
		log_warn("%s: replaced edisensor program id %u left by an earlier run "
			 "(killed daemon?)", ifn, replaced);
	if (fell_back)
		log_warn("%s: native XDP not supported by the driver: attached in generic "
			 "(skb) mode, which costs more CPU per packet", ifn);
	log_info("%s: attached in %s mode, %s", ifn, attach_mode_name(l->att[l->n_att]),
		 describe_attach(l->att[l->n_att], how, sizeof(how)));
	note_veth(ifn, attach_mode_name(l->att[l->n_att]));
	l->n_att++;
	return 0;
}

static int attach_one_tc(struct live *l, const char *ifn, enum es_hook hook)
{
	char err[512], how[128] = "";
	uint32_t handle, prio;
	int r = attach_tc(&l->tcatt[l->n_tcatt], sensor_bpf_tc_prog_fd(l->bpf, hook), ifn, hook,
			  ATTACH_TC_AUTO, err, sizeof(err));

	if (r) {
		log_error("%s", err);
		return r;
	}
	if (attach_tc_stale_removed(l->tcatt[l->n_tcatt]))
		log_warn("%s: removed %d edisensor tc filter(s) left by an earlier run (killed "
			 "daemon?)", ifn, attach_tc_stale_removed(l->tcatt[l->n_tcatt]));
	if (attach_tc_filter(l->tcatt[l->n_tcatt], &handle, &prio) == 0)
		snprintf(how, sizeof(how), " (cls_bpf filter handle %u priority %u; the kernel "
			 "has no tcx)", handle, prio);
	log_info("%s: attached at %s through %s%s (the XDP hook is left alone)", ifn,
		 attach_tc_hook_name(l->tcatt[l->n_tcatt]), attach_tc_backend(l->tcatt[l->n_tcatt]),
		 how);
	l->n_tcatt++;
	return 0;
}

/* Every interface at its hooks; on a failure, what was attached goes again. */
static int attach_all(struct live *l)
{
	for (size_t i = 0; i < l->cfg->n_interfaces; i++) {
		const char *ifn = l->cfg->interfaces[i];
		unsigned hooks = config_iface_hooks(l->cfg, i);
		int r = 0;

		if (hooks & CONFIG_HOOK_XDP)
			r = attach_one_xdp(l, ifn);
		if (!r && (hooks & CONFIG_HOOK_TC_INGRESS))
			r = attach_one_tc(l, ifn, ES_HOOK_TC_INGRESS);
		if (!r && (hooks & CONFIG_HOOK_TC_EGRESS))
			r = attach_one_tc(l, ifn, ES_HOOK_TC_EGRESS);
		if (r) {
			detach_all(l);
			return r;
		}
	}
	return 0;
}

/* ---- reload --------------------------------------------------------------- */

static bool same_strs(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return true;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Names what changed in the file but only takes effect after a restart. */
static void warn_restart_only(const struct config *o, const struct config *n)
{
	const char *what[16];
	size_t k = 0;

	if (!same_strs(o->interfaces, o->n_interfaces, n->interfaces, n->n_interfaces))
		what[k++] = "interfaces";
	if (o->xdp_mode != n->xdp_mode)
		what[k++] = "xdp_mode";
	if (o->hook != n->hook || memcmp(o->iface_hooks, n->iface_hooks, sizeof(o->iface_hooks)) ||
	    memcmp(o->iface_default, n->iface_default, sizeof(o->iface_default)))
		what[k++] = "hook";
	if (o->tap_mode != n->tap_mode)
		what[k++] = "mode";
	if (o->n_cidrs != n->n_cidrs || memcmp(o->cidrs, n->cidrs, sizeof(o->cidrs[0]) * o->n_cidrs))
		what[k++] = "cidrs";
	if (!same_strs(o->outputs, o->n_outputs, n->outputs, n->n_outputs))
		what[k++] = "outputs";
	if (!same_str(o->spool_dir, n->spool_dir))
		what[k++] = "spool";
	if (o->max_flows != n->max_flows || o->ringbuf_bytes != n->ringbuf_bytes ||
	    o->queue_bytes != n->queue_bytes || o->reorder_slots != n->reorder_slots)
		what[k++] = "limits";
	if (!same_str(o->metrics_addr, n->metrics_addr))
		what[k++] = "metrics";
	if (!same_str(o->user, n->user))
		what[k++] = "user";
	if (!same_str(o->sensor_id, n->sensor_id))
		what[k++] = "sensor id";
	for (size_t i = 0; i < k; i++)
		log_warn("reload: '%s' changed; it takes effect after a restart", what[i]);
}

/* The part of a new configuration that applies without a restart. */
static void adopt_reloadable(struct config *cur, const struct config *n)
{
	memcpy(cur->ports, n->ports, sizeof(cur->ports));
	cur->n_ports = n->n_ports;
	memcpy(cur->tags, n->tags, sizeof(cur->tags));
	cur->n_tags = n->n_tags;
	memcpy(cur->feeds, n->feeds, sizeof(cur->feeds));
	cur->n_feeds = n->n_feeds;
	cur->all_messages = n->all_messages;
	cur->verbosity = n->verbosity;
	cur->flush_timeout_ms = n->flush_timeout_ms;
}

/* Events lost between the reader and the pipeline (queue full or oversize). */
static uint64_t queue_lost(struct live *l)
{
	return atomic_load(&l->queue_lost_events[0]) + atomic_load(&l->queue_lost_events[1]);
}

static void status_line(struct live *l, char *buf, size_t len)
{
	struct pipeline_stats ps;

	pthread_mutex_lock(&l->pipe_lock);
	pipeline_stats(l->pipe, &ps);
	pthread_mutex_unlock(&l->pipe_lock);
	snprintf(buf, len, "capturing on %zu interface(s): %llu events, %llu events lost in the "
		 "queue", l->cfg->n_interfaces, (unsigned long long)ps.events,
		 (unsigned long long)queue_lost(l));
}

static void log_feed_reject(void *ctx, const char *file, unsigned line, const char *reason)
{
	(void)ctx;
	if (line)
		log_warn("feed %s:%u: %s (line skipped)", file, line, reason);
	else
		log_error("feed %s: %s", file, reason);
}

static bool listed(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

/* Registers the feeds the new configuration adds and starts re-reading all
 * of them in the background (the pipeline keeps matching the old set). */
static int start_feeds_reload(struct live *l, const struct config *n)
{
	struct feeds *f = pipeline_feeds(l->pipe);
	int r;

	if (!f)
		return 0;
	for (size_t i = 0; i < n->n_feeds; i++) {
		if (listed(l->cfg->feeds, l->cfg->n_feeds, n->feeds[i]))
			continue;
		r = feeds_add(f, n->feeds[i]);
		if (r) {
			log_error("reload: feed %s: %s", n->feeds[i], strerror(-r));
			return r;
		}
		log_info("reload: feed %s added", n->feeds[i]);
	}
	for (size_t i = 0; i < l->cfg->n_feeds; i++)
		if (!listed(n->feeds, n->n_feeds, l->cfg->feeds[i]))
			log_warn("reload: feed %s left the configuration; it stays loaded until a "
				 "restart", l->cfg->feeds[i]);
	r = feeds_reload_async(f, log_feed_reject, NULL);
	if (r)
		log_error("reload: starting the feed reload: %s", strerror(-r));
	else
		l->feeds_reloading = true;
	return r;
}

static int reload(struct live *l)
{
	struct old_config *nc = calloc(1, sizeof(*nc));
	char err[512] = "";
	int r;

	if (!nc)
		return -ENOMEM;
	r = config_load(&nc->cfg, l->argc, l->argv, err, sizeof(err));
	if (r) {
		log_error("reload: %s; the running configuration stays", err);
		goto refuse;
	}
	warn_restart_only(l->cfg, &nc->cfg);
	r = start_feeds_reload(l, &nc->cfg);
	if (r)
		goto refuse;
	pthread_mutex_lock(&l->pipe_lock);
	if (l->hooks && l->hooks->reload)
		r = l->hooks->reload(l->hooks->ctx, &nc->cfg, err, sizeof(err));
	if (r) {
		pthread_mutex_unlock(&l->pipe_lock);
		log_error("reload: %s", err);
		goto refuse;
	}
	r = sensor_bpf_set_ports(l->bpf, nc->cfg.ports, nc->cfg.n_ports);
	if (!r)
		r = sensor_bpf_set_tags(l->bpf, nc->cfg.tags, nc->cfg.n_tags);
	if (r)
		log_error("reload: updating the kernel's ports/tags: %s", strerror(-r));
	adopt_reloadable(l->cfg, &nc->cfg);
	pthread_mutex_unlock(&l->pipe_lock);
	log_set_level(l->cfg->verbosity ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	nc->next = l->old;
	l->old = nc;
	log_info("reload: configuration applied (%zu ports, %zu tags, %zu feeds)%s",
		 l->cfg->n_ports, l->cfg->n_tags, l->cfg->n_feeds,
		 l->feeds_reloading ? "; feeds reloading in the background" : "");
	if (!l->feeds_reloading)
		l->reloads++;
	return 0;
refuse:
	config_free(&nc->cfg);
	free(nc);
	l->reload_failures++;
	return r ? r : -EINVAL;
}

/* The background feed reload ended: count it, tell systemd the reload is over. */
static void check_feeds_reload(struct live *l)
{
	struct feeds *f = pipeline_feeds(l->pipe);
	char status[160];
	int rc;

	if (!l->feeds_reloading || !f || !feeds_reload_done(f, &rc))
		return;
	l->feeds_reloading = false;
	if (rc) {
		l->reload_failures++;
		log_error("reload: feeds: %s; the loaded indicators stay active", strerror(-rc));
	} else {
		l->reloads++;
		log_info("reload: feeds reloaded");
	}
	status_line(l, status, sizeof(status));
	notify_ready(status);
}

/* Losses outside the pipeline become Loss records too (not only metrics):
 * events in the records the queue dropped and events the kernel could not
 * reserve. */
/* The first loss at once, then at most one line a minute: an operator sees
 * in the journal that the sensor falls behind, without a line per second. */
static void log_losses(struct live *l, uint64_t q, uint64_t rb)
{
	uint64_t t = now_us();

	if ((q == l->logged_queue && rb == l->logged_ringbuf) ||
	    (l->loss_logged_us && t - l->loss_logged_us < LOSS_LOG_US))
		return;
	log_warn("%llu events lost%s: %llu kernel ring buffer full, %llu reader queue full "
		 "(the sensor cannot keep up with the traffic; its threads run at cpu_priority = "
		 "%s; edisensor_events_lost_total, Loss records)",
		 (unsigned long long)(q - l->logged_queue + rb - l->logged_ringbuf),
		 l->loss_logged_us ? " since the last report" : "",
		 (unsigned long long)(rb - l->logged_ringbuf),
		 (unsigned long long)(q - l->logged_queue), cpu_priority_name(l->cfg->cpu_priority));
	l->logged_queue = q;
	l->logged_ringbuf = rb;
	l->loss_logged_us = t;
}

/* Losses outside the pipeline become Loss records too (not only metrics):
 * events in the records the queue dropped and events the kernel could not
 * reserve. While the pipeline holds its lock (an output blocks), the main
 * thread does not wait for it unless told to: the records follow later
 * with the same totals, the log line does not wait. */
static void report_losses(struct live *l, bool wait)
{
	uint64_t q = queue_lost(l), rb = l->reported_ringbuf, lost;

	if (!kernel_ringbuf_lost(l, &lost))
		rb = lost;
	log_losses(l, q, rb);
	if (q == l->reported_queue && rb == l->reported_ringbuf)
		return;
	if (wait)
		pthread_mutex_lock(&l->pipe_lock);
	else if (pthread_mutex_trylock(&l->pipe_lock))
		return;
	pipeline_report_loss(l->pipe, "queue_full", q - l->reported_queue,
			     "reader-to-pipeline queue full: events dropped (pipeline too slow)");
	pipeline_report_loss(l->pipe, "ringbuf", rb - l->reported_ringbuf,
			     "kernel ring buffer full: events not reserved");
	pthread_mutex_unlock(&l->pipe_lock);
	l->reported_queue = q;
	l->reported_ringbuf = rb;
}

/* ---- run ------------------------------------------------------------------ */

static void main_loop(struct live *l)
{
	uint64_t wd_usec = notify_watchdog_usec();
	uint64_t last_wd = now_us(), last_status = last_wd, last_loss = last_wd;
	char status[160];

	while (!signals_stop_requested()) {
		uint64_t t;

		nap_us(TICK_MS * 1000);   /* a signal ends it early */
		if (atomic_load(&l->reader_err)) {
			log_error("ring buffer reader failed: %s",
				  strerror(-atomic_load(&l->reader_err)));
			break;
		}
		if (signals_take_reload()) {
			notify_reloading();
			reload(l);
			if (!l->feeds_reloading) {
				status_line(l, status, sizeof(status));
				notify_ready(status);
			}
		}
		check_feeds_reload(l);
		t = now_us();
		if (t - last_loss >= 1000000u) {
			report_losses(l, false);
			last_loss = t;
		}
		/* Fed only while the pipeline thread takes turns: an output that
		 * blocks it gets the daemon restarted (traffic flows meanwhile). */
		if (wd_usec && t - last_wd >= wd_usec / 2 &&
		    t - atomic_load(&l->pipeline_alive_us) < wd_usec / 2) {
			notify_watchdog();
			last_wd = t;
		}
		if (t - last_status >= 10000000u) {
			status_line(l, status, sizeof(status));
			notify_status(status);
			last_status = t;
		}
	}
}

static void stop_pipeliner(struct live *l)
{
	if (!l->pipeliner_started)
		return;
	atomic_store(&l->pipeliner_stop, true);
	evqueue_wake(l->q);
	pthread_join(l->pipeliner, NULL);
	l->pipeliner_started = false;
}

/* Stop order: no new events (detach), the reader empties the kernel ring
 * buffer, the pipeline takes everything queued, the outputs flush. */
static int stop_and_flush(struct live *l)
{
	struct evqueue_stats qs;
	int r;

	notify_stopping();
	detach_all(l);
	/* The rest is drained here, at the main thread's priority. */
	stop_pipeliner(l);
	atomic_store(&l->reader_stop, true);
	while (!atomic_load(&l->reader_done) || process_batch(l, 0))
		process_batch(l, 20);
	pthread_join(l->reader, NULL);
	l->reader_started = false;
	while (process_batch(l, 0))
		;
	report_losses(l, true);
	pthread_mutex_lock(&l->pipe_lock);
	r = pipeline_flush(l->pipe, (int)l->cfg->flush_timeout_ms);
	pthread_mutex_unlock(&l->pipe_lock);
	evqueue_stats(l->q, &qs);
	log_info("stopped: %llu records processed; %llu records (%llu events) lost in the queue",
		 (unsigned long long)qs.popped, (unsigned long long)(qs.dropped + qs.oversize),
		 (unsigned long long)queue_lost(l));
	if (r)
		log_error("flushing outputs: %s", strerror(-r));
	return r;
}

static int drop_privileges(struct live *l)
{
	/* Kept: CAP_NET_ADMIN to detach at stop, CAP_BPF for map updates a
	 * reload may need on kernels that check it. */
	static const int keep[] = { CAP_NET_ADMIN, CAP_BPF };
	char err[512], caps[128];
	int r;

	if (!l->cfg->user || geteuid() != 0)
		return 0;
	/* The built-in default user may not exist yet (quick start before
	 * make install / systemd-sysusers): say so and stay root. A user the
	 * operator named must exist. */
	if (!l->cfg->user_explicit && !getpwnam(l->cfg->user)) {
		log_warn("user %s does not exist (systemd-sysusers creates it from the installed "
			 "sysusers.d file): staying root; set user = root to silence this",
			 l->cfg->user);
		return 0;
	}
	r = privdrop_to_user(l->cfg->user, keep, sizeof(keep) / sizeof(keep[0]), err, sizeof(err));
	if (r < 0) {
		log_error("%s", err);
		return r;
	}
	if (r > 0 && privdrop_effective_caps(caps, sizeof(caps)) == 0)
		log_info("running as %s with %s", l->cfg->user, caps[0] ? caps : "no capabilities");
	return 0;
}

/* Waits (briefly) for the worker threads to set their priority, and says
 * what they run at. A refusal is not fatal: they run at the inherited one. */
static void log_priority(struct live *l)
{
	static const char *const who[] = { "reader", "pipeline" };
	enum cpu_priority p = l->cfg->cpu_priority;

	for (int i = 0; i < 2; i++) {
		int rc;

		for (int t = 0; t < 1000 && atomic_load(&l->prio_rc[i]) == PRIO_PENDING; t++)
			nap_us(1000);
		rc = atomic_load(&l->prio_rc[i]);
		if (rc == PRIO_PENDING)
			log_warn("%s thread: cpu priority not set yet", who[i]);
		else if (rc)
			log_warn("%s thread: cpu_priority = %s refused: %s (it runs at the "
				 "daemon's priority)", who[i], cpu_priority_name(p), strerror(-rc));
	}
	if (p != CPU_PRIORITY_NORMAL)
		log_info("reader and pipeline threads at cpu_priority = %s: they yield the CPU "
			 "to the traffic; what they cannot take is counted as lost", cpu_priority_name(p));
}

static int start(struct live *l)
{
	int r = signals_install();

	if (r) {
		log_error("installing signal handlers: %s", strerror(-r));
		return r;
	}
	r = evqueue_new(&l->q, l->cfg->queue_bytes);
	if (r) {
		log_error("event queue of %u bytes: %s", l->cfg->queue_bytes, strerror(-r));
		return r;
	}
	l->rb = ring_buffer__new(sensor_bpf_events_fd(l->bpf), on_ringbuf_event, l, NULL);
	if (!l->rb) {
		r = -errno;
		log_error("ring buffer: %s", strerror(-r));
		return r;
	}
	l->flows = bpf_object__find_map_by_name(sensor_bpf_object(l->bpf), "flows");
	r = setup_metrics(l);
	if (!r)
		r = attach_all(l);
	if (!r)
		r = drop_privileges(l);
	if (r)
		return r;
	r = pthread_create(&l->reader, NULL, reader_main, l);
	if (r) {
		log_error("reader thread: %s", strerror(r));
		return -r;
	}
	l->reader_started = true;
	r = pthread_create(&l->pipeliner, NULL, pipeline_main, l);
	if (r) {
		log_error("pipeline thread: %s", strerror(r));
		return -r;
	}
	l->pipeliner_started = true;
	log_priority(l);
	if (l->metrics) {
		r = metrics_start(l->metrics);
		if (r) {
			log_error("metrics thread: %s", strerror(-r));
			return r;
		}
		log_info("metrics on http://%s/metrics", l->cfg->metrics_addr);
	}
	return 0;
}

static void teardown(struct live *l)
{
	struct old_config *o, *next;

	detach_all(l);
	stop_pipeliner(l);
	if (l->reader_started) {
		atomic_store(&l->reader_stop, true);
		pthread_join(l->reader, NULL);
	}
	metrics_free(l->metrics);
	ring_buffer__free(l->rb);
	evqueue_free(l->q);
	pthread_mutex_destroy(&l->pipe_lock);
	for (o = l->old; o; o = next) {
		next = o->next;
		config_free(&o->cfg);
		free(o);
	}
}

int live_run(struct config *cfg, struct sensor_bpf *bpf, struct pipeline *pipe,
	     int argc, char **argv, const struct live_hooks *hooks)
{
	static struct live l;   /* one per process: signals are process-wide */
	char status[160];
	int r;

	memset(&l, 0, sizeof(l));
	l.cfg = cfg;
	l.argc = argc;
	l.argv = argv;
	l.hooks = hooks;
	l.bpf = bpf;
	l.pipe = pipe;
	l.started = time(NULL);
	atomic_store(&l.pipeline_alive_us, now_us());
	atomic_store(&l.prio_rc[0], PRIO_PENDING);
	atomic_store(&l.prio_rc[1], PRIO_PENDING);
	pthread_mutex_init(&l.pipe_lock, NULL);
	r = start(&l);
	if (!r) {
		snprintf(status, sizeof(status), "capturing on %zu interface(s)",
			 cfg->n_interfaces);
		notify_ready(status);
		log_info("ready: %s (%s mode)", status, cfg->tap_mode ? "tap" : "inline");
		main_loop(&l);
		if (signals_stop_requested())
			log_info("signal %d: stopping", signals_stop_signo());
		r = stop_and_flush(&l);
	}
	teardown(&l);
	return r;
}

/* tc filters a killed daemon left (clsact; tcx links die with it). */
static int detach_stale_tc(const struct config *cfg, size_t i, int failed)
{
	static const enum es_hook hooks[] = { ES_HOOK_TC_INGRESS, ES_HOOK_TC_EGRESS };
	static const unsigned masks[] = { CONFIG_HOOK_TC_INGRESS, CONFIG_HOOK_TC_EGRESS };

	for (int h = 0; h < 2; h++) {
		char err[256];
		int r;

		if (!(config_iface_hooks(cfg, i) & masks[h]))
			continue;
		r = attach_tc_detach_stale(cfg->interfaces[i], hooks[h], err, sizeof(err));
		if (r < 0) {
			log_error("%s", err);
			failed = r;
		} else if (r > 0) {
			log_info("%s: removed %d stale edisensor tc filter(s) at %s", cfg->interfaces[i],
				 r, h ? "tc-egress" : "tc-ingress");
		}
	}
	return failed;
}

int live_detach_stale(const struct config *cfg)
{
	int failed = 0;

	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		char err[256];
		int r = attach_detach_stale(cfg->interfaces[i], err, sizeof(err));

		if (r < 0) {
			log_error("%s", err);
			failed = r;
		} else if (r > 0) {
			log_info("%s: removed a stale edisensor program", cfg->interfaces[i]);
		} else {
			log_info("%s: no edisensor program attached", cfg->interfaces[i]);
		}
		failed = detach_stale_tc(cfg, i, failed);
	}
	return failed;
}
