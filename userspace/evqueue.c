#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "evqueue.h"

#define HDR 8u                    /* record header: u32 length, u32 unused */
#define WRAP 0xffffffffu          /* header length meaning "continue at offset 0" */

struct evqueue {
	uint64_t cap;                 /* bytes, a multiple of 8 */
	unsigned char *buf;
	/* Byte offsets that only grow; position = offset % cap. head: next to
	 * consume (consumer writes), tail: next to fill (producer writes). */
	_Atomic uint64_t head;
	_Atomic uint64_t tail;
	_Atomic uint64_t pushed, popped, dropped, oversize;
	_Atomic int waiting;          /* consumer sleeps on cond */
	uint64_t cur_span;            /* consumer: bytes the peeked record occupies */
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static uint64_t pad8(uint64_t n)
{
	return (n + 7) & ~7ull;
}

int evqueue_new(struct evqueue **out, size_t capacity)
{
	struct evqueue *q;
	pthread_condattr_t ca;

	if (capacity < 2 * HDR)
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->cap = pad8(capacity);
	q->buf = malloc(q->cap);
	if (!q->buf) {
		free(q);
		return -ENOMEM;
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cond, &ca);
	pthread_condattr_destroy(&ca);
	*out = q;
	return 0;
}

void evqueue_free(struct evqueue *q)
{
	if (!q)
		return;
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q->buf);
	free(q);
}

void evqueue_wake(struct evqueue *q)
{
	pthread_mutex_lock(&q->lock);
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

static void put_hdr(struct evqueue *q, uint64_t pos, uint32_t len)
{
	memcpy(q->buf + pos, &len, sizeof(len));
}

int evqueue_push(struct evqueue *q, const void *data, size_t len)
{
	uint64_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
	uint64_t h = atomic_load_explicit(&q->head, memory_order_acquire);
	uint64_t need = HDR + pad8(len), pos = t % q->cap, waste = 0;

	if (need > q->cap || len >= WRAP) {
		atomic_fetch_add_explicit(&q->oversize, 1, memory_order_relaxed);
		return -EMSGSIZE;
	}
	if (pos + need > q->cap)
		waste = q->cap - pos;          /* the record starts again at 0 */
	if (q->cap - (t - h) < waste + need) {
		atomic_fetch_add_explicit(&q->dropped, 1, memory_order_relaxed);
		return -ENOSPC;
	}
	if (waste) {
		put_hdr(q, pos, WRAP);
		pos = 0;
	}
	put_hdr(q, pos, (uint32_t)len);
	memcpy(q->buf + pos + HDR, data, len);
	atomic_fetch_add_explicit(&q->pushed, 1, memory_order_relaxed);
	/* seq_cst store then load: pairs with the consumer's store of waiting
	 * and load of tail, so one of the two always sees the other. */
	atomic_store(&q->tail, t + waste + need);
	if (atomic_load(&q->waiting))
		evqueue_wake(q);
	return 0;
}

static void deadline(struct timespec *ts, int timeout_ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += timeout_ms / 1000;
	ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

const void *evqueue_peek(struct evqueue *q, size_t *len, int timeout_ms)
{
	uint64_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
	uint64_t pos;
	uint32_t n;

	if (atomic_load(&q->tail) == h) {
		struct timespec ts;

		if (timeout_ms <= 0)
			return NULL;
		deadline(&ts, timeout_ms);
		pthread_mutex_lock(&q->lock);
		atomic_store(&q->waiting, 1);
		if (atomic_load(&q->tail) == h)
			pthread_cond_timedwait(&q->cond, &q->lock, &ts);
		atomic_store(&q->waiting, 0);
		pthread_mutex_unlock(&q->lock);
		if (atomic_load_explicit(&q->tail, memory_order_acquire) == h)
			return NULL;
	}
	pos = h % q->cap;
	memcpy(&n, q->buf + pos, sizeof(n));
	q->cur_span = 0;
	if (n == WRAP) {
		q->cur_span = q->cap - pos;
		pos = 0;
		memcpy(&n, q->buf, sizeof(n));
	}
	q->cur_span += HDR + pad8(n);
	*len = n;
	return q->buf + pos + HDR;
}

void evqueue_release(struct evqueue *q)
{
	atomic_fetch_add_explicit(&q->popped, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&q->head, q->cur_span, memory_order_release);
	q->cur_span = 0;
}

void evqueue_stats(struct evqueue *q, struct evqueue_stats *st)
{
	uint64_t h = atomic_load(&q->head), t = atomic_load(&q->tail);

	st->pushed = atomic_load(&q->pushed);
	st->popped = atomic_load(&q->popped);
	st->dropped = atomic_load(&q->dropped);
	st->oversize = atomic_load(&q->oversize);
	st->depth_bytes = t - h;
	st->capacity = q->cap;
}
