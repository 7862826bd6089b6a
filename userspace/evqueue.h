/*
 * The bounded queue between the ring-buffer reader thread (the one
 * producer) and the pipeline thread (the one consumer): a byte ring of
 * variable-length records (a kernel record batches up to 8 KiB of events).
 * The producer never blocks: when a record does not fit it is dropped and
 * counted, so a slow output can never stall the reader (the kernel ring
 * buffer would otherwise fill). The consumer reads records in place and
 * releases them when done.
 */
#ifndef EDISENSOR_EVQUEUE_H
#define EDISENSOR_EVQUEUE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evqueue;

struct evqueue_stats {
	uint64_t pushed;       /* records queued */
	uint64_t dropped;      /* no room: record lost, counted here */
	uint64_t oversize;     /* larger than the whole queue: lost, counted here */
	uint64_t popped;       /* records handed to the pipeline */
	uint64_t depth_bytes;  /* bytes waiting now */
	uint64_t capacity;     /* bytes */
};

/* A queue of capacity bytes (rounded up to a multiple of 8). */
int evqueue_new(struct evqueue **out, size_t capacity);
void evqueue_free(struct evqueue *q);

/* Producer: copies len bytes. 0, or the record was dropped (and counted):
 * -ENOSPC when the queue is full, -EMSGSIZE when it could never fit. */
int evqueue_push(struct evqueue *q, const void *data, size_t len);

/* Consumer: the oldest record, waiting up to timeout_ms for one; NULL when
 * none came. It stays valid until evqueue_release(). */
const void *evqueue_peek(struct evqueue *q, size_t *len, int timeout_ms);
void evqueue_release(struct evqueue *q);

/* Wakes a consumer waiting in evqueue_peek (shutdown). */
void evqueue_wake(struct evqueue *q);

/* Safe from any thread. */
void evqueue_stats(struct evqueue *q, struct evqueue_stats *st);

#endif
