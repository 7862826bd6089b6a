#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "assembler.h"
#include "b64_body.h"
#include "feeds.h"
#include "indicator.h"
#include "live_metrics.h"
#include "metrics.h"
#include "output.h"
#include "pipeline.h"

#define MAX_SINKS 64
#define N_ROWS(table) (sizeof(table) / sizeof((table)[0]))

#define ASM(field, gauge, help) METRICS_FIELD(struct assembler_stats, field, gauge, help)
#define ASM_UNEXPORTED(field) METRICS_FIELD_UNEXPORTED(struct assembler_stats, field)

/* edisensor_assembler_NAME_total / edisensor_assembler_NAME, in this order. */
static const struct metrics_field assembler_fields[] = {
	ASM(interchanges, false, "Interchanges seen"),
	ASM(messages, false, "Messages emitted"),
	ASM(messages_truncated, false, "Messages cut short"),
	ASM(messages_gap, false, "Messages with a sequence gap inside"),
	ASM(messages_no_envelope, false, "Messages without an interchange envelope"),
	ASM(messages_early, false, "Messages emitted before their interchange ended"),
	ASM(segments, false, "Segments received"),
	ASM(segments_skipped, false, "Segments the kernel did not forward (tag not asked for)"),
	ASM(segments_outside, false, "Data segments outside any message"),
	ASM(segments_over_cap, false, "Segments counted but not kept (limits)"),
	ASM(segments_undecodable, false, "Segments without a tag"),
	ASM(bad_events, false, "Events too short or of unknown type"),
	ASM(records_dropped, false, "Records dropped by extraction limits"),
	ASM(alloc_failures, false, "Allocation failures"),
	ASM(flows_evicted, false, "Flows evicted from the assembler's table"),
	ASM(flows_open, true, "Flows the assembler tracks"),
	ASM(messages_held, true, "Messages held until their UNZ/IEA"),
	ASM(memory_bytes, true, "Bytes of open and held records"),
	/* not on /metrics: events, gaps and flow_ends repeat the pipeline's
	 * counts of the same events; loss_marks was never exported */
	ASM_UNEXPORTED(events),
	ASM_UNEXPORTED(gaps),
	ASM_UNEXPORTED(loss_marks),
	ASM_UNEXPORTED(flow_ends),
};
/* A field added to the struct needs a row (exported or not). */
_Static_assert(N_ROWS(assembler_fields) == sizeof(struct assembler_stats) / sizeof(uint64_t),
	       "every assembler_stats field has a row in assembler_fields");

#define PIPE(field, help) METRICS_FIELD(struct pipeline_stats, field, false, help)

/* edisensor_pipeline_NAME_total, in this order. */
static const struct metrics_field pipeline_fields[] = {
	PIPE(records, "Ring-buffer records the pipeline received"),
	PIPE(events, "Events in them"),
	PIPE(short_events, "Malformed or short events dropped"),
	PIPE(segments, "Segment events"),
	PIPE(gaps, "Sequence gaps reported by the kernel"),
	PIPE(flow_ends, "FIN/RST flow ends"),
	PIPE(messages, "Messages assembled"),
	PIPE(hits, "Hit records written"),
	PIPE(matches, "Indicator matches inside hits"),
	PIPE(findings, "Findings (e.g. wrong container check digits)"),
	PIPE(records_out, "Records handed to the outputs"),
	PIPE(output_errors, "Records the outputs refused"),
	PIPE(losses, "Loss records written"),
	PIPE(b64_items, "Base64 body text items from the kernel (ES_EV_B64)"),
};
_Static_assert(N_ROWS(pipeline_fields) == sizeof(struct pipeline_stats) / sizeof(uint64_t),
	       "every pipeline_stats field has a row in pipeline_fields");

static void type_sample(void *ctx, const char *type, uint64_t n)
{
	char labels[64];

	/* pipeline.c keeps only letters, digits and '_': no escaping needed */
	snprintf(labels, sizeof(labels), "type=\"%s\"", type);
	metrics_sample(ctx, "edisensor_messages_by_type_total", labels, n);
}

static void collect_pipeline(struct metrics_out *o, void *ctx)
{
	const struct live_metrics *lm = ctx;
	struct pipeline_stats ps;

	pipeline_stats(lm->pipe, &ps);
	metrics_fields(o, "edisensor_pipeline_", pipeline_fields, N_ROWS(pipeline_fields), &ps);
	metrics_counter(o, "edisensor_pipeline_errors_total", "Records the pipeline failed on",
			*lm->pipeline_errors);
	metrics_family(o, "edisensor_messages_by_type_total", "counter",
		       "Messages assembled, by message type (UNH S009 / ST01)");
	pipeline_message_types(lm->pipe, type_sample, o);
}

#define B64(field, help) METRICS_FIELD(struct b64_body_stats, field, false, help)

/* edisensor_b64_NAME_total: base64 bodies decoded in userspace (b64_body.h). */
static const struct metrics_field b64_fields[] = {
	B64(items, "ES_EV_B64 items taken"),
	B64(bodies, "Base64 bodies begun"),
	B64(ended_text, "Bodies ended at the end of their text"),
	B64(ended_cap, "Bodies cut at the kernel's depth cap (ES_B64_DEPTH)"),
	B64(ended_gap, "Bodies ended by a sequence gap"),
	B64(ended_flow, "Bodies ended by FIN/RST"),
	B64(ended_lost, "Bodies ended because items of theirs were lost"),
	B64(ended_evicted, "Bodies ended because too many were open"),
	B64(ended_flush, "Bodies open at the end of the input"),
	B64(orphan_items, "Items of no open body (its start lost)"),
	B64(text_bytes, "Base64 text bytes received"),
	B64(decoded_bytes, "Bytes decoded"),
	B64(invalid_chars, "Text bytes neither base64 nor CR/LF (skipped)"),
	B64(segments, "Segments found in decoded data"),
	B64(offset_misses, "Segments whose stream offset was approximated"),
	B64(nested, "Base64 bodies inside decoded data (not followed)"),
};
_Static_assert(N_ROWS(b64_fields) == sizeof(struct b64_body_stats) / sizeof(uint64_t),
	       "every b64_body_stats field has a row in b64_fields");

static void collect_b64(struct metrics_out *o, void *ctx)
{
	const struct b64_body_stats *b = pipeline_b64_stats(ctx);

	if (b)
		metrics_fields(o, "edisensor_b64_", b64_fields, N_ROWS(b64_fields), b);
}

static void collect_assembler(struct metrics_out *o, void *ctx)
{
	const struct assembler_stats *a = pipeline_assembler_stats(ctx);

	if (a)
		metrics_fields(o, "edisensor_assembler_", assembler_fields,
			       N_ROWS(assembler_fields), a);
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

/* Per sink: NAME{output="SPEC"}, in this order; network_only rows skip
 * file and JSON sinks. */
struct sink_metric {
	const char *name;
	bool gauge;
	bool network_only;
	size_t offset;
	const char *help;
};
#define SINK(name, gauge, net, field, help) \
	{ name, gauge, net, offsetof(struct output_stats, field), help }

static const struct sink_metric sink_metrics[] = {
	SINK("edisensor_output_records_total", false, false, records,
	     "Records written (file) or spooled (network)"),
	SINK("edisensor_output_bytes_total", false, false, bytes, "Bytes written or spooled"),
	SINK("edisensor_output_errors_total", false, false, errors, "Failed writes"),
	SINK("edisensor_output_acked_total", false, true, acked, "Records the server acknowledged"),
	SINK("edisensor_output_retries_total", false, true, retries,
	     "Times sending restarted after a failure"),
	SINK("edisensor_output_rebuilds_total", false, true, rebuilds,
	     "Connections built anew after the client library closed one"),
	SINK("edisensor_output_connect_failures_total", false, true, connect_failures,
	     "Connections the server refused or that were closed or not created"),
	SINK("edisensor_output_spool_dropped_total", false, true, dropped,
	     "Records deleted from a full spool (also written as Loss records)"),
	SINK("edisensor_output_spool_pending", true, true, spool_pending,
	     "Spooled records not yet acknowledged"),
	SINK("edisensor_output_spool_bytes", true, true, spool_bytes, "Spool size"),
};

static void sink_family(struct metrics_out *o, const struct output_stats *s, size_t n,
			const struct sink_metric *m)
{
	char lab[256], esc[200];

	metrics_family(o, m->name, m->gauge ? "gauge" : "counter", m->help);
	for (size_t i = 0; i < n; i++) {
		uint64_t v;

		if (m->network_only && !s[i].network)
			continue;
		memcpy(&v, (const char *)&s[i] + m->offset, sizeof(v));
		snprintf(lab, sizeof(lab), "output=\"%s\"", metrics_escape(s[i].spec, esc, sizeof(esc)));
		metrics_sample(o, m->name, lab, v);
	}
}

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
	for (size_t i = 0; i < N_ROWS(sink_metrics); i++)
		sink_family(o, s, n, &sink_metrics[i]);
	metrics_family(o, "edisensor_output_connected", "gauge", "1 when a network output is connected");
	for (size_t i = 0; i < n; i++) {
		if (!s[i].network)
			continue;
		snprintf(lab, sizeof(lab), "output=\"%s\"", metrics_escape(s[i].spec, esc, sizeof(esc)));
		metrics_sample(o, "edisensor_output_connected", lab, s[i].connected);
	}
}

int live_metrics_register(struct metrics *m, struct live_metrics *lm)
{
	int r = metrics_register(m, collect_pipeline, lm);

	if (!r)
		r = metrics_register(m, collect_assembler, lm->pipe);
	if (!r)
		r = metrics_register(m, collect_b64, lm->pipe);
	if (!r)
		r = metrics_register(m, collect_feeds, lm->pipe);
	if (!r)
		r = metrics_register(m, collect_outputs, lm->pipe);
	return r;
}
