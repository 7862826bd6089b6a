/* The live run's worker threads: the ring-buffer reader (kernel ring ->
 * evqueue) and the pipeline thread (evqueue -> pipeline, under the
 * pipeline lock). live.c starts and stops them. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <bpf/libbpf.h>
#include "cpu_priority.h"
#include "evqueue.h"
#include "live_priv.h"
#include "pipeline.h"
#include "ring_record.h"
#include "sensor_bpf.h"
#include "signals.h"

#define BATCH_RECORDS 64      /* records per pipeline-lock hold: short, as the
                                 * pipeline thread may run at idle priority and
                                 * the metrics thread waits for the lock */
/* The reader drains the kernel ring, then naps when it found only a few
 * records, so that records pile up and the next drain takes them in one go:
 * the programs wake the reader when it sleeps in poll (once per sleep,
 * sensor_bpf_reader_waiting()), so a reader that is always caught up costs
 * a wakeup (and a context switch on the traffic's CPU) per few records. The ring (8 MiB
 * by default) holds far more than a nap's worth at line rate. */
#define READER_FEW_RECORDS 64
#define READER_NAP_US 2000

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

int live_on_ringbuf_event(void *ctx, void *data, size_t len)
{
	struct live *l = ctx;

	/* Full: the record is counted there and its events here; never blocks. */
	int r = evqueue_push(l->q, data, len);

	if (r)
		atomic_fetch_add_explicit(&l->queue_lost_events[r == -EMSGSIZE],
					  events_in_record(data, len), memory_order_relaxed);
	return 0;
}

void *live_reader_main(void *arg)
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
size_t live_process_batch(struct live *l, int wait_ms)
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
void *live_pipeline_main(void *arg)
{
	struct live *l = arg;

	signals_block_in_thread();
	pthread_setname_np(pthread_self(), "es-pipeline");
	atomic_store(&l->prio_rc[1], cpu_priority_apply_self(l->cfg->cpu_priority));
	while (!atomic_load(&l->pipeliner_stop)) {
		atomic_store(&l->pipeline_alive_us, now_us());
		live_process_batch(l, TICK_MS);
	}
	return NULL;
}
