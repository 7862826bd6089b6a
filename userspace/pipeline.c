#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "assembler.h"
#include "b64_body.h"
#include "config.h"
#include "event_print.h"
#include "feeds.h"
#include "log.h"
#include "match.h"
#include "output.h"
#include "pipeline.h"
#include "ring_record.h"

#define DEFAULT_STATE_DIR "/var/lib/edisensor"
/* base64 bodies open at once (one per flow direction; ~15 KB each) */
#define PIPELINE_B64_BODIES 1024

struct type_count {
	char type[8];           /* message types are 3-6 characters */
	uint64_t n;
};

struct pipeline {
	const struct config *cfg;
	struct pipeline_stats st;
	struct type_count types[PIPELINE_MAX_TYPES + 1];   /* last: "other" */
	struct assembler *assembler;
	struct b64_bodies *b64;   /* base64 bodies: decoded segments into the assembler */
	struct feeds *feeds;
	struct match_set ms;
	struct outputs *outputs;
};

static void emit(struct pipeline *p, Edisensor__V1__Record *rec)
{
	p->st.records_out++;
	if (outputs_emit(p->outputs, rec))
		p->st.output_errors++;
}

static void count_type(struct pipeline *p, const Edisensor__V1__Message *msg)
{
	const char *t = msg->envelope && msg->envelope->message_type &&
			*msg->envelope->message_type ? msg->envelope->message_type : "unknown";
	struct type_count *tc;
	char clean[8];
	size_t i;

	/* The type comes off the wire: keep letters and digits only, so it is
	 * safe as a metrics label and cannot spread over many slots by noise. */
	for (i = 0; i < sizeof(clean) - 1 && t[i]; i++) {
		char c = t[i];

		clean[i] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			   (c >= '0' && c <= '9') ? c : '_';
	}
	clean[i] = '\0';
	t = clean;
	for (tc = p->types; tc < p->types + PIPELINE_MAX_TYPES && tc->type[0]; tc++)
		if (!strncmp(tc->type, t, sizeof(tc->type) - 1))
			break;
	if (tc == p->types + PIPELINE_MAX_TYPES)
		snprintf(tc->type, sizeof(tc->type), "other");
	else if (!tc->type[0])
		snprintf(tc->type, sizeof(tc->type), "%s", t);
	tc->n++;
}

static void on_message(void *ctx, const Edisensor__V1__Message *msg)
{
	struct pipeline *p = ctx;
	/* The record only borrows the message; it is packed before we return. */
	Edisensor__V1__Message *m = (Edisensor__V1__Message *)msg;
	Edisensor__V1__Record rec = EDISENSOR__V1__RECORD__INIT;
	Edisensor__V1__Hit hit = EDISENSOR__V1__HIT__INIT;
	int n;

	p->st.messages++;
	count_type(p, msg);
	if (p->cfg->all_messages) {
		rec.kind_case = EDISENSOR__V1__RECORD__KIND_MESSAGE;
		rec.message = m;
		emit(p, &rec);
	}
	n = feeds_match(p->feeds, msg, (uint64_t)time(NULL), &p->ms);
	if (n > 0 && match_build_hit(&hit, m, &p->ms)) {
		p->st.hits++;
		p->st.matches += hit.n_matches;
		p->st.findings += hit.n_findings;
		rec = (Edisensor__V1__Record)EDISENSOR__V1__RECORD__INIT;
		rec.kind_case = EDISENSOR__V1__RECORD__KIND_HIT;
		rec.hit = &hit;
		emit(p, &rec);
	}
}

static void on_gap(void *ctx, const Edisensor__V1__Gap *gap)
{
	struct pipeline *p = ctx;
	Edisensor__V1__Record rec = EDISENSOR__V1__RECORD__INIT;

	rec.kind_case = EDISENSOR__V1__RECORD__KIND_GAP;
	rec.gap = (Edisensor__V1__Gap *)gap;
	emit(p, &rec);
}

static void log_reject(void *ctx, const char *file, unsigned line, const char *reason)
{
	(void)ctx;
	if (line)
		log_warn("feed %s:%u: %s (line skipped)", file, line, reason);
	else
		log_error("feed %s: %s", file, reason);
}

static int open_feeds(struct pipeline *p, char *errbuf, size_t errlen)
{
	int err;

	p->feeds = feeds_new();
	if (!p->feeds)
		return -ENOMEM;
	for (size_t i = 0; i < p->cfg->n_feeds; i++) {
		err = feeds_add(p->feeds, p->cfg->feeds[i]);
		if (err) {
			snprintf(errbuf, errlen, "feed %s: %s", p->cfg->feeds[i], strerror(-err));
			return err;
		}
	}
	err = feeds_reload(p->feeds, log_reject, NULL);
	if (err)
		snprintf(errbuf, errlen, "feeds could not be loaded: %s (see above)", strerror(-err));
	return err;
}

static bool has_network_output(const char *const *specs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (outputs_spec_network(specs[i]))
			return true;
	return false;
}

static int open_outputs(struct pipeline *p, char *errbuf, size_t errlen)
{
	static const char *const replay_default[] = { "json:-" };
	static const char *const live_default[] = { "file:" DEFAULT_STATE_DIR "/records.pb" };
	const struct config *c = p->cfg;
	const char *const *specs = c->outputs;
	size_t n = c->n_outputs;
	struct outputs_options o;
	int err;

	if (!n) {
		specs = c->replay_path ? replay_default : live_default;
		n = 1;
	}
	outputs_options_default(&o);
	o.sensor_id = c->sensor_id;
	o.state_dir = c->spool_dir;
	if (!o.state_dir && has_network_output(specs, n))
		o.state_dir = DEFAULT_STATE_DIR;
	if (o.state_dir && mkdir(o.state_dir, 0750) && errno != EEXIST) {
		err = -errno;
		snprintf(errbuf, errlen, "state directory %s: %s", o.state_dir, strerror(-err));
		return err;
	}
	err = outputs_open(&p->outputs, specs, n, &o);
	if (err)
		snprintf(errbuf, errlen, "opening outputs (%s%s): %s", specs[0],
			 n > 1 ? ", ..." : "", strerror(-err));
	return err;
}

/* A segment decoded from a base64 body: on as if the kernel had sent it. */
static void on_b64_segment(void *ctx, const struct es_event *ev, size_t len)
{
	struct pipeline *p = ctx;

	if (ev->type == ES_EV_SEGMENT)
		p->st.segments++;
	if (p->cfg->debug_events)
		event_print(stderr, ev, len);
	assembler_feed(p->assembler, ev, len);
}

/* Live events carry CLOCK_MONOTONIC (bpf_ktime_get_ns); replayed ones
 * carry capture time already. */
static int64_t clock_offset(const struct config *c)
{
	struct timespec rt, mono;

	if (c->replay_path)
		return 0;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return ((int64_t)rt.tv_sec - mono.tv_sec) * 1000000000ll + (rt.tv_nsec - mono.tv_nsec);
}

int pipeline_new(struct pipeline **out, const struct config *cfg, char *errbuf, size_t errlen)
{
	struct pipeline *p = calloc(1, sizeof(*p));
	struct assembler_opts ao = { 0 };
	int err;

	if (!p) {
		snprintf(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	p->cfg = cfg;
	match_set_init(&p->ms);
	err = open_feeds(p, errbuf, errlen);
	if (!err)
		err = open_outputs(p, errbuf, errlen);
	if (!err) {
		ao.clock_offset_ns = clock_offset(cfg);
		ao.interface = cfg->replay_path ? "replay" : NULL;
		ao.on_gap = on_gap;
		p->assembler = assembler_new(&ao, on_message, p);
		p->b64 = b64_bodies_new(PIPELINE_B64_BODIES, cfg->tags, &cfg->n_tags,
					on_b64_segment, p);
		if (!p->assembler || !p->b64) {
			snprintf(errbuf, errlen, "assembler: out of memory");
			err = -ENOMEM;
		}
	}
	if (err) {
		pipeline_free(p);
		return err;
	}
	*out = p;
	return 0;
}

static void one_event(struct pipeline *p, const struct es_event *ev, size_t len)
{
	p->st.events++;
	if (p->cfg->debug_events)
		event_print(stderr, ev, len);
	switch (ev->type) {
	case ES_EV_SEGMENT:
		p->st.segments++;
		break;
	case ES_EV_GAP:
		p->st.gaps++;
		break;
	case ES_EV_FLOW_END:
		p->st.flow_ends++;
		break;
	}
	/* a base64 body of the direction ends before its GAP/FLOW_END; its
	 * text's loss mark reaches the assembler before its segments */
	if (ev->type != ES_EV_B64)
		b64_bodies_event(p->b64, ev);
	assembler_feed(p->assembler, ev, len);   /* its own stats count failures */
	if (ev->type == ES_EV_B64) {
		p->st.b64_items++;
		b64_bodies_event(p->b64, ev);
	}
}


int pipeline_event(struct pipeline *p, const void *rec, size_t len)
{
	struct ring_reader r;
	struct es_event ev;
	int n;

	p->st.records++;
	/* One output of the XDP program: a packet's events, as records of a
	 * shared header and compact items (ring_record.h). */
	ring_reader_init(&r, rec, len);
	while ((n = ring_reader_next(&r, &ev)) > 0)
		one_event(p, &ev, (size_t)n);
	if (n < 0)
		p->st.short_events++;
	return 0;
}

int pipeline_report_loss(struct pipeline *p, const char *stage, uint64_t count,
			 const char *reason)
{
	Edisensor__V1__Record rec = EDISENSOR__V1__RECORD__INIT;
	Edisensor__V1__Loss loss = EDISENSOR__V1__LOSS__INIT;

	if (!count)
		return 0;
	/* Which flows lost events is not known: all are treated as lossy. */
	assembler_note_loss(p->assembler, reason);
	loss.stage = (char *)stage;
	loss.count = count;
	loss.reason = (char *)reason;
	rec.kind_case = EDISENSOR__V1__RECORD__KIND_LOSS;
	rec.loss = &loss;
	p->st.losses++;
	emit(p, &rec);
	return 0;
}

int pipeline_flush(struct pipeline *p, int timeout_ms)
{
	b64_bodies_flush(p->b64);
	assembler_flush(p->assembler);
	return outputs_flush(p->outputs, timeout_ms);
}

void pipeline_stats(const struct pipeline *p, struct pipeline_stats *st)
{
	*st = p->st;
}

void pipeline_message_types(const struct pipeline *p, pipeline_type_fn fn, void *ctx)
{
	for (size_t i = 0; i <= PIPELINE_MAX_TYPES; i++)
		if (p->types[i].type[0])
			fn(ctx, p->types[i].type, p->types[i].n);
}

const struct assembler_stats *pipeline_assembler_stats(const struct pipeline *p)
{
	return assembler_stats(p->assembler);
}

const struct b64_body_stats *pipeline_b64_stats(const struct pipeline *p)
{
	return b64_bodies_stats(p->b64);
}

struct feeds *pipeline_feeds(const struct pipeline *p)
{
	return p->feeds;
}

struct outputs *pipeline_outputs(const struct pipeline *p)
{
	return p->outputs;
}

void pipeline_free(struct pipeline *p)
{
	if (!p)
		return;
	b64_bodies_free(p->b64);
	assembler_free(p->assembler);
	outputs_close(p->outputs);
	match_set_fini(&p->ms);
	feeds_free(p->feeds);
	free(p);
}
