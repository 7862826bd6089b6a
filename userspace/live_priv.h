/*
 * The live run's parts (private to userspace/live*.c; the API is live.h):
 *
 *   live.c              lifecycle: start, main loop (signals, watchdog,
 *                       status), stop-drain-flush, privilege drop, teardown
 *   live_threads.c      ring-buffer reader thread and pipeline thread
 *   live_attach.c       interfaces at their XDP/tc hooks, detach, --detach
 *   live_reload.c       SIGHUP: re-read the configuration, background feed
 *                       reload
 *   live_losses.c       events lost before the pipeline: Loss records, log
 *   live_run_metrics.c  the run's own /metrics collectors (process, kernel
 *                       counters, capture) and the registry's setup;
 *                       live_metrics.c holds the pipeline's and modules'
 *
 * One struct live per process (signals are process-wide); the pipeline
 * lock guards the pipeline and everything the metrics collectors read.
 */
#ifndef EDISENSOR_LIVE_PRIV_H
#define EDISENSOR_LIVE_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "config.h"
#include "live.h"
#include "live_metrics.h"

struct attach;
struct attach_tc;
struct bpf_map;
struct evqueue;
struct metrics;
struct ring_buffer;

#define TICK_MS 100           /* signals and watchdog are checked this often */

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

static inline uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

static inline void nap_us(long us)
{
	struct timespec ts = { 0, us * 1000 };

	nanosleep(&ts, NULL);
}

/* live.c: the text of sd_notify's STATUS= */
void live_status_line(struct live *l, char *buf, size_t len);

/* live_threads.c: thread bodies (started and stopped by live.c) */
int live_on_ringbuf_event(void *ctx, void *data, size_t len);
void *live_reader_main(void *arg);
void *live_pipeline_main(void *arg);
size_t live_process_batch(struct live *l, int wait_ms);

/* live_attach.c */
int live_attach_all(struct live *l);
void live_detach_all(struct live *l);

/* live_reload.c: on the main thread */
int live_reload(struct live *l);
void live_check_feeds_reload(struct live *l);

/* live_losses.c */
void live_report_losses(struct live *l, bool wait);
int live_kernel_ringbuf_lost(struct live *l, uint64_t *lost);
uint64_t live_queue_lost(struct live *l);

/* live_run_metrics.c: 0 when cfg has no metrics address */
int live_setup_metrics(struct live *l);

#endif
