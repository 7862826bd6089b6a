/*
 * Base64 bodies the kernel forwards (ES_EV_B64 items: AS2 / MIME bodies
 * with Content-Transfer-Encoding: base64 that start with an interchange),
 * decoded per flow direction and scanned by the host build of the kernel's
 * own scanner (bpf/edi_scan.h) with a state of their own. The segments it
 * finds come out as ES_EV_SEGMENT events like the kernel's, flagged
 * ES_SEGF_BASE64, with stream_off = the stream offset of the first base64
 * character carrying bits of the segment's first byte (b64_decode.h), so
 * the assembler, extraction and matching take them as any other.
 *
 * A body ends at its end item, a GAP or FLOW_END of its direction, a lost
 * item (offsets not contiguous, ES_SEGF_EVENTS_LOST) or eviction (more than
 * max_bodies open at once): each counted by why. Hostile input: any item
 * bytes are accepted; bytes outside the alphabet are counted and skipped;
 * memory is max_bodies bodies of a fixed size.
 */
#ifndef EDISENSOR_B64_BODY_H
#define EDISENSOR_B64_BODY_H
#include <stddef.h>
#include <stdint.h>
#include "edisensor.h"

struct b64_bodies;

struct b64_body_stats {
	uint64_t items;           /* ES_EV_B64 items taken */
	uint64_t bodies;          /* bodies begun (start items) */
	uint64_t ended_text;      /* ended by the kernel at the end of the text */
	uint64_t ended_cap;       /* ended by the kernel at ES_B64_DEPTH */
	uint64_t ended_gap;       /* ended by a GAP of the direction */
	uint64_t ended_flow;      /* ended by the direction's FLOW_END */
	uint64_t ended_lost;      /* items of it lost (offsets, ES_SEGF_EVENTS_LOST, a
				     new start before the end) */
	uint64_t ended_evicted;   /* more than max_bodies open: the oldest went */
	uint64_t ended_flush;     /* still open at the end of the input */
	uint64_t orphan_items;    /* items of no open body (its start lost) */
	uint64_t text_bytes;      /* base64 text bytes of the items */
	uint64_t decoded_bytes;
	uint64_t invalid_chars;   /* text bytes neither base64 nor CR/LF, or after '=' */
	uint64_t segments;        /* segment events made from decoded data */
	uint64_t offset_misses;   /* segments whose offset was older than the map:
				     the oldest offset known given */
	uint64_t nested;          /* base64 found inside decoded data: not followed */
};

/* One segment event of ES_EVENT_HDR_LEN + ev->data_len bytes; or, at a
 * body's end, an ES_EV_B64 event flagged ES_SEGF_BASE64 whose seg_len is
 * the body's segments not forwarded after its last forwarded one (the
 * assembler counts them in the open message). */
typedef void (*b64_emit_fn)(void *ctx, const struct es_event *ev, size_t len);

/* tags[0..*n_tags): the segments to forward besides the service
 * segments, as the kernel's forwarded tags (zero-padded, "*" = all); both kept
 * by pointer, so a reload that rewrites them in place (live_reload.c)
 * applies to decoded bodies too. */
struct b64_bodies *b64_bodies_new(size_t max_bodies, const char (*tags)[4], const size_t *n_tags,
				  b64_emit_fn emit, void *ctx);

/* Takes every event of the pipeline: ES_EV_B64 items, and GAP / FLOW_END
 * end the direction's body (before the assembler sees them). */
void b64_bodies_event(struct b64_bodies *b, const struct es_event *ev);

/* End of input: every open body decoded to its end. */
void b64_bodies_flush(struct b64_bodies *b);

const struct b64_body_stats *b64_bodies_stats(const struct b64_bodies *b);
void b64_bodies_free(struct b64_bodies *b);

#endif
