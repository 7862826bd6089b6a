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
#include <bpf/libbpf.h>
#include "cpu_priority.h"
#include "evqueue.h"
#include "live.h"
#include "live_priv.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "pipeline.h"
#include "privdrop.h"
#include "sensor_bpf.h"
#include "signals.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define PRIO_PENDING (-100000)   /* a worker thread has not set its priority yet */

void live_status_line(struct live *l, char *buf, size_t len)
{
	struct pipeline_stats ps;

	pthread_mutex_lock(&l->pipe_lock);
	pipeline_stats(l->pipe, &ps);
	pthread_mutex_unlock(&l->pipe_lock);
	snprintf(buf, len, "capturing on %zu interface(s): %llu events, %llu events lost in the "
		 "queue", l->cfg->n_interfaces, (unsigned long long)ps.events,
		 (unsigned long long)live_queue_lost(l));
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
			live_reload(l);
			if (!l->feeds_reloading) {
				live_status_line(l, status, sizeof(status));
				notify_ready(status);
			}
		}
		live_check_feeds_reload(l);
		t = now_us();
		if (t - last_loss >= 1000000u) {
			live_report_losses(l, false);
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
			live_status_line(l, status, sizeof(status));
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
	live_detach_all(l);
	/* The rest is drained here, at the main thread's priority. */
	stop_pipeliner(l);
	atomic_store(&l->reader_stop, true);
	while (!atomic_load(&l->reader_done) || live_process_batch(l, 0))
		live_process_batch(l, 20);
	pthread_join(l->reader, NULL);
	l->reader_started = false;
	while (live_process_batch(l, 0))
		;
	live_report_losses(l, true);
	pthread_mutex_lock(&l->pipe_lock);
	r = pipeline_flush(l->pipe, (int)l->cfg->flush_timeout_ms);
	pthread_mutex_unlock(&l->pipe_lock);
	evqueue_stats(l->q, &qs);
	log_info("stopped: %llu records processed; %llu records (%llu events) lost in the queue",
		 (unsigned long long)qs.popped, (unsigned long long)(qs.dropped + qs.oversize),
		 (unsigned long long)live_queue_lost(l));
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
	l->rb = ring_buffer__new(sensor_bpf_events_fd(l->bpf), live_on_ringbuf_event, l, NULL);
	if (!l->rb) {
		r = -errno;
		log_error("ring buffer: %s", strerror(-r));
		return r;
	}
	l->flows = bpf_object__find_map_by_name(sensor_bpf_object(l->bpf), "flows");
	r = live_setup_metrics(l);
	if (!r)
		r = live_attach_all(l);
	if (!r)
		r = drop_privileges(l);
	if (r)
		return r;
	r = pthread_create(&l->reader, NULL, live_reader_main, l);
	if (r) {
		log_error("reader thread: %s", strerror(r));
		return -r;
	}
	l->reader_started = true;
	r = pthread_create(&l->pipeliner, NULL, live_pipeline_main, l);
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

	live_detach_all(l);
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
