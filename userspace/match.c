#include "match.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "imo.h"
#include "iso6346.h"

#define BLOCK_MIN 8192
#define PATH_MAX_LEN 96
#define FINDING_CONTAINER_CHECK_DIGIT "CONTAINER_CHECK_DIGIT"
#define FINDING_IMO_CHECK_DIGIT "IMO_CHECK_DIGIT"

/* Bump allocator for everything a match set hands out; reset rewinds it. */
struct match_block {
	struct match_block *next;
	size_t used, cap;
	_Alignas(16) char data[];
};

void match_set_init(struct match_set *ms)
{
	memset(ms, 0, sizeof(*ms));
}

void match_set_reset(struct match_set *ms)
{
	for (struct match_block *b = ms->blocks; b; b = b->next)
		b->used = 0;
	ms->cur = ms->blocks;
	ms->n_matches = 0;
	ms->n_findings = 0;
}

void match_set_fini(struct match_set *ms)
{
	struct match_block *b = ms->blocks;

	while (b) {
		struct match_block *next = b->next;

		free(b);
		b = next;
	}
	free(ms->matches);
	free(ms->findings);
	free(ms->origins);
	free(ms->scratch);
	memset(ms, 0, sizeof(*ms));
}

static void *set_alloc(struct match_set *ms, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	while (ms->cur && ms->cur->used + n > ms->cur->cap)
		ms->cur = ms->cur->next;
	if (!ms->cur) {
		size_t cap = n > BLOCK_MIN ? n : BLOCK_MIN;
		struct match_block *b = malloc(sizeof(*b) + cap);

		if (!b)
			return NULL;
		b->used = 0;
		b->cap = cap;
		b->next = ms->blocks;   /* a fresh block goes first: it is the one with room */
		ms->blocks = b;
		ms->cur = b;
	}
	ms->cur->used += n;
	return ms->cur->data + ms->cur->used - n;
}

static char *set_strdup(struct match_set *ms, const char *s)
{
	size_t n = strlen(s ? s : "");
	char *p = set_alloc(ms, n + 1);

	if (p) {
		memcpy(p, s ? s : "", n);
		p[n] = '\0';
	}
	return p;
}

static int grow(void **arr, size_t *cap, size_t need, size_t item)
{
	size_t c = *cap ? *cap : 8;
	void *p;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	p = realloc(*arr, c * item);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

/* ---- evidence ------------------------------------------------------------------ */

static const Edisensor__V1__Segment *segment_at(const Edisensor__V1__Message *msg, uint32_t idx)
{
	return idx < msg->n_segments ? msg->segments[idx] : NULL;
}

/* The item's segment that shows the value: literally, else once release
 * characters and punctuation are normalised away (`HANDBAGS ?* LEATHER`
 * shows `HANDBAGS * LEATHER`), else the item's first segment. */
static const Edisensor__V1__Segment *pick_evidence(const Edisensor__V1__Message *msg,
						    const uint32_t *idx, size_t n, const char *value)
{
	char want[512], text[2048];
	const Edisensor__V1__Segment *seg;

	if (!value || !*value)
		goto first;
	for (size_t i = 0; i < n; i++)
		if ((seg = segment_at(msg, idx[i])) && seg->text && strstr(seg->text, value))
			return seg;
	if (indicator_norm_text(value, want, sizeof(want)) == 0)
		goto first;
	for (size_t i = 0; i < n; i++) {
		if (!(seg = segment_at(msg, idx[i])) || !seg->text)
			continue;
		indicator_norm_text(seg->text, text, sizeof(text));
		if (strstr(text, want))
			return seg;
	}
first:
	for (size_t i = 0; i < n; i++)
		if ((seg = segment_at(msg, idx[i])))
			return seg;
	return NULL;
}

/* The envelope has no evidence list: its values sit in UNB/UNG or ISA/GS. */
static const Edisensor__V1__Segment *envelope_evidence(const Edisensor__V1__Message *msg,
							const char *value)
{
	static const char *const tags[] = { "UNB", "ISA", "UNG", "GS" };

	for (size_t i = 0; i < msg->n_segments; i++) {
		const Edisensor__V1__Segment *seg = msg->segments[i];

		if (!seg || !seg->tag || !seg->text || !strstr(seg->text, value))
			continue;
		for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++)
			if (strcmp(seg->tag, tags[t]) == 0)
				return seg;
	}
	return NULL;
}

static Edisensor__V1__Segment *copy_segment(struct match_set *ms,
					    const Edisensor__V1__Segment *seg)
{
	Edisensor__V1__Segment *c;

	if (!seg)
		return NULL;
	c = set_alloc(ms, sizeof(*c));
	if (!c)
		return NULL;
	edisensor__v1__segment__init(c);
	c->tag = set_strdup(ms, seg->tag);
	c->text = set_strdup(ms, seg->text);
	c->stream_offset = seg->stream_offset;
	c->truncated = seg->truncated;
	return c->tag && c->text ? c : NULL;
}

/* ---- one field ------------------------------------------------------------------- */

struct field {
	struct match_set *ms;
	const struct indicator_store *store;
	const Edisensor__V1__Message *msg;
	uint64_t now;
	unsigned types;          /* bit per enum indicator_type the field accepts */
	const char *value;
	size_t first_match;      /* matches of this field start here (dedupe) */
	int err;
	/* Where the value sits; turned into a path and an evidence segment only
	 * when something matched (most fields match nothing). */
	const char *coll, *key, *member;
	size_t index;            /* NO_INDEX: no [] in the path */
	const uint32_t *ev;
	size_t n_ev;
	bool envelope;           /* evidence from UNB/ISA rather than an index list */
	bool resolved;
	char path[PATH_MAX_LEN];
	const Edisensor__V1__Segment *evidence;
};

#define NO_INDEX SIZE_MAX

static void resolve(struct field *f)
{
	char idx[24];
	const char *key = f->key;

	if (f->resolved)
		return;
	f->resolved = true;
	if (f->index == NO_INDEX) {
		snprintf(f->path, sizeof(f->path), "%s.%s", f->coll, f->member);
		f->evidence = f->envelope ? envelope_evidence(f->msg, f->value) : NULL;
		return;
	}
	if (!key || !*key) {
		snprintf(idx, sizeof(idx), "%zu", f->index);
		key = idx;
	}
	snprintf(f->path, sizeof(f->path), "%s[%.32s].%s", f->coll, key, f->member);
	f->evidence = pick_evidence(f->msg, f->ev, f->n_ev, f->value);
}

static bool already(const struct field *f, uint32_t id)
{
	for (size_t i = f->first_match; i < f->ms->n_matches; i++)
		if (f->ms->origins[i].indicator == id)
			return true;
	return false;
}

static int add_match(struct field *f, uint32_t id, const struct indicator_view *v)
{
	struct match_set *ms = f->ms;
	Edisensor__V1__Match *m;
	size_t n = ms->n_matches + 1;

	if (grow((void **)&ms->matches, &ms->cap_matches, n, sizeof(*ms->matches)) < 0)
		return -ENOMEM;
	/* origins grows with matches: same capacity, reallocated alongside */
	void *o = realloc(ms->origins, ms->cap_matches * sizeof(*ms->origins));
	if (!o)
		return -ENOMEM;
	ms->origins = o;
	m = set_alloc(ms, sizeof(*m));
	if (!m)
		return -ENOMEM;
	edisensor__v1__match__init(m);
	m->indicator = set_strdup(ms, v->text);
	m->indicator_type = (char *)indicator_type_name(v->type);
	m->feed = set_strdup(ms, v->feed);
	m->source = set_strdup(ms, v->source);
	m->description = set_strdup(ms, v->desc);
	m->confidence = v->confidence;
	m->field = set_strdup(ms, f->path);
	m->value = set_strdup(ms, f->value);
	m->evidence = copy_segment(ms, f->evidence);
	if (!m->indicator || !m->feed || !m->source || !m->description || !m->field || !m->value ||
	    (f->evidence && !m->evidence))
		return -ENOMEM;
	ms->matches[ms->n_matches] = m;
	ms->origins[ms->n_matches] = (struct match_origin){ id, (uint16_t)v->feed_index,
							    (uint8_t)v->type };
	ms->n_matches = n;
	return 0;
}

static int on_found(void *ctx, uint32_t id)
{
	struct field *f = ctx;
	struct indicator_view v;
	int rc;

	indicator_store_get(f->store, id, &v);
	if (!((f->types >> v.type) & 1) || (v.expires && f->now >= v.expires))
		return 0;
	resolve(f);
	if (!indicator_fields_allow(v.fields, f->path))
		return 0;
	if (already(f, id))
		return 1;
	rc = add_match(f, id, &v);
	if (rc < 0)
		f->err = rc;
	return 1;
}

/* Starts a field: value, the types it accepts, and where it sits
 * (collection[key or index].member, evidence indices). */
static void field_at(struct field *f, unsigned types, const char *value, const char *coll,
		     const char *key, size_t index, const char *member, const uint32_t *ev,
		     size_t n_ev)
{
	f->types = types;
	f->value = value;
	f->first_match = f->ms->n_matches;
	f->coll = coll;
	f->key = key;
	f->index = index;
	f->member = member;
	f->ev = ev;
	f->n_ev = n_ev;
	f->envelope = false;
	f->resolved = false;
}

#define T(x) (1u << INDICATOR_##x)

static bool present(const char *s)
{
	return s && *s;
}

static void exact_field(struct field *f, enum indicator_exact_kind kind)
{
	if (f->store)
		indicator_store_find_exact(f->store, kind, f->value, on_found, f);
}

static void text_field(struct field *f)
{
	size_t need = strlen(f->value) + 1;
	struct match_set *ms = f->ms;

	if (!f->store)
		return;
	if (need > ms->scratch_cap) {
		char *p = realloc(ms->scratch, need);

		if (!p) {
			f->err = -ENOMEM;
			return;
		}
		ms->scratch = p;
		ms->scratch_cap = need;
	}
	indicator_store_find_text(f->store, f->value, ms->scratch, ms->scratch_cap, on_found, f);
}

static void match_flow(struct field *f)
{
	const Edisensor__V1__Flow *flow = f->msg->flow;

	if (!flow || !f->store)
		return;
	if (present(flow->src_ip)) {
		field_at(f, T(ADDR) | T(SUBNET), flow->src_ip, "flow", NULL, NO_INDEX, "src_ip", NULL, 0);
		indicator_store_find_ip(f->store, flow->src_ip, on_found, f);
	}
	if (present(flow->dst_ip)) {
		field_at(f, T(ADDR) | T(SUBNET), flow->dst_ip, "flow", NULL, NO_INDEX, "dst_ip", NULL, 0);
		indicator_store_find_ip(f->store, flow->dst_ip, on_found, f);
	}
}

static void match_envelope(struct field *f)
{
	const Edisensor__V1__Envelope *env = f->msg->envelope;

	if (!env)
		return;
	if (present(env->sender_id)) {
		field_at(f, T(PARTY_ID), env->sender_id, "envelope", NULL, NO_INDEX, "sender_id", NULL, 0);
		f->envelope = true;
		exact_field(f, INDICATOR_KIND_PARTY_ID);
	}
	if (present(env->recipient_id)) {
		field_at(f, T(PARTY_ID), env->recipient_id, "envelope", NULL, NO_INDEX, "recipient_id",
			 NULL, 0);
		f->envelope = true;
		exact_field(f, INDICATOR_KIND_PARTY_ID);
	}
}

static void match_parties(struct field *f)
{
	const Edisensor__V1__Message *msg = f->msg;

	for (size_t i = 0; i < msg->n_parties; i++) {
		const Edisensor__V1__Party *p = msg->parties[i];

		if (present(p->id)) {
			field_at(f, T(PARTY_ID), p->id, "parties", p->role, i, "id", p->evidence,
				 p->n_evidence);
			exact_field(f, INDICATOR_KIND_PARTY_ID);
		}
		if (present(p->name)) {
			field_at(f, T(PARTY_NAME), p->name, "parties", p->role, i, "name", p->evidence,
				 p->n_evidence);
			text_field(f);
		}
	}
}

static void match_goods(struct field *f)
{
	const Edisensor__V1__Message *msg = f->msg;

	for (size_t i = 0; i < msg->n_goods; i++) {
		const Edisensor__V1__GoodsItem *g = msg->goods[i];

		if (present(g->description)) {
			field_at(f, T(KEYWORD), g->description, "goods", NULL, i, "description",
				 g->evidence, g->n_evidence);
			text_field(f);
		}
		if (present(g->hs_code) && f->store) {
			field_at(f, T(HS_CODE), g->hs_code, "goods", NULL, i, "hs_code", g->evidence,
				 g->n_evidence);
			indicator_store_find_hs(f->store, g->hs_code, on_found, f);
		}
	}
}

/* kind: one of the FINDING_ literals (static, not copied). */
static int add_finding(struct match_set *ms, char *kind, const char *field,
		       const char *value, const char *detail,
		       const Edisensor__V1__Segment *evidence)
{
	Edisensor__V1__Finding *fd;

	if (grow((void **)&ms->findings, &ms->cap_findings, ms->n_findings + 1,
		 sizeof(*ms->findings)) < 0)
		return -ENOMEM;
	fd = set_alloc(ms, sizeof(*fd));
	if (!fd)
		return -ENOMEM;
	edisensor__v1__finding__init(fd);
	fd->kind = kind;
	fd->field = set_strdup(ms, field);
	fd->value = set_strdup(ms, value);
	fd->detail = set_strdup(ms, detail);
	fd->evidence = copy_segment(ms, evidence);
	if (!fd->field || !fd->value || !fd->detail || (evidence && !fd->evidence))
		return -ENOMEM;
	ms->findings[ms->n_findings++] = fd;
	return 0;
}

/* A number with the ISO 6346 shape whose check digit is wrong is a fraud
 * signal of its own, whatever the feeds say. */
static void check_container(struct field *f)
{
	char norm[32], detail[80];
	int want;

	iso6346_normalise(f->value, norm, sizeof(norm));
	if (!iso6346_shape(norm) || iso6346_valid(norm))
		return;
	want = iso6346_check_digit(norm);
	snprintf(detail, sizeof(detail), "check digit is %c, ISO 6346 gives %d", norm[10], want);
	resolve(f);
	if (add_finding(f->ms, FINDING_CONTAINER_CHECK_DIGIT, f->path, f->value, detail,
			f->evidence) < 0)
		f->err = -ENOMEM;
}

static void match_equipment(struct field *f)
{
	const Edisensor__V1__Message *msg = f->msg;

	for (size_t i = 0; i < msg->n_equipment; i++) {
		const Edisensor__V1__Equipment *e = msg->equipment[i];

		if (!present(e->number))
			continue;
		field_at(f, T(CONTAINER), e->number, "equipment", NULL, i, "number", e->evidence,
			 e->n_evidence);
		exact_field(f, INDICATOR_KIND_CONTAINER);
		check_container(f);
	}
}

static void match_references(struct field *f)
{
	const Edisensor__V1__Message *msg = f->msg;

	for (size_t i = 0; i < msg->n_references; i++) {
		const Edisensor__V1__Reference *r = msg->references[i];

		if (!present(r->value))
			continue;
		field_at(f, T(REFERENCE), r->value, "references", r->qualifier, i, "value", r->evidence,
			 r->n_evidence);
		exact_field(f, INDICATOR_KIND_REFERENCE);
	}
}

static void match_locations(struct field *f)
{
	const Edisensor__V1__Message *msg = f->msg;

	for (size_t i = 0; i < msg->n_locations; i++) {
		const Edisensor__V1__Location *l = msg->locations[i];

		if (!present(l->locode))
			continue;
		field_at(f, T(LOCODE), l->locode, "locations", l->qualifier, i, "locode", l->evidence,
			 l->n_evidence);
		exact_field(f, INDICATOR_KIND_LOCODE);
	}
}

/* An IMO number (7 digits) whose check digit is wrong: as a container's,
 * a fraud signal of its own (a made-up or mistyped vessel). */
static void check_imo(struct field *f)
{
	char norm[8], detail[80];

	if (imo_normalise(f->value, norm) != 0 || imo_valid(norm))
		return;
	snprintf(detail, sizeof(detail), "check digit is %c, IMO gives %d", norm[6],
		 imo_check_digit(norm));
	resolve(f);
	if (add_finding(f->ms, FINDING_IMO_CHECK_DIGIT, f->path, f->value, detail,
			f->evidence) < 0)
		f->err = -ENOMEM;
}

static void match_transport(struct field *f)
{
	const Edisensor__V1__Message *msg = f->msg;

	for (size_t i = 0; i < msg->n_transport; i++) {
		const Edisensor__V1__Transport *t = msg->transport[i];

		if (present(t->imo)) {
			field_at(f, T(VESSEL), t->imo, "transport", NULL, i, "imo", t->evidence,
				 t->n_evidence);
			exact_field(f, INDICATOR_KIND_IMO);
			check_imo(f);
		}
		if (present(t->vessel_name)) {
			field_at(f, T(VESSEL), t->vessel_name, "transport", NULL, i, "vessel_name",
				 t->evidence, t->n_evidence);
			exact_field(f, INDICATOR_KIND_VESSEL_NAME);
		}
	}
}

int indicator_store_match(const struct indicator_store *store, const Edisensor__V1__Message *msg,
			  uint64_t now_s, struct match_set *out)
{
	struct field f = { .ms = out, .store = store, .msg = msg, .now = now_s };

	match_set_reset(out);
	match_flow(&f);
	match_envelope(&f);
	match_parties(&f);
	match_goods(&f);
	match_equipment(&f);
	match_references(&f);
	match_locations(&f);
	match_transport(&f);
	if (f.err)
		return f.err;
	return (int)(out->n_matches + out->n_findings);
}

bool match_build_hit(Edisensor__V1__Hit *hit, Edisensor__V1__Message *msg,
		     const struct match_set *ms)
{
	if (ms->n_matches == 0 && ms->n_findings == 0)
		return false;
	hit->message = msg;
	hit->n_matches = ms->n_matches;
	hit->matches = ms->matches;
	hit->n_findings = ms->n_findings;
	hit->findings = ms->findings;
	return true;
}
