/*
 * Prometheus metrics: a registry of collectors and a tiny HTTP/1.0 server
 * thread that renders them in the text exposition format (version 0.0.4)
 * on GET /metrics. Loopback by default; one connection at a time, requests
 * bounded in size and time.
 *
 * Any module plugs its numbers in with metrics_register(). Collectors run
 * on the metrics thread while holding the lock given to metrics_new() (the
 * live loop's pipeline lock, so they may read pipeline, feed and output
 * state without their own locking); they must not block. When the lock
 * cannot be had within a second (an output blocks the pipeline), those
 * collectors are left out and edisensor_pipeline_stalled is 1; collectors
 * registered with metrics_register_unlocked (kernel counters, the queue)
 * always run.
 */
#ifndef EDISENSOR_METRICS_H
#define EDISENSOR_METRICS_H
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct metrics;
struct metrics_out;

typedef void (*metrics_collect_fn)(struct metrics_out *o, void *ctx);

/* lock may be NULL (collectors then synchronise themselves). */
int metrics_new(struct metrics **out, pthread_mutex_t *lock);
/* Stops the server thread, frees the registry. NULL ok. */
void metrics_free(struct metrics *m);

/* At most 32 collectors; they run in registration order, unlocked ones
 * first. */
int metrics_register(struct metrics *m, metrics_collect_fn fn, void *ctx);
/* For collectors that synchronise themselves (atomics, syscalls). */
int metrics_register_unlocked(struct metrics *m, metrics_collect_fn fn, void *ctx);

/* Binds addr (IPV4:PORT or [IPV6]:PORT). Separate from metrics_start so
 * the socket is bound before privileges are dropped and the thread starts
 * after (capabilities are per thread). */
int metrics_listen(struct metrics *m, const char *addr, char *errbuf, size_t errlen);
/* Starts the server thread on the bound socket. */
int metrics_start(struct metrics *m);

/* The exposition text, as the server sends it (caller frees *buf). */
int metrics_render(struct metrics *m, char **buf, size_t *len);

/* Writers for collectors. name is the full metric name (edisensor_...);
 * a family's HELP/TYPE line comes first, then its samples. labels is the
 * inside of {...} (e.g. "interface=\"eth0\"") or NULL; label values must
 * be escaped with metrics_escape(). */
void metrics_family(struct metrics_out *o, const char *name, const char *type, const char *help);
void metrics_sample(struct metrics_out *o, const char *name, const char *labels, uint64_t v);
/* Both in one: a family with one unlabelled sample. */
void metrics_counter(struct metrics_out *o, const char *name, const char *help, uint64_t v);
void metrics_gauge(struct metrics_out *o, const char *name, const char *help, uint64_t v);
/* A statistics struct of uint64_t fields as metrics: one row per field,
 * named after the field (METRICS_FIELD), so a metric's name cannot drift
 * from the field it reads. metrics_fields() writes each row as a family
 * with one sample: PREFIX NAME "_total" for a counter, PREFIX NAME for a
 * gauge. A row without a name (METRICS_FIELD_UNEXPORTED) is a field left
 * off /metrics; with those listed too, a table can be checked to cover its
 * whole struct. */
struct metrics_field {
	const char *name;
	const char *help;
	bool gauge;
	size_t offset;
};
#define METRICS_FIELD(type, field, is_gauge, help_text) \
	{ .name = #field, .help = (help_text), .gauge = (is_gauge), .offset = offsetof(type, field) }
#define METRICS_FIELD_UNEXPORTED(type, field) { .name = NULL, .offset = offsetof(type, field) }
void metrics_fields(struct metrics_out *o, const char *prefix, const struct metrics_field *f,
		    size_t n, const void *stats);
/* Escapes a label value (\\, \", \n) into buf. */
const char *metrics_escape(const char *in, char *buf, size_t len);

/* Client side (edisensord --stats): GET /metrics from addr, body to out. */
int metrics_fetch(const char *addr, FILE *out, char *errbuf, size_t errlen);

#endif
