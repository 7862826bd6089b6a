/*
 * Prometheus collectors for the pipeline's modules: assembler (interchanges,
 * messages, integrity, flows, memory), feeds (indicators per feed and type,
 * hits per feed and type, reloads, rejected lines) and outputs (per sink:
 * records, bytes, errors, connection, acknowledgements, spool). They read
 * the modules' own statistics under the pipeline lock the registry holds.
 */
#ifndef EDISENSOR_LIVE_METRICS_H
#define EDISENSOR_LIVE_METRICS_H

struct metrics;
struct pipeline;

int live_metrics_register(struct metrics *m, struct pipeline *p);

#endif
