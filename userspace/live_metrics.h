/*
 * Prometheus collectors for the pipeline and its modules: pipeline (records,
 * events, messages, hits, errors, messages by type), assembler (interchanges,
 * messages, integrity, flows, memory), feeds (indicators per feed and type,
 * hits per feed and type, reloads, rejected lines) and outputs (per sink:
 * records, bytes, errors, connection, acknowledgements, spool). They read
 * the modules' own statistics under the pipeline lock the registry holds.
 */
#ifndef EDISENSOR_LIVE_METRICS_H
#define EDISENSOR_LIVE_METRICS_H

#include <stdint.h>

struct metrics;
struct pipeline;

/* What the collectors read; the caller keeps it alive as long as the
 * registry. */
struct live_metrics {
	struct pipeline *pipe;
	const uint64_t *pipeline_errors;  /* the live loop's pipeline_event failures,
					     counted under the pipeline lock */
};

int live_metrics_register(struct metrics *m, struct live_metrics *lm);

#endif
