#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "evqueue.h"

struct slot_hdr {
	uint32_t len;
	uint32_t pad;
};

struct evqueue {
	uint32_t capacity;
	size_t slot_bytes;           /* payload bytes per slot */
	size_t stride;               /* header + payload, 8-byte aligned */
	unsigned char *slots;
	/* head: next to consume (consumer writes); tail: next to fill (producer). */
	_Atomic uint64_t head;
	_Atomic uint64_t tail;
	_Atomic uint64_t dropped;
	_Atomic uint64_t oversize;
	_Atomic int waiting;         /* consumer sleeps on cond */
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

int evqueue_new(struct evqueue **out, uint32_t slots, size_t slot_bytes)
{
	struct evqueue *q;
	pthread_condattr_t ca;

	if (!slots || !slot_bytes)
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->capacity = slots;
	q->slot_bytes = slot_bytes;
	q->stride = (sizeof(struct slot_hdr) + slot_bytes + 7) & ~(size_t)7;
	q->slots = calloc(slots, q->stride);
	if (!q->slots) {
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
	free(q->slots);
	free(q);
}

static struct slot_hdr *slot(struct evqueue *q, uint64_t i)
{
	return (struct slot_hdr *)(q->slots + (i % q->capacity) * q->stride);
}

void evqueue_wake(struct evqueue *q)
{
	pthread_mutex_lock(&q->lock);
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

bool evqueue_push(struct evqueue *q, const void *data, size_t len)
{
	uint64_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
	uint64_t h = atomic_load_explicit(&q->head, memory_order_acquire);
	struct slot_hdr *s;

	if (len > q->slot_bytes) {
		atomic_fetch_add_explicit(&q->oversize, 1, memory_order_relaxed);
		return false;
	}
	if (t - h >= q->capacity) {
		atomic_fetch_add_explicit(&q->dropped, 1, memory_order_relaxed);
		return false;
	}
	s = slot(q, t);
	s->len = (uint32_t)len;
	memcpy(s + 1, data, len);
	/* seq_cst store then load: pairs with the consumer's store of waiting
	 * and load of tail, so one of the two always sees the other. */
	atomic_store(&q->tail, t + 1);
	if (atomic_load(&q->waiting))
		evqueue_wake(q);
	return true;
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
	struct slot_hdr *s;

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
	s = slot(q, h);
	*len = s->len;
	return s + 1;
}

void evqueue_release(struct evqueue *q)
{
	atomic_fetch_add_explicit(&q->head, 1, memory_order_release);
}

void evqueue_stats(struct evqueue *q, struct evqueue_stats *st)
{
	uint64_t h = atomic_load(&q->head), t = atomic_load(&q->tail);

	st->pushed = t;
	st->popped = h;
	st->dropped = atomic_load(&q->dropped);
	st->oversize = atomic_load(&q->oversize);
	st->depth = (uint32_t)(t - h);
	st->capacity = q->capacity;
}
