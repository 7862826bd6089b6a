/*
 * Reading the sensor's ring buffer output (bpf/edisensor.h: records of one
 * struct es_rec_hdr, a payload chunk, compact items whose data follow them
 * or lie in the chunk) as struct es_event, one at a time.
 * A record is checked whole before its first event comes out: every length
 * bounded by the bytes at hand, so arbitrary bytes (a fuzzer's, a reader of
 * the wrong ABI) yield an error, never a read past the output.
 */
#ifndef EDISENSOR_RING_RECORD_H
#define EDISENSOR_RING_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include "edisensor.h"

struct ring_reader {
	const unsigned char *p;   /* next item, or next record when items_left is 0 */
	const unsigned char *chunk; /* the record's chunk (hdr.chunk_len bytes) */
	size_t left;              /* bytes after the record being read */
	struct es_rec_hdr hdr;    /* the record being read */
	unsigned items_left;      /* its items not read yet */
	int err;                  /* sticky: the rest of the output is not read */
};

void ring_reader_init(struct ring_reader *r, const void *data, size_t len);

/*
 * The next event into *ev. Returns the event's length as assembler_feed()
 * and event_print() take it (ES_EVENT_HDR_LEN + data_len), 0 at the end of
 * the output, -EINVAL when the rest is not whole, well-formed records and
 * -EPROTO for a record of another ES_REC_VERSION (reading stops there; the
 * events before it stand).
 */
int ring_reader_next(struct ring_reader *r, struct es_event *ev);

/* Events in the records at the start of an output whose headers are sound
 * (their item counts; the items are neither checked nor copied, so one
 * header per record is read): what a reader that cannot take the output
 * counts as lost. */
uint64_t ring_output_events(const void *data, size_t len);

#endif
