/* Events lost before the pipeline (kernel ring buffer full, reader queue
 * full or oversize): counted, logged at most once a minute, written as
 * Loss records. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include "counters.h"
#include "cpu_priority.h"
#include "live_priv.h"
#include "log.h"
#include "pipeline.h"
#include "sensor_bpf.h"

#define LOSS_LOG_US 60000000u  /* losses are logged at most this often */

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
void live_report_losses(struct live *l, bool wait)
{
	uint64_t q = live_queue_lost(l), rb = l->reported_ringbuf, lost;

	if (!live_kernel_ringbuf_lost(l, &lost))
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

/* Events the kernel could not reserve in the ring buffer, every hook. */
int live_kernel_ringbuf_lost(struct live *l, uint64_t *lost)
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

/* Events lost between the reader and the pipeline (queue full or oversize). */
uint64_t live_queue_lost(struct live *l)
{
	return atomic_load(&l->queue_lost_events[0]) + atomic_load(&l->queue_lost_events[1]);
}
