/* spool: a durable on-disk queue between the pipeline and one network
 * output. A record is appended here first and released only after the
 * output reported it acknowledged, so neither a broker outage nor a crash of
 * the daemon (SIGKILL included) loses it: on restart everything after the
 * last acknowledgement is sent again (with the same message id, so the
 * receiver deduplicates).
 *
 * Layout: DIR/<16 hex digits>.seg segment files holding length-delimited
 * Records (edisensor-cat reads them), DIR/acked holding the position up to
 * which everything was acknowledged. Segments wholly acknowledged are
 * deleted. The size is capped: when an append would exceed the cap the
 * oldest segment is deleted and its unacknowledged records are reported to
 * the caller as dropped (it emits a Loss record; never a silent loss).
 *
 * Thread model: one producer (append) and one consumer (read/ack/rewind),
 * any threads; all calls lock internally.
 */
#ifndef EDISENSOR_SPOOL_H
#define EDISENSOR_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct spool;

struct spool_pos {
	uint64_t seg;		/* segment number */
	uint64_t off;		/* byte offset in that segment */
};

struct spool_options {
	uint64_t max_bytes;	/* cap on the segment files' total size */
	uint64_t segment_bytes;	/* 0: max_bytes / 8, at least 4 KiB */
};

/* Unacknowledged records deleted to respect the cap. */
struct spool_drop {
	uint64_t count;
	uint64_t first_sequence;
	uint64_t last_sequence;
};

struct spool_stats {
	uint64_t appended;	/* records appended since open */
	uint64_t acked;		/* records acknowledged since open */
	uint64_t dropped;	/* records deleted unacknowledged, since open */
	uint64_t pending;	/* records not yet acknowledged (spool depth) */
	uint64_t bytes;		/* size of the segment files */
};

/* Opens or creates the spool in dir (created if missing), recovering what a
 * previous process left: a torn last record is cut, records after the
 * acknowledged position are pending again. -EBUSY when another process
 * has it open. */
int spool_open(struct spool **sp, const char *dir, const struct spool_options *opts);
/* Closes without deleting anything still pending. NULL is fine. */
void spool_close(struct spool *sp);

/* Appends one framed record (varint length + packed Record). *drop gets
 * the unacknowledged records the cap forced out (count 0 when none).
 * Returns 0, -EMSGSIZE (larger than the cap) or -errno of the write. */
int spool_append(struct spool *sp, const uint8_t *framed, size_t len, struct spool_drop *drop);

/* The next record not yet handed out: 1 with the packed record (no length
 * prefix) copied to *buf (grown as needed) and the position after it in
 * *end, 0 when there is none. */
int spool_read(struct spool *sp, uint8_t **buf, size_t *cap, size_t *len, struct spool_pos *end);

/* Everything before end is acknowledged (n records). Positions behind the
 * current acknowledgement (e.g. in a segment since dropped) are ignored. */
void spool_ack(struct spool *sp, struct spool_pos end, uint64_t n);

/* Hands out again from the oldest unacknowledged record (after a failure). */
void spool_rewind(struct spool *sp);

/* Waits until spool_read has something or timeout_ms passed; 1 / 0. */
int spool_wait_readable(struct spool *sp, int timeout_ms);
/* Waits until every record is acknowledged: 0, or -ETIMEDOUT. */
int spool_wait_empty(struct spool *sp, int timeout_ms);
/* Wakes waiters (used when shutting down). */
void spool_wake(struct spool *sp);

/* A duplicate of the active segment's descriptor, for fsync outside the
 * lock; the caller closes it. -errno when there is none. */
int spool_dup_fd(struct spool *sp);

void spool_get_stats(struct spool *sp, struct spool_stats *st);

#endif
