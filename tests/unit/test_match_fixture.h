/* Builds Edisensor__V1__Message values for the matching tests the way the
 * extractor would: every item gets one segment of evidence made from its
 * values. Everything is malloc'd, so edisensor__v1__message__free_unpacked
 * (msg, NULL) frees it. Header-only, included by the test files. */
#ifndef TEST_MATCH_FIXTURE_H
#define TEST_MATCH_FIXTURE_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "edisensor.pb-c.h"

__attribute__((unused)) static void *fx_xmalloc(size_t n)
{
	void *p = calloc(1, n);

	if (!p)
		abort();
	return p;
}

__attribute__((unused)) static char *fx_strdup(const char *s)
{
	char *p = strdup(s ? s : "");

	if (!p)
		abort();
	return p;
}

#define FX_APPEND(arr, n, item)                                                  \
	do {                                                                     \
		(arr) = realloc((arr), ((n) + 1) * sizeof(*(arr)));              \
		if (!(arr))                                                      \
			abort();                                                 \
		(arr)[(n)++] = (item);                                           \
	} while (0)

__attribute__((unused)) static Edisensor__V1__Message *fx_msg(void)
{
	Edisensor__V1__Message *m = fx_xmalloc(sizeof(*m));

	edisensor__v1__message__init(m);
	return m;
}

/* Adds a segment and returns an evidence list (one index) pointing at it. */
__attribute__((unused)) static uint32_t *fx_segment(Edisensor__V1__Message *m, const char *tag, const char *text,
			    size_t *n_evidence)
{
	Edisensor__V1__Segment *s = fx_xmalloc(sizeof(*s));
	uint32_t *ev = fx_xmalloc(sizeof(uint32_t));

	edisensor__v1__segment__init(s);
	s->tag = fx_strdup(tag);
	s->text = fx_strdup(text);
	s->stream_offset = 100 * m->n_segments;
	ev[0] = (uint32_t)m->n_segments;
	FX_APPEND(m->segments, m->n_segments, s);
	*n_evidence = 1;
	return ev;
}

__attribute__((unused)) static void fx_party(Edisensor__V1__Message *m, const char *role, const char *id, const char *name)
{
	Edisensor__V1__Party *p = fx_xmalloc(sizeof(*p));
	char text[512];

	edisensor__v1__party__init(p);
	p->role = fx_strdup(role);
	p->id = fx_strdup(id);
	p->name = fx_strdup(name);
	snprintf(text, sizeof(text), "NAD+%s+%s++%s'", role, id ? id : "", name ? name : "");
	p->evidence = fx_segment(m, "NAD", text, &p->n_evidence);
	FX_APPEND(m->parties, m->n_parties, p);
}

__attribute__((unused)) static void fx_goods(Edisensor__V1__Message *m, const char *desc, const char *hs)
{
	Edisensor__V1__GoodsItem *g = fx_xmalloc(sizeof(*g));
	char text[512];
	Edisensor__V1__Segment *s;

	edisensor__v1__goods_item__init(g);
	g->description = fx_strdup(desc);
	g->hs_code = fx_strdup(hs);
	/* Two segments, as in a CUSCAR GID group: FTX for the text, CST for the
	 * code; the evidence list has both and the match picks the right one. */
	snprintf(text, sizeof(text), "FTX+AAA+++%s'", desc ? desc : "");
	g->evidence = fx_segment(m, "FTX", text, &g->n_evidence);
	s = fx_xmalloc(sizeof(*s));
	edisensor__v1__segment__init(s);
	s->tag = fx_strdup("CST");
	snprintf(text, sizeof(text), "CST++%s'", hs ? hs : "");
	s->text = fx_strdup(text);
	g->evidence = realloc(g->evidence, 2 * sizeof(uint32_t));
	g->evidence[g->n_evidence++] = (uint32_t)m->n_segments;
	FX_APPEND(m->segments, m->n_segments, s);
	FX_APPEND(m->goods, m->n_goods, g);
}

__attribute__((unused)) static void fx_equipment(Edisensor__V1__Message *m, const char *number)
{
	Edisensor__V1__Equipment *e = fx_xmalloc(sizeof(*e));
	char text[128];

	edisensor__v1__equipment__init(e);
	e->number = fx_strdup(number);
	snprintf(text, sizeof(text), "EQD+CN+%s'", number);
	e->evidence = fx_segment(m, "EQD", text, &e->n_evidence);
	FX_APPEND(m->equipment, m->n_equipment, e);
}

__attribute__((unused)) static void fx_reference(Edisensor__V1__Message *m, const char *q, const char *v)
{
	Edisensor__V1__Reference *r = fx_xmalloc(sizeof(*r));
	char text[128];

	edisensor__v1__reference__init(r);
	r->qualifier = fx_strdup(q);
	r->value = fx_strdup(v);
	snprintf(text, sizeof(text), "RFF+%s:%s'", q, v);
	r->evidence = fx_segment(m, "RFF", text, &r->n_evidence);
	FX_APPEND(m->references, m->n_references, r);
}

__attribute__((unused)) static void fx_location(Edisensor__V1__Message *m, const char *q, const char *locode)
{
	Edisensor__V1__Location *l = fx_xmalloc(sizeof(*l));
	char text[128];

	edisensor__v1__location__init(l);
	l->qualifier = fx_strdup(q);
	l->locode = fx_strdup(locode);
	snprintf(text, sizeof(text), "LOC+%s+%s'", q, locode);
	l->evidence = fx_segment(m, "LOC", text, &l->n_evidence);
	FX_APPEND(m->locations, m->n_locations, l);
}

__attribute__((unused)) static void fx_transport(Edisensor__V1__Message *m, const char *imo, const char *name)
{
	Edisensor__V1__Transport *t = fx_xmalloc(sizeof(*t));
	char text[256];

	edisensor__v1__transport__init(t);
	t->imo = fx_strdup(imo);
	t->vessel_name = fx_strdup(name);
	snprintf(text, sizeof(text), "TDT+20+V1+1+++++%s:146:11:%s'", imo ? imo : "",
		 name ? name : "");
	t->evidence = fx_segment(m, "TDT", text, &t->n_evidence);
	FX_APPEND(m->transport, m->n_transport, t);
}

__attribute__((unused)) static void fx_flow(Edisensor__V1__Message *m, const char *src, const char *dst)
{
	Edisensor__V1__Flow *f = fx_xmalloc(sizeof(*f));

	edisensor__v1__flow__init(f);
	f->src_ip = fx_strdup(src);
	f->dst_ip = fx_strdup(dst);
	m->flow = f;
}

__attribute__((unused)) static void fx_free(Edisensor__V1__Message *m)
{
	edisensor__v1__message__free_unpacked(m, NULL);
}

#endif
