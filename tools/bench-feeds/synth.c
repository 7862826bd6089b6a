#include "synth.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iso6346.h"

#define SLOTS 20
/* Non-planted values use indices from here: outside every store. */
#define FAR 10000000000ull

static const enum indicator_type slot_type[SLOTS] = {
	INDICATOR_PARTY_ID,   INDICATOR_PARTY_ID,   INDICATOR_PARTY_ID,   INDICATOR_PARTY_ID,
	INDICATOR_PARTY_ID,   INDICATOR_PARTY_ID,   INDICATOR_REFERENCE,  INDICATOR_REFERENCE,
	INDICATOR_REFERENCE,  INDICATOR_CONTAINER,  INDICATOR_CONTAINER,  INDICATOR_CONTAINER,
	INDICATOR_PARTY_NAME, INDICATOR_PARTY_NAME, INDICATOR_KEYWORD,    INDICATOR_KEYWORD,
	INDICATOR_HS_CODE,    INDICATOR_VESSEL,     INDICATOR_LOCODE,     INDICATOR_ADDR,
};

static const char *const words[] = {
	"global", "trading", "pacific", "star", "ocean", "import", "export", "logistics",
	"united", "golden", "dragon", "bright", "harbor", "textile", "apparel", "leather",
	"cotton", "shoes", "goods", "sports", "fashion", "metal", "parts", "machinery",
	"electric", "cargo", "supply", "north", "south", "east", "west", "group",
};
#define N_WORDS (sizeof(words) / sizeof(words[0]))

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

enum indicator_type synth_type(uint64_t i)
{
	enum indicator_type t = slot_type[i % SLOTS];

	if (t == INDICATOR_ADDR && (i / SLOTS) % 2)
		t = INDICATOR_SUBNET;
	return t;
}

static void base36(uint64_t v, char *out)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";

	for (int k = 7; k >= 0; k--) {
		out[k] = digits[v % 36];
		v /= 36;
	}
	out[8] = '\0';
}

static void container(uint64_t i, char *out, size_t cap)
{
	uint64_t owner = i / 1000000, serial = i % 1000000;
	char s[12];

	s[0] = (char)('A' + owner / 676 % 26);
	s[1] = (char)('A' + owner / 26 % 26);
	s[2] = (char)('A' + owner % 26);
	s[3] = 'U';
	snprintf(s + 4, 8, "%06" PRIu64, serial);
	s[10] = (char)('0' + iso6346_check_digit(s));
	s[11] = '\0';
	snprintf(out, cap, "%s", s);
}

static void locode(uint64_t k, char *out, size_t cap, char first)
{
	static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ23456789";

	snprintf(out, cap, "%c%c%c%c%c", first ? first : (char)('A' + k / 26 / 39304 % 25),
		 (char)('A' + k / 39304 % 26), alnum[k / 1156 % 34], alnum[k / 34 % 34], alnum[k % 34]);
}

/* The value of index i for type t (the type of i for indicators; other
 * types for the message's far-away values). */
static void value_of(uint64_t i, enum indicator_type t, char *out, size_t cap)
{
	uint64_t k = i / SLOTS, h = mix(i);
	char tok[9];

	base36(i, tok);
	switch (t) {
	case INDICATOR_PARTY_ID: snprintf(out, cap, "DE%013" PRIu64, i); break;
	case INDICATOR_REFERENCE: snprintf(out, cap, "BL%013" PRIu64, i); break;
	case INDICATOR_CONTAINER: container(i, out, cap); break;
	case INDICATOR_PARTY_NAME:
		snprintf(out, cap, "%s %s Trading %s", words[h % N_WORDS], words[(h >> 8) % N_WORDS], tok);
		break;
	case INDICATOR_KEYWORD: snprintf(out, cap, "qx%s", tok); break;
	case INDICATOR_HS_CODE:
		if (i >= FAR)
			snprintf(out, cap, "99%08" PRIu64, h % 100000000);
		else
			snprintf(out, cap, "%08" PRIu64, 10000000 + k);
		break;
	case INDICATOR_VESSEL:
		if (k % 2)
			snprintf(out, cap, "MV %s", tok);
		else
			snprintf(out, cap, "IMO %07" PRIu64, i >= FAR ? 8000000 + h % 1000000 : 1000000 + k);
		break;
	case INDICATOR_LOCODE: locode(i >= FAR ? h : k, out, cap, i >= FAR ? 'Z' : 0); break;
	case INDICATOR_ADDR:
	case INDICATOR_SUBNET:
		if (i >= FAR)
			snprintf(out, cap, "198.18.%u.%u", (unsigned)(h & 255), (unsigned)((h >> 8) & 255));
		else if (t == INDICATOR_ADDR)
			snprintf(out, cap, "10.%u.%u.%u", (unsigned)(k >> 16 & 255), (unsigned)(k >> 8 & 255),
				 (unsigned)(k & 255));
		else
			snprintf(out, cap, "100.%u.%u.0/24", (unsigned)(k >> 8 & 255), (unsigned)(k & 255));
		break;
	default: snprintf(out, cap, "?"); break;
	}
}

void synth_value(uint64_t i, char *out, size_t cap)
{
	value_of(i, synth_type(i), out, cap);
}

int synth_write_feed(const char *path, uint64_t n)
{
	FILE *f = fopen(path, "w");
	char v[128];

	if (!f)
		return -errno;
	fprintf(f, "#separator \\x09\n#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\t"
		   "meta.confidence\n");
	for (uint64_t i = 0; i < n; i++) {
		synth_value(i, v, sizeof(v));
		fprintf(f, "%s\t%s\tbench-%u\tsynthetic indicator\t%u\n", v,
			indicator_type_name(synth_type(i)), (unsigned)(i % 4), (unsigned)(i % 101));
	}
	return fclose(f) == 0 ? 0 : -EIO;
}

/* ---- messages ---------------------------------------------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t next(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ull;
	return mix(r->s);
}

/* Index whose value the item carries: a planted indicator of type t in
 * [0, n) now and then, else a far one. */
static uint64_t pick(struct rng *r, uint64_t n, unsigned pct, enum indicator_type t)
{
	if (next(r) % 100 < pct) {
		for (int tries = 0; tries < 64; tries++) {
			uint64_t i = next(r) % n;

			i -= i % SLOTS;
			for (unsigned s = 0; s < SLOTS; s++)
				if (i + s < n && synth_type(i + s) == t)
					return i + s;
		}
	}
	return FAR + next(r) % FAR;
}

static char *dup_value(struct rng *r, uint64_t n, unsigned pct, enum indicator_type t)
{
	char v[160];

	value_of(pick(r, n, pct, t), t, v, sizeof(v));
	return strdup(v);
}

static uint32_t *segment(Edisensor__V1__Message *m, const char *tag, const char *a,
			 const char *b, size_t *n_ev)
{
	Edisensor__V1__Segment *s = malloc(sizeof(*s));
	uint32_t *ev = malloc(sizeof(uint32_t));
	char text[512];

	edisensor__v1__segment__init(s);
	snprintf(text, sizeof(text), "%s+%s+%s'", tag, a, b ? b : "");
	s->tag = strdup(tag);
	s->text = strdup(text);
	m->segments = realloc(m->segments, (m->n_segments + 1) * sizeof(*m->segments));
	ev[0] = (uint32_t)m->n_segments;
	m->segments[m->n_segments++] = s;
	*n_ev = 1;
	return ev;
}

#define NEW(type, init) ({ type *x_ = malloc(sizeof(type)); init(x_); x_; })
#define PUSH(arr, n, v) do { (arr) = realloc((arr), ((n) + 1) * sizeof(*(arr))); (arr)[(n)++] = (v); } while (0)

static char *description(struct rng *r, uint64_t n, unsigned pct)
{
	char d[256] = "";
	size_t len = 0;

	for (int w = 0; w < 8; w++)
		len += (size_t)snprintf(d + len, sizeof(d) - len, "%s%s", w ? " " : "",
					words[next(r) % N_WORDS]);
	if (next(r) % 100 < pct) {
		char kw[64];

		value_of(pick(r, n, 100, INDICATOR_KEYWORD), INDICATOR_KEYWORD, kw, sizeof(kw));
		snprintf(d + len, sizeof(d) - len, " %s", kw);
	}
	return strdup(d);
}

static void add_parties(Edisensor__V1__Message *m, struct rng *r, uint64_t n, unsigned pct)
{
	static const char *const roles[] = { "CZ", "CN", "N1", "CA", "FW", "MS" };

	for (size_t i = 0; i < 6; i++) {
		Edisensor__V1__Party *p = NEW(Edisensor__V1__Party, edisensor__v1__party__init);

		p->role = strdup(roles[i]);
		p->id = dup_value(r, n, pct, INDICATOR_PARTY_ID);
		p->name = dup_value(r, n, pct, INDICATOR_PARTY_NAME);
		p->evidence = segment(m, "NAD", p->id, p->name, &p->n_evidence);
		PUSH(m->parties, m->n_parties, p);
	}
}

static void add_goods(Edisensor__V1__Message *m, struct rng *r, uint64_t n, unsigned pct)
{
	for (size_t i = 0; i < 4; i++) {
		Edisensor__V1__GoodsItem *g = NEW(Edisensor__V1__GoodsItem, edisensor__v1__goods_item__init);

		g->description = description(r, n, pct);
		g->hs_code = dup_value(r, n, pct, INDICATOR_HS_CODE);
		g->evidence = segment(m, "FTX", g->description, g->hs_code, &g->n_evidence);
		PUSH(m->goods, m->n_goods, g);
	}
	for (size_t i = 0; i < 3; i++) {
		Edisensor__V1__Equipment *e = NEW(Edisensor__V1__Equipment, edisensor__v1__equipment__init);

		e->number = dup_value(r, n, pct, INDICATOR_CONTAINER);
		e->evidence = segment(m, "EQD", e->number, NULL, &e->n_evidence);
		PUSH(m->equipment, m->n_equipment, e);
	}
}

static void add_places(Edisensor__V1__Message *m, struct rng *r, uint64_t n, unsigned pct)
{
	static const char *const rq[] = { "BM", "BN", "MB", "BH" }, *const lq[] = { "5", "9", "11", "8" };
	Edisensor__V1__Transport *t = NEW(Edisensor__V1__Transport, edisensor__v1__transport__init);
	char v[64];

	for (size_t i = 0; i < 4; i++) {
		Edisensor__V1__Reference *x = NEW(Edisensor__V1__Reference, edisensor__v1__reference__init);
		Edisensor__V1__Location *l = NEW(Edisensor__V1__Location, edisensor__v1__location__init);

		x->qualifier = strdup(rq[i]);
		x->value = dup_value(r, n, pct, INDICATOR_REFERENCE);
		x->evidence = segment(m, "RFF", x->qualifier, x->value, &x->n_evidence);
		PUSH(m->references, m->n_references, x);
		l->qualifier = strdup(lq[i]);
		l->locode = dup_value(r, n, pct, INDICATOR_LOCODE);
		l->evidence = segment(m, "LOC", l->qualifier, l->locode, &l->n_evidence);
		PUSH(m->locations, m->n_locations, l);
	}
	value_of(pick(r, n, pct, INDICATOR_VESSEL), INDICATOR_VESSEL, v, sizeof(v));
	t->imo = strdup(strncmp(v, "IMO ", 4) == 0 ? v + 4 : "8123456");
	t->vessel_name = strdup(strncmp(v, "IMO ", 4) == 0 ? "MV SOMETHING" : v);
	t->evidence = segment(m, "TDT", t->imo, t->vessel_name, &t->n_evidence);
	PUSH(m->transport, m->n_transport, t);
}

Edisensor__V1__Message *synth_message(uint64_t seed, uint64_t n, unsigned plant_pct)
{
	Edisensor__V1__Message *m = NEW(Edisensor__V1__Message, edisensor__v1__message__init);
	struct rng r = { seed * 7919 + 1 };

	m->flow = NEW(Edisensor__V1__Flow, edisensor__v1__flow__init);
	m->flow->src_ip = dup_value(&r, n, plant_pct, next(&r) % 2 ? INDICATOR_ADDR : INDICATOR_SUBNET);
	m->flow->dst_ip = dup_value(&r, n, 0, INDICATOR_ADDR);
	if (strchr(m->flow->src_ip, '/')) {   /* a subnet was planted: use a host inside it */
		char *slash = strrchr(m->flow->src_ip, '/');

		slash[-1] = '7';
		*slash = '\0';
	}
	add_parties(m, &r, n, plant_pct);
	add_goods(m, &r, n, plant_pct);
	add_places(m, &r, n, plant_pct);
	return m;
}

void synth_message_free(Edisensor__V1__Message *m)
{
	edisensor__v1__message__free_unpacked(m, NULL);
}
