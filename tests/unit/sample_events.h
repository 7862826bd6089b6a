/* Test-only helpers: turn an EDI file into ring-buffer events with the
 * in-kernel scanner's own code (bpf/edi_scan.h via scan_harness.h), run
 * them through the assembler and keep the records. */
#ifndef EDISENSOR_TEST_SAMPLE_EVENTS_H
#define EDISENSOR_TEST_SAMPLE_EVENTS_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assembler.h"
#include "scan_harness.h"
#include "edisensor.h"
#include "edisensor.pb-c.h"

struct ev_list {
	struct es_event *ev;
	size_t n, cap;
};

static inline struct es_event *ev_push(struct ev_list *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->ev = realloc(l->ev, l->cap * sizeof(*l->ev));
		if (!l->ev)
			abort();
	}
	struct es_event *e = &l->ev[l->n++];
	memset(e, 0, sizeof(*e));
	return e;
}

static inline void test_flow_key(struct es_flow_key *k, uint8_t last_octet, uint16_t sport)
{
	memset(k, 0, sizeof(*k));
	k->family = 4;
	k->saddr[0] = 127, k->saddr[3] = last_octet;
	k->daddr[0] = 127, k->daddr[3] = 1;
	k->sport = sport;
	k->dport = 3305;
}

static inline void ev_segment(struct ev_list *l, const struct es_flow_key *k,
			      const uint8_t *p, size_t n, uint64_t off,
			      const struct es_seps *seps, uint8_t syntax)
{
	struct es_event *e = ev_push(l);
	e->type = ES_EV_SEGMENT;
	e->flow = *k;
	e->ts_ns = 1000000000ull + off;
	e->stream_off = off;
	e->seg_len = (uint32_t)n;
	e->data_len = (uint16_t)(n > ES_SEG_MAX ? ES_SEG_MAX : n);
	if (n > ES_SEG_MAX)
		e->flags |= ES_SEGF_TRUNCATED;
	e->syntax = syntax;
	e->dir = ES_DIR_TO_SERVER;
	e->seps = *seps;
	memcpy(e->data, p, e->data_len);
}

/* Splits buf into segment events of flow k, starting at stream offset
 * base, with the scanner the XDP program runs (bpf/edi_scan.h through its
 * host harness), fed in packets of at most mss bytes so segments cross
 * packet boundaries. Forwards the service segments and those whose tags
 * are listed (every segment when tags is NULL); aux carries the count of
 * segments skipped before each, as the XDP program sets it. Returns the
 * number of events. */
static inline size_t split_edi_tags(struct ev_list *l, const struct es_flow_key *k,
				    const uint8_t *buf, size_t len, uint64_t base, size_t mss,
				    const char *const *tags)
{
	struct harness h;

	harness_init(&h);
	if (tags) {
		h.want_all = 0;
		h.tags = tags;
	}
	for (size_t off = 0; off < len; off += mss)
		harness_packet(&h, buf + off, len - off < mss ? len - off : mss);
	for (size_t i = 0; i < h.n; i++) {
		const struct hseg *s = &h.segs[i];
		struct es_event *e = ev_push(l);
		e->type = ES_EV_SEGMENT;
		e->flow = *k;
		e->ts_ns = 1000000000ull + base + s->off;
		e->stream_off = base + s->off;
		e->seg_len = s->seg_len;
		e->data_len = s->data_len;
		e->flags = s->flags;
		e->syntax = s->syntax;
		e->dir = ES_DIR_TO_SERVER;
		e->seps = s->seps;
		e->aux = s->skipped;
		memcpy(e->data, s->data, s->data_len);
	}
	size_t n = h.n;
	harness_free(&h);
	return n;
}

static inline size_t split_edi_mss(struct ev_list *l, const struct es_flow_key *k,
				   const uint8_t *buf, size_t len, uint64_t base, size_t mss)
{
	return split_edi_tags(l, k, buf, len, base, mss, NULL);
}

static inline size_t split_edi(struct ev_list *l, const struct es_flow_key *k,
			       const uint8_t *buf, size_t len, uint64_t base)
{
	return split_edi_mss(l, k, buf, len, base, 1460);
}

/* ---- files ---------------------------------------------------------- */

/* Path of the shared samples folder: $EDI_SAMPLES when set, else
 * $ROOT/../shared/samples where ROOT is the repository root (tests run
 * from it or with ROOT set). NULL when absent. */
static inline const char *samples_dir(void)
{
	static char path[4096];
	const char *root = getenv("ROOT"), *dir = getenv("EDI_SAMPLES");
	struct stat st;

	if (dir)
		snprintf(path, sizeof(path), "%s", dir);
	else
		snprintf(path, sizeof(path), "%s/../shared/samples", root ? root : ".");
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return path;
	return NULL;
}

static inline uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

/* ---- collected records ------------------------------------------------- */

struct collected {
	Edisensor__V1__Message *msg[64];
	size_t n;
	size_t gaps;
};

/* The callback's message is only valid during the call: keep a copy by
 * packing and unpacking it (which also proves it serialises). */
static inline void collect_message(void *ctx, const Edisensor__V1__Message *m)
{
	struct collected *c = ctx;
	size_t len = edisensor__v1__message__get_packed_size(m);
	uint8_t *buf = malloc(len ? len : 1);

	if (!buf)
		abort();
	edisensor__v1__message__pack(m, buf);
	if (c->n < sizeof(c->msg) / sizeof(c->msg[0]))
		c->msg[c->n++] = edisensor__v1__message__unpack(NULL, len, buf);
	free(buf);
}

static inline void collect_gap(void *ctx, const Edisensor__V1__Gap *g)
{
	(void)g;
	((struct collected *)ctx)->gaps++;
}

static inline void collected_free(struct collected *c)
{
	for (size_t i = 0; i < c->n; i++)
		edisensor__v1__message__free_unpacked(c->msg[i], NULL);
	c->n = 0;
}

static inline void feed_all(struct assembler *a, const struct ev_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		assembler_feed(a, &l->ev[i], ES_EVENT_HDR_LEN + l->ev[i].data_len);
}

/* Runs one sample file through scanner + assembler + flush, in packets
 * of mss bytes. Returns 0, or -1 when the file cannot be read. */
static inline int run_sample_mss(const char *name, struct collected *out, size_t mss)
{
	char path[4600];
	const char *dir = samples_dir();
	size_t len;
	uint8_t *buf;
	struct ev_list l = { 0 };
	struct es_flow_key k;
	struct assembler_opts o = { .interface = "replay", .on_gap = collect_gap };

	if (!dir)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf = read_file(path, &len);
	if (!buf)
		return -1;
	test_flow_key(&k, 2, 40000);
	split_edi_mss(&l, &k, buf, len, 0, mss);
	struct assembler *a = assembler_new(&o, collect_message, out);
	if (!a)
		abort();
	feed_all(a, &l);
	assembler_flush(a);
	assembler_free(a);
	free(l.ev);
	free(buf);
	return 0;
}

static inline int run_sample(const char *name, struct collected *out)
{
	return run_sample_mss(name, out, 1460);
}

/* ---- lookups for assertions ----------------------------------------- */

static inline const Edisensor__V1__Party *find_party(const Edisensor__V1__Message *m,
						     const char *role, const char *name_or_id)
{
	for (size_t i = 0; i < m->n_parties; i++) {
		const Edisensor__V1__Party *p = m->parties[i];
		if (!strcmp(p->role, role) &&
		    (!strcmp(p->name, name_or_id) || !strcmp(p->id, name_or_id)))
			return p;
	}
	return NULL;
}

static inline int has_reference(const Edisensor__V1__Message *m, const char *q, const char *v)
{
	for (size_t i = 0; i < m->n_references; i++)
		if (!strcmp(m->references[i]->qualifier, q) && !strcmp(m->references[i]->value, v))
			return 1;
	return 0;
}

static inline const Edisensor__V1__Equipment *find_equipment(const Edisensor__V1__Message *m,
							     const char *number)
{
	for (size_t i = 0; i < m->n_equipment; i++)
		if (!strcmp(m->equipment[i]->number, number))
			return m->equipment[i];
	return NULL;
}

static inline int has_location(const Edisensor__V1__Message *m, const char *q, const char *code)
{
	for (size_t i = 0; i < m->n_locations; i++)
		if (!strcmp(m->locations[i]->qualifier, q) && !strcmp(m->locations[i]->locode, code))
			return 1;
	return 0;
}

static inline const Edisensor__V1__GoodsItem *find_goods_hs(const Edisensor__V1__Message *m,
							    const char *hs)
{
	for (size_t i = 0; i < m->n_goods; i++)
		if (!strcmp(m->goods[i]->hs_code, hs))
			return m->goods[i];
	return NULL;
}

static inline const Edisensor__V1__Transport *find_vessel(const Edisensor__V1__Message *m,
							   const char *name)
{
	for (size_t i = 0; i < m->n_transport; i++)
		if (!strcmp(m->transport[i]->vessel_name, name))
			return m->transport[i];
	return NULL;
}

static inline int has_finding(const Edisensor__V1__Message *m, const char *needle)
{
	for (size_t i = 0; i < m->integrity->n_findings; i++)
		if (strstr(m->integrity->findings[i], needle))
			return 1;
	return 0;
}

#endif
