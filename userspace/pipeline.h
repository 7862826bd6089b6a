/*
 * The userspace pipeline, the same for replay and live capture:
 *   ring record ─► events ─► assembler (messages) ─► feeds (matches) ─► outputs
 * Hits are written always, messages with --all-messages, gaps and losses as
 * records of their own. Single-threaded: call pipeline_event() from one
 * thread (the live reader hands records over a queue); feeds may be
 * reloaded from another (feeds_reload_async on pipeline_feeds()).
 */
#ifndef EDISENSOR_PIPELINE_H
#define EDISENSOR_PIPELINE_H
#include <stddef.h>
#include <stdint.h>
#include "edisensor.h"

struct config;
struct pipeline;
struct feeds;
struct outputs;
struct assembler_stats;
struct b64_body_stats;

struct pipeline_stats {
	uint64_t records;         /* ring buffer outputs received (a packet's records) */
	uint64_t events;          /* events in them (a record may batch several) */
	uint64_t short_events;    /* outputs with a malformed record: the rest dropped, counted */
	uint64_t segments;
	uint64_t gaps;
	uint64_t flow_ends;
	uint64_t messages;        /* messages assembled */
	uint64_t hits;            /* hit records written */
	uint64_t matches;         /* indicator matches inside them */
	uint64_t findings;
	uint64_t records_out;     /* records handed to the outputs */
	uint64_t output_errors;   /* outputs_emit failures */
	uint64_t losses;          /* Loss records written */
	uint64_t b64_items;       /* ES_EV_B64 items (base64 body text) */
};

/* Builds the pipeline from cfg: loads the feeds (bad lines reported and
 * skipped; an unreadable feed is an error), opens the outputs. errbuf says
 * what failed. */
int pipeline_new(struct pipeline **out, const struct config *cfg, char *errbuf, size_t errlen);

/* One ring-buffer record of len bytes (one or more events). */
int pipeline_event(struct pipeline *p, const void *rec, size_t len);

/* Reports a loss that happened outside the pipeline (e.g. the kernel's
 * ring buffer was full): counted and written as a Loss record. */
int pipeline_report_loss(struct pipeline *p, const char *stage, uint64_t count,
			 const char *reason);

/* End of input (replay end, SIGTERM): emit what is still open and wait up
 * to timeout_ms for outputs to acknowledge. */
int pipeline_flush(struct pipeline *p, int timeout_ms);

void pipeline_stats(const struct pipeline *p, struct pipeline_stats *st);

/* Messages assembled per message type (CUSCAR, 309...): calls fn once per
 * type seen, "other" for types past the table's PIPELINE_MAX_TYPES. */
#define PIPELINE_MAX_TYPES 64
typedef void (*pipeline_type_fn)(void *ctx, const char *type, uint64_t messages);
void pipeline_message_types(const struct pipeline *p, pipeline_type_fn fn, void *ctx);
const struct assembler_stats *pipeline_assembler_stats(const struct pipeline *p);
const struct b64_body_stats *pipeline_b64_stats(const struct pipeline *p);
struct feeds *pipeline_feeds(const struct pipeline *p);
struct outputs *pipeline_outputs(const struct pipeline *p);
void pipeline_free(struct pipeline *p);

#endif
