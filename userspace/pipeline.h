/*
 * The userspace pipeline, the same for replay and live capture:
 *   kernel event ─► assembler ─► extractor ─► matcher ─► outputs
 * pipeline_event() is the ring-buffer callback's body. Single-threaded:
 * call it from one thread (the live reader hands events over a queue).
 */
#ifndef EDISENSOR_PIPELINE_H
#define EDISENSOR_PIPELINE_H
#include <stddef.h>
#include <stdint.h>
#include "edisensor.h"

struct config;
struct pipeline;

struct pipeline_stats {
	uint64_t events;          /* records received from the ring buffer */
	uint64_t short_events;    /* shorter than the event header: dropped, counted */
	uint64_t segments;
	uint64_t gaps;
	uint64_t flow_ends;
};

/* Builds the pipeline from cfg (feeds loaded, outputs opened). On error
 * errbuf says what failed. */
int pipeline_new(struct pipeline **out, const struct config *cfg, char *errbuf, size_t errlen);

/* One kernel event of len bytes. */
int pipeline_event(struct pipeline *p, const struct es_event *ev, size_t len);

/* End of input (replay end, SIGTERM): emit what is still open and wait up
 * to timeout_ms for outputs to acknowledge. */
int pipeline_flush(struct pipeline *p, int timeout_ms);

void pipeline_stats(const struct pipeline *p, struct pipeline_stats *st);
void pipeline_free(struct pipeline *p);

#endif
