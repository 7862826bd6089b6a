#include <stdatomic.h>
#include <stdio.h>
#include "assembler.h"
#include "feeds.h"
#include "indicator.h"
#include "live_metrics.h"
#include "metrics.h"
#include "output.h"
#include "pipeline.h"

#define MAX_SINKS 64

static void asm_counter(struct metrics_out *o, const char *name, const char *help, uint64_t v)
{
	char full[96];

	snprintf(full, sizeof(full), "edisensor_assembler_%s_total", name);
	metrics_counter(o, full, help, v);
}

static void collect_assembler(struct metrics_out *o, void *ctx)
{
	const struct assembler_stats *a = pipeline_assembler_stats(ctx);

	if (!a)
		return;
	asm_counter(o, "interchanges", "Interchanges seen", a->interchanges);
	asm_counter(o, "messages", "Messages emitted", a->messages);
	asm_counter(o, "messages_truncated", "Messages cut short", a->messages_truncated);
	asm_counter(o, "messages_gap", "Messages with a sequence gap inside", a->messages_gap);
	asm_counter(o, "messages_no_envelope", "Messages without an interchange envelope",
		    a->messages_no_envelope);
	asm_counter(o, "messages_early", "Messages emitted before their interchange ended",
		    a->messages_early);
	asm_counter(o, "segments", "Segments received", a->segments);
	asm_counter(o, "segments_skipped", "Segments the kernel did not forward (tag not asked for)",
		    a->segments_skipped);
	asm_counter(o, "segments_outside", "Data segments outside any message",
		    a->segments_outside);
	asm_counter(o, "segments_over_cap", "Segments counted but not kept (limits)",
		    a->segments_over_cap);
	asm_counter(o, "segments_undecodable", "Segments without a tag", a->segments_undecodable);
	asm_counter(o, "bad_events", "Events too short or of unknown type", a->bad_events);
	asm_counter(o, "records_dropped", "Records dropped by extraction limits",
		    a->records_dropped);
	asm_counter(o, "alloc_failures", "Allocation failures", a->alloc_failures);
	asm_counter(o, "flows_evicted", "Flows evicted from the assembler's table",
		    a->flows_evicted);
	metrics_gauge(o, "edisensor_assembler_flows_open", "Flows the assembler tracks",
		      a->flows_open);
	metrics_gauge(o, "edisensor_assembler_messages_held", "Messages held until their UNZ/IEA",
		      a->messages_held);
	metrics_gauge(o, "edisensor_assembler_memory_bytes", "Bytes of open and held records",
		      a->memory_bytes);
}

static void collect_feeds(struct metrics_out *o, void *ctx)
{
	struct feeds *f = pipeline_feeds(ctx);
	const struct feeds_stats *st;
	unsigned n;
	char lab[192], esc[128];

	if (!f)
		return;
	st = feeds_stats(f);
	n = atomic_load(&st->n_feeds);
	metrics_family(o, "edisensor_feed_reloads_total", "counter", "Feed reloads by result");
	metrics_sample(o, "edisensor_feed_reloads_total", "result=\"ok\"", atomic_load(&st->reloads_ok));
	metrics_sample(o, "edisensor_feed_reloads_total", "result=\"failed\"",
		       atomic_load(&st->reloads_failed));
	metrics_counter(o, "edisensor_feed_rejected_lines_total", "Feed lines skipped, all loads",
			atomic_load(&st->rejected_lines));
	metrics_gauge(o, "edisensor_feed_indicators_active", "Indicators in the active store",
		      atomic_load(&st->indicators));
	metrics_counter(o, "edisensor_findings_total", "Findings (e.g. wrong container check digit)",
			atomic_load(&st->findings));
	metrics_family(o, "edisensor_feed_indicators", "gauge", "Indicators per feed and type");
	for (unsigned i = 0; i < n && i < INDICATOR_FEEDS_MAX; i++)
		for (unsigned t = 0; t < INDICATOR_TYPE_COUNT; t++) {
			uint64_t v = atomic_load(&st->feed[i].indicators[t]);

			if (!v)
				continue;
			snprintf(lab, sizeof(lab), "feed=\"%s\",type=\"%s\"",
				 metrics_escape(st->feed[i].name, esc, sizeof(esc)),
				 indicator_type_name(t));
			metrics_sample(o, "edisensor_feed_indicators", lab, v);
		}
	metrics_family(o, "edisensor_hits_total", "counter", "Indicator matches by feed and type");
	for (unsigned i = 0; i < n && i < INDICATOR_FEEDS_MAX; i++)
		for (unsigned t = 0; t < INDICATOR_TYPE_COUNT; t++) {
			snprintf(lab, sizeof(lab), "feed=\"%s\",type=\"%s\"",
				 metrics_escape(st->feed[i].name, esc, sizeof(esc)),
				 indicator_type_name(t));
			if (atomic_load(&st->feed[i].indicators[t]) || atomic_load(&st->feed[i].hits[t]))
				metrics_sample(o, "edisensor_hits_total", lab,
					       atomic_load(&st->feed[i].hits[t]));
		}
	metrics_family(o, "edisensor_feed_read_failures_total", "counter",
		       "Loads that could not read the feed");
	for (unsigned i = 0; i < n && i < INDICATOR_FEEDS_MAX; i++) {
		snprintf(lab, sizeof(lab), "feed=\"%s\"",
			 metrics_escape(st->feed[i].name, esc, sizeof(esc)));
		metrics_sample(o, "edisensor_feed_read_failures_total", lab,
			       atomic_load(&st->feed[i].read_failures));
	}
}

static void sink_family(struct metrics_out *o, const struct output_stats *s, size_t n,
			const char *name, const char *type, const char *help, size_t field_off,
			int network_only)
{
	char lab[256], esc[200];

	metrics_family(o, name, type, help);
	for (size_t i = 0; i < n; i++) {
		if (network_only && !s[i].network)
			continue;
		snprintf(lab, sizeof(lab), "output=\"%s\"", metrics_escape(s[i].spec, esc, sizeof(esc)));
		metrics_sample(o, name, lab, *(const uint64_t *)((const char *)&s[i] + field_off));
	}
}

#define SINK(o, s, n, name, type, help, field, net) \
	sink_family(o, s, n, name, type, help, __builtin_offsetof(struct output_stats, field), net)

static void collect_outputs(struct metrics_out *o, void *ctx)
{
	struct outputs *out = pipeline_outputs(ctx);
	struct output_stats s[MAX_SINKS];
	char lab[256], esc[200];
	size_t n;

	if (!out)
		return;
	n = outputs_stats(out, s, MAX_SINKS);
	if (n > MAX_SINKS)
		n = MAX_SINKS;
	SINK(o, s, n, "edisensor_output_records_total", "counter",
	     "Records written (file) or spooled (network)", records, 0);
	SINK(o, s, n, "edisensor_output_bytes_total", "counter", "Bytes written or spooled", bytes, 0);
	SINK(o, s, n, "edisensor_output_errors_total", "counter", "Failed writes", errors, 0);
	SINK(o, s, n, "edisensor_output_acked_total", "counter",
	     "Records the server acknowledged", acked, 1);
	SINK(o, s, n, "edisensor_output_retries_total", "counter",
	     "Times sending restarted after a failure", retries, 1);
	SINK(o, s, n, "edisensor_output_rebuilds_total", "counter",
	     "Connections built anew after the client library closed one", rebuilds, 1);
	SINK(o, s, n, "edisensor_output_connect_failures_total", "counter",
	     "Connections the server refused or that were closed or not created", connect_failures, 1);
	SINK(o, s, n, "edisensor_output_spool_dropped_total", "counter",
	     "Records deleted from a full spool (also written as Loss records)", dropped, 1);
	SINK(o, s, n, "edisensor_output_spool_pending", "gauge",
	     "Spooled records not yet acknowledged", spool_pending, 1);
	SINK(o, s, n, "edisensor_output_spool_bytes", "gauge", "Spool size", spool_bytes, 1);
	metrics_family(o, "edisensor_output_connected", "gauge", "1 when a network output is connected");
	for (size_t i = 0; i < n; i++) {
		if (!s[i].network)
			continue;
		snprintf(lab, sizeof(lab), "output=\"%s\"", metrics_escape(s[i].spec, esc, sizeof(esc)));
		metrics_sample(o, "edisensor_output_connected", lab, s[i].connected);
	}
}

int live_metrics_register(struct metrics *m, struct pipeline *p)
{
	int r = metrics_register(m, collect_assembler, p);

	if (!r)
		r = metrics_register(m, collect_feeds, p);
	if (!r)
		r = metrics_register(m, collect_outputs, p);
	return r;
}
