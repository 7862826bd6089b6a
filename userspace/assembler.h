/* Assembler: scanner events -> complete, annotated message records.
 *
 * API summary
 *   struct assembler *a = assembler_new(&opts, on_message, ctx);  // opts may be NULL
 *   assembler_feed(a, ev, len);   // every ring-buffer record, in order
 *   assembler_flush(a);           // end of replay / shutdown: emit what is open
 *   assembler_stats(a)            // counters for metrics
 *   assembler_free(a);            // frees without emitting (flush first)
 *
 * on_message(ctx, msg) gets one fully populated Edisensor__V1__Message per
 * UNH..UNT / ST..SE: flow (IP strings), envelope (UNB/UNG/UNH or
 * ISA/GS/ST), extracted metadata, integrity and the segments as evidence.
 * msg and everything it points to is valid only during the callback.
 * opts.on_gap(ctx, gap) reports each TCP sequence gap (Edisensor__V1__Gap,
 * valid during the call); the messages it hits also carry integrity.gap.
 *
 * Per flow direction (hash table keyed by es_flow_key, LRU-bounded):
 * interchange -> optional group -> message. Completed messages are held
 * until the interchange trailer (UNZ/IEA) so they can carry the declared
 * and counted message numbers of their group or interchange; a message is
 * never dropped: a missing UNT/SE (next UNH, gap, flow end, flush,
 * eviction) emits it with integrity.truncated, a missing UNB/ISA with
 * integrity.missing_envelope, a missing UNZ with a finding.
 *
 * Loss: after a sequence gap (or bytes the kernel skipped to resync,
 * ES_SEGF_AFTER_GAP) or a message cut by the next header, a message that
 * begins may belong to another interchange or group whose header was not
 * seen. It gets no interchange/group values (missing_envelope, read with
 * the lenient charset and no X12 component/repetition split) until the
 * trailer names the open header's control reference, which confirms it;
 * a trailer naming another reference checks no counts. Message counts
 * of an envelope with a gap are lower bounds: fewer than declared is a
 * finding, not message_count_mismatch.
 *
 * Segment counting: a SEGMENT event carries in `aux` the number of
 * segments the kernel did not forward (tag not in the tag map) since the
 * previous forwarded one in the same direction; the assembler adds them so
 * counted_segments is exact and can be compared with UNT/SE.
 *
 * Memory is bounded by max_flows, max_segments, max_held and max_memory
 * (every limit reached is counted in the stats and noted in the record).
 * Not thread-safe: one assembler per reader thread. */
#ifndef EDISENSOR_ASSEMBLER_H
#define EDISENSOR_ASSEMBLER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edisensor.h"
#include "edisensor.pb-c.h"

typedef void (*assembler_message_cb)(void *ctx, const Edisensor__V1__Message *msg);
typedef void (*assembler_gap_cb)(void *ctx, const Edisensor__V1__Gap *gap);

struct assembler_opts {
	size_t max_flows;          /* flow directions tracked (LRU beyond); default 16384 */
	size_t max_segments;       /* segments kept per message as evidence; default 4096 */
	size_t max_held;           /* completed messages held per flow for UNZ; default 256 */
	size_t max_memory;         /* bytes of open and held records; beyond it segments
				      are counted but not kept and completed messages are
				      not held; default 256 MiB */
	bool drop_segments;        /* do not put evidence segments into records */
	const char *interface;     /* Flow.interface; NULL = name of the event's ifindex */
	int64_t clock_offset_ns;   /* added to event ts_ns to get unix time */
	assembler_gap_cb on_gap;   /* optional */
};

struct assembler_stats {
	uint64_t events;
	uint64_t bad_events;             /* too short or unknown type */
	uint64_t segments;
	uint64_t segments_skipped;       /* not forwarded by the kernel (SEGMENT aux,
					    GAP/FLOW_END seg_len) */
	uint64_t segments_outside;       /* data segments outside any message */
	uint64_t segments_over_cap;      /* counted but not kept (max_segments, max_memory) */
	uint64_t segments_undecodable;   /* no tag */
	uint64_t gaps;
	uint64_t loss_marks;             /* events with ES_SEGF_EVENTS_LOST */
	uint64_t flow_ends;
	uint64_t interchanges;
	uint64_t messages;               /* emitted */
	uint64_t messages_truncated;
	uint64_t messages_gap;
	uint64_t messages_no_envelope;
	uint64_t messages_early;         /* emitted before UNZ: held or memory limit */
	uint64_t records_dropped;        /* extraction limits */
	uint64_t alloc_failures;
	uint64_t flows_open;             /* gauge */
	uint64_t flows_evicted;
	uint64_t messages_held;          /* gauge */
	uint64_t memory_bytes;           /* gauge: bytes of open and held records */
};

struct assembler;

struct assembler *assembler_new(const struct assembler_opts *opts,
				assembler_message_cb on_message, void *ctx);
/* Feeds one ring-buffer record of len bytes. Returns 0, -EINVAL for a
 * record that is too short or of unknown type (counted, ignored), or
 * -ENOMEM (counted; state stays consistent). */
int assembler_feed(struct assembler *a, const struct es_event *ev, size_t len);
/* Events were lost where the flows are not known (kernel ring buffer or
 * reader queue full; why names it): every flow is treated as after a gap
 * (next messages of unknown membership until confirmed, counts lower
 * bounds) and each open message gets a finding. A loss reported after
 * the fact cannot reach messages that began between the loss and the
 * report. */
void assembler_note_loss(struct assembler *a, const char *why);
/* Emits every open and held message of every flow (as at flow end). */
void assembler_flush(struct assembler *a);
const struct assembler_stats *assembler_stats(const struct assembler *a);
void assembler_free(struct assembler *a);

#endif
