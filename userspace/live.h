/*
 * Live capture: the daemon's run loop when it watches interfaces.
 *
 *   kernel ring buffer ─► reader thread ─► evqueue (bounded, drops counted)
 *        ─► pipeline thread (main): pipeline_event, signals, reload,
 *           watchdog ─► outputs
 *   metrics thread: GET /metrics, collectors under the pipeline lock
 *
 * Start: bind metrics, attach every interface (libxdp), drop privileges
 * when root, start the threads, READY=1. SIGHUP: re-read the configuration
 * (same file and flags), apply ports, tags and feeds; what needs a restart
 * is named in the log. SIGTERM/SIGINT: STOPPING=1, detach (no new events),
 * drain the ring buffer and the queue into the pipeline, flush the outputs,
 * exit.
 */
#ifndef EDISENSOR_LIVE_H
#define EDISENSOR_LIVE_H
#include "config.h"

struct metrics;
struct pipeline;
struct sensor_bpf;

struct live_hooks {
	/* SIGHUP, on the pipeline thread, with the newly read configuration:
	 * reload feeds. On error the old feeds must stay active; return
	 * -errno with errbuf saying why. NULL: feeds are not reloaded. */
	int (*reload)(void *ctx, const struct config *cfg, char *errbuf, size_t errlen);
	/* Once, before the metrics thread starts: register more collectors
	 * (feeds, outputs...). They run under the pipeline lock. */
	void (*register_metrics)(void *ctx, struct metrics *m);
	void *ctx;
};

/* Runs until a stop signal. argc/argv are kept to re-read the same
 * configuration on SIGHUP; cfg is updated in place with what was reloaded.
 * Returns 0 after a clean stop, -errno when start-up failed (logged). */
int live_run(struct config *cfg, struct sensor_bpf *bpf, struct pipeline *pipe,
	     int argc, char **argv, const struct live_hooks *hooks);

/* --detach: removes edisensor programs left on cfg's interfaces. */
int live_detach_stale(const struct config *cfg);

#endif
