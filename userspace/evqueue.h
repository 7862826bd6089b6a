/*
 * The bounded queue between the ring-buffer reader thread (the one
 * producer) and the pipeline thread (the one consumer). The producer never
 * blocks: when the queue is full the event is dropped and counted, so a
 * slow output can never stall the reader (the kernel ring buffer would
 * otherwise fill and lose events uncounted by userspace). The consumer
 * reads events in place and releases them when done.
 */
#ifndef EDISENSOR_EVQUEUE_H
#define EDISENSOR_EVQUEUE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evqueue;

struct evqueue_stats {
	uint64_t pushed;       /* events queued */
	uint64_t dropped;      /* queue full: event lost, counted here */
	uint64_t oversize;     /* longer than one slot: lost, counted here */
	uint64_t popped;       /* events handed to the pipeline */
	uint32_t depth;        /* events waiting now */
	uint32_t capacity;
};

/* slots events of at most slot_bytes each. */
int evqueue_new(struct evqueue **out, uint32_t slots, size_t slot_bytes);
void evqueue_free(struct evqueue *q);

/* Producer: copies len bytes; false when the event was dropped (counted). */
bool evqueue_push(struct evqueue *q, const void *data, size_t len);

/* Consumer: the oldest event, waiting up to timeout_ms for one; NULL when
 * none came. The event stays valid until evqueue_release(). */
const void *evqueue_peek(struct evqueue *q, size_t *len, int timeout_ms);
void evqueue_release(struct evqueue *q);

/* Wakes a consumer waiting in evqueue_peek (shutdown, signals). */
void evqueue_wake(struct evqueue *q);

/* Safe from any thread. */
void evqueue_stats(struct evqueue *q, struct evqueue_stats *st);

#endif
