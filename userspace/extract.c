/* The extraction engine: applies table rows to decoded segments. All
 * knowledge of message types lives in the tables. */
#include "extract.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imo.h"
#include "iso6346.h"

#define VALUE_MAX 1024   /* one joined element value */
#define FIELD_MAX 4096   /* a field grown by appends */

/* Field -> record kind and the offset of its char * member. */
struct field_info {
	enum ex_kind kind;
	size_t off;
};

#define F(kind, type, member) { kind, offsetof(type, member) }
static const struct field_info fields[EXF_MAX] = {
	[EXF_PARTY_ROLE]      = F(EXK_PARTY, Edisensor__V1__Party, role),
	[EXF_PARTY_ID]        = F(EXK_PARTY, Edisensor__V1__Party, id),
	[EXF_PARTY_ID_SCHEME] = F(EXK_PARTY, Edisensor__V1__Party, id_scheme),
	[EXF_PARTY_NAME]      = F(EXK_PARTY, Edisensor__V1__Party, name),
	[EXF_PARTY_ADDRESS]   = F(EXK_PARTY, Edisensor__V1__Party, address),
	[EXF_PARTY_CITY]      = F(EXK_PARTY, Edisensor__V1__Party, city),
	[EXF_PARTY_POSTCODE]  = F(EXK_PARTY, Edisensor__V1__Party, postcode),
	[EXF_PARTY_COUNTRY]   = F(EXK_PARTY, Edisensor__V1__Party, country),
	[EXF_GOODS_DESC]      = F(EXK_GOODS, Edisensor__V1__GoodsItem, description),
	[EXF_GOODS_HS]        = F(EXK_GOODS, Edisensor__V1__GoodsItem, hs_code),
	[EXF_GOODS_PACKAGES]  = F(EXK_GOODS, Edisensor__V1__GoodsItem, packages),
	[EXF_GOODS_PKG_TYPE]  = F(EXK_GOODS, Edisensor__V1__GoodsItem, package_type),
	[EXF_GOODS_WEIGHT]    = F(EXK_GOODS, Edisensor__V1__GoodsItem, gross_weight),
	[EXF_GOODS_WEIGHT_UNIT] = F(EXK_GOODS, Edisensor__V1__GoodsItem, weight_unit),
	[EXF_GOODS_ITEM]      = F(EXK_GOODS, Edisensor__V1__GoodsItem, item_number),
	[EXF_EQ_NUMBER]       = F(EXK_EQUIPMENT, Edisensor__V1__Equipment, number),
	[EXF_EQ_SEAL]         = { EXK_EQUIPMENT, 0 },   /* repeated: see set_field */
	[EXF_EQ_SIZE_TYPE]    = F(EXK_EQUIPMENT, Edisensor__V1__Equipment, size_type),
	[EXF_EQ_QUALIFIER]    = F(EXK_EQUIPMENT, Edisensor__V1__Equipment, qualifier),
	[EXF_EQ_STOWAGE]      = F(EXK_EQUIPMENT, Edisensor__V1__Equipment, stowage_position),
	[EXF_REF_QUAL]        = F(EXK_REFERENCE, Edisensor__V1__Reference, qualifier),
	[EXF_REF_VALUE]       = F(EXK_REFERENCE, Edisensor__V1__Reference, value),
	[EXF_LOC_QUAL]        = F(EXK_LOCATION, Edisensor__V1__Location, qualifier),
	[EXF_LOC_CODE]        = F(EXK_LOCATION, Edisensor__V1__Location, locode),
	[EXF_LOC_NAME]        = F(EXK_LOCATION, Edisensor__V1__Location, name),
	[EXF_LOC_OTHER_CODE]  = F(EXK_LOCATION, Edisensor__V1__Location, code),
	[EXF_LOC_CODE_LIST]   = F(EXK_LOCATION, Edisensor__V1__Location, code_list),
	[EXF_TR_STAGE]        = F(EXK_TRANSPORT, Edisensor__V1__Transport, stage),
	[EXF_TR_MODE]         = F(EXK_TRANSPORT, Edisensor__V1__Transport, mode),
	[EXF_TR_VOYAGE]       = F(EXK_TRANSPORT, Edisensor__V1__Transport, voyage),
	[EXF_TR_VESSEL]       = F(EXK_TRANSPORT, Edisensor__V1__Transport, vessel_name),
	[EXF_TR_IMO]          = F(EXK_TRANSPORT, Edisensor__V1__Transport, imo),
	[EXF_TR_VESSEL_ID]    = F(EXK_TRANSPORT, Edisensor__V1__Transport, vessel_id),
	[EXF_TR_CARRIER]      = F(EXK_TRANSPORT, Edisensor__V1__Transport, carrier),
	[EXF_DATE_QUAL]       = F(EXK_DATE, Edisensor__V1__DateTime, qualifier),
	[EXF_DATE_VALUE]      = F(EXK_DATE, Edisensor__V1__DateTime, value),
	[EXF_DATE_FORMAT]     = F(EXK_DATE, Edisensor__V1__DateTime, format),
};
#undef F

/* The repeated member of the message holding records of a kind. */
static void ***kind_array(Edisensor__V1__Message *m, enum ex_kind k, size_t **n)
{
	switch (k) {
	case EXK_PARTY:     *n = &m->n_parties;    return (void ***)&m->parties;
	case EXK_GOODS:     *n = &m->n_goods;      return (void ***)&m->goods;
	case EXK_EQUIPMENT: *n = &m->n_equipment;  return (void ***)&m->equipment;
	case EXK_REFERENCE: *n = &m->n_references; return (void ***)&m->references;
	case EXK_LOCATION:  *n = &m->n_locations;  return (void ***)&m->locations;
	case EXK_TRANSPORT: *n = &m->n_transport;  return (void ***)&m->transport;
	default:            *n = &m->n_dates;      return (void ***)&m->dates;
	}
}

static void *new_record(struct extract *x, enum ex_kind k)
{
	static const Edisensor__V1__Party party = EDISENSOR__V1__PARTY__INIT;
	static const Edisensor__V1__GoodsItem goods = EDISENSOR__V1__GOODS_ITEM__INIT;
	static const Edisensor__V1__Equipment eq = EDISENSOR__V1__EQUIPMENT__INIT;
	static const Edisensor__V1__Reference ref = EDISENSOR__V1__REFERENCE__INIT;
	static const Edisensor__V1__Location loc = EDISENSOR__V1__LOCATION__INIT;
	static const Edisensor__V1__Transport tr = EDISENSOR__V1__TRANSPORT__INIT;
	static const Edisensor__V1__DateTime dt = EDISENSOR__V1__DATE_TIME__INIT;
	static const struct { const void *init; size_t size; } proto[EXK_MAX] = {
		[EXK_PARTY] = { &party, sizeof(party) },
		[EXK_GOODS] = { &goods, sizeof(goods) },
		[EXK_EQUIPMENT] = { &eq, sizeof(eq) },
		[EXK_REFERENCE] = { &ref, sizeof(ref) },
		[EXK_LOCATION] = { &loc, sizeof(loc) },
		[EXK_TRANSPORT] = { &tr, sizeof(tr) },
		[EXK_DATE] = { &dt, sizeof(dt) },
	};
	size_t *n;
	void ***arr = kind_array(x->msg, k, &n);

	if (*n >= EX_MAX_RECORDS) {
		x->dropped++;
		return NULL;
	}
	if (*n == x->cap[k]) {
		size_t cap = x->cap[k] ? 2 * x->cap[k] : 8;
		void **grown = arena_alloc(x->arena, cap * sizeof(void *));
		if (!grown)
			return NULL;
		if (*n)
			memcpy(grown, *arr, *n * sizeof(void *));
		*arr = grown;
		x->cap[k] = cap;
	}
	void *rec = arena_alloc(x->arena, proto[k].size);
	if (!rec)
		return NULL;
	memcpy(rec, proto[k].init, proto[k].size);
	(*arr)[(*n)++] = rec;
	x->cur[k] = rec;
	return rec;
}

/* "@imo7": an IMO number's shape as written ("IMO9321483"); "@imo": with
 * a correct check digit too. */
static bool imo_check(const char *v, const char *want)
{
	char norm[8];

	if (imo_normalise(v, norm) != 0)
		return false;
	return strcmp(want, "@imo7") == 0 || imo_valid(norm);
}

/* "@locode": a UN/LOCODE's shape, two letters (the ISO 3166 country)
 * and three letters or digits 2-9 (the manual leaves out 0 and 1, read as
 * O and I), upper case as the code list writes them. */
static bool locode_shape(const char *v)
{
	for (int i = 0; i < 5; i++) {
		bool letter = v[i] >= 'A' && v[i] <= 'Z';
		bool digit = v[i] >= '2' && v[i] <= '9';
		if (!letter && !(i >= 2 && digit))
			return false;
	}
	return v[5] == '\0';
}

/* Is v one of the '|'-separated words in list? */
static bool in_list(const char *v, const char *list)
{
	size_t vl = strlen(v);

	while (*list) {
		const char *bar = strchr(list, '|');
		size_t wl = bar ? (size_t)(bar - list) : strlen(list);
		if (wl == vl && strncmp(v, list, wl) == 0)
			return true;
		if (!bar)
			break;
		list = bar + 1;
	}
	return false;
}

static bool cond_holds(const struct ex_cond *c, const struct edi_segment *s)
{
	const char *want = c->values;
	bool negate = false, match;

	if (c->elem == 0)
		return true;
	if (want[0] == '!')
		negate = true, want++;
	const char *v = edi_value(s, c->elem, c->comp ? c->comp : 1);
	if (want[0] == '*' && want[1] == '\0')
		match = v[0] != '\0';
	else if (want[0] == '-' && want[1] == '\0')
		match = v[0] == '\0';
	else if (strcmp(want, "@locode") == 0)
		match = locode_shape(v);
	else if (want[0] == '@')            /* "@imo" / "@imo7" */
		match = imo_check(v, want);
	else
		match = in_list(v, want);
	return match != negate;
}

static bool conds_hold(const struct ex_rule *r, const struct edi_segment *s)
{
	for (int i = 0; i < EX_MAX_CONDS; i++)
		if (!cond_holds(&r->cond[i], s))
			return false;
	return true;
}

/* The evidence members of a record of kind k. */
#define EVIDENCE_OF(type) { type *r = rec; *n = &r->n_evidence; *ev = &r->evidence; return; }
static void evidence_of(void *rec, enum ex_kind k, size_t **n, uint32_t ***ev)
{
	switch (k) {
	case EXK_PARTY:     EVIDENCE_OF(Edisensor__V1__Party)
	case EXK_GOODS:     EVIDENCE_OF(Edisensor__V1__GoodsItem)
	case EXK_EQUIPMENT: EVIDENCE_OF(Edisensor__V1__Equipment)
	case EXK_REFERENCE: EVIDENCE_OF(Edisensor__V1__Reference)
	case EXK_LOCATION:  EVIDENCE_OF(Edisensor__V1__Location)
	case EXK_TRANSPORT: EVIDENCE_OF(Edisensor__V1__Transport)
	default:            EVIDENCE_OF(Edisensor__V1__DateTime)
	}
}
#undef EVIDENCE_OF

static void add_evidence(struct extract *x, void *rec, enum ex_kind k, uint32_t idx)
{
	size_t *n;
	uint32_t **ev;

	evidence_of(rec, k, &n, &ev);
	/* Indices arrive in segment order: a repeat can only be the last. */
	if (*n && (*ev)[*n - 1] == idx)
		return;
	/* Arrays grow in powers of two: a new block when n hits one. */
	if (*n == 0 || (*n >= 2 && (*n & (*n - 1)) == 0)) {
		size_t cap = *n ? 2 * *n : 2;
		uint32_t *grown = arena_alloc(x->arena, cap * sizeof(uint32_t));
		if (!grown) {
			x->dropped++;
			return;
		}
		if (*n)
			memcpy(grown, *ev, *n * sizeof(uint32_t));
		*ev = grown;
	}
	(*ev)[(*n)++] = idx;
}

/* Seals per container: real ones carry a handful; the cap keeps a
 * hostile message from growing one record without bound. */
#define EX_MAX_SEALS 64

static void add_seal(struct extract *x, Edisensor__V1__Equipment *e, const char *v)
{
	for (size_t i = 0; i < e->n_seals; i++)
		if (strcmp(e->seals[i], v) == 0)
			return;
	if (e->n_seals >= EX_MAX_SEALS) {
		x->dropped++;
		return;
	}
	/* Arrays grow in powers of two: a new block when n_seals hits one. */
	if (e->n_seals == 0 || (e->n_seals >= 2 && (e->n_seals & (e->n_seals - 1)) == 0)) {
		size_t cap = e->n_seals ? 2 * e->n_seals : 2;
		char **grown = arena_alloc(x->arena, cap * sizeof(char *));
		if (!grown) {
			x->dropped++;
			return;
		}
		if (e->n_seals)
			memcpy(grown, e->seals, e->n_seals * sizeof(char *));
		e->seals = grown;
	}
	char *copy = arena_strdup(x->arena, v);
	if (!copy) {
		x->dropped++;
		return;
	}
	e->seals[e->n_seals++] = copy;
}

static void set_field(struct extract *x, void *rec, const struct ex_pick *p,
		      const char *v)
{
	const struct field_info *fi = &fields[p->field];
	char **slot = (char **)((char *)rec + fi->off);
	size_t old, add = strlen(v);

	if (p->field == EXF_EQ_SEAL) {
		if (add)
			add_seal(x, rec, v);
		return;
	}
	old = strlen(*slot);
	if (p->sep == NULL) {
		if (old == 0 && add)
			*slot = arena_strdup(x->arena, v) ?: *slot;
		return;
	}
	if (add == 0)
		return;
	size_t sep = old || p->lead_sep ? strlen(p->sep) : 0;
	if (old + sep + add >= FIELD_MAX) {
		x->dropped++;
		return;
	}
	char *joined = arena_alloc(x->arena, old + sep + add + 1);
	if (!joined)
		return;
	memcpy(joined, *slot, old);
	memcpy(joined + old, p->sep, sep);
	memcpy(joined + old + sep, v, add + 1);
	*slot = joined;
}

static const char *pick_value(const struct extract *x, const struct ex_pick *p,
			      const struct edi_segment *s, char *buf, size_t cap)
{
	if (p->held)
		return x->held[p->field] ? x->held[p->field] : "";
	if (p->lit)
		return p->lit;
	if (p->comp == 0) {
		edi_join_components(s, p->elem, p->join ? p->join : " ", buf, cap);
		return buf;
	}
	return edi_value(s, p->elem, p->comp);
}

/* Does the pick read a non-empty value (without building it)? */
static bool pick_present(const struct extract *x, const struct ex_pick *p,
			 const struct edi_segment *s)
{
	if (p->held)
		return x->held[p->field] && x->held[p->field][0];
	if (p->lit)
		return false;
	if (p->comp != 0)
		return edi_value(s, p->elem, p->comp)[0] != '\0';
	return edi_element_has_value(s, p->elem);
}

/* Any pick with a non-empty value? A row whose elements are all empty
 * (e.g. "FTX+AAA" without text) makes no record. */
static bool rule_has_values(const struct extract *x, const struct ex_rule *r,
			    const struct edi_segment *s)
{
	for (int i = 0; i < EX_MAX_PICKS && r->picks[i].field; i++)
		if (pick_present(x, &r->picks[i], s))
			return true;
	return false;
}

static bool field_is_set(void *rec, enum ex_field f)
{
	if (!rec)
		return false;
	if (f == EXF_EQ_SEAL)
		return ((Edisensor__V1__Equipment *)rec)->n_seals > 0;
	return (*(char **)((char *)rec + fields[f].off))[0] != '\0';
}

/* Did segment idx open or update rec (its evidence ends with idx)? */
static bool last_evidence_is(void *rec, enum ex_kind k, uint32_t idx)
{
	size_t *n;
	uint32_t **ev;

	evidence_of(rec, k, &n, &ev);
	return *n && (*ev)[*n - 1] == idx;
}

/* EXA_HOLD: keeps the picks' values (an empty one clears the field's). */
static int hold_values(struct extract *x, const struct ex_rule *r,
		       const struct edi_segment *s, uint32_t idx)
{
	char buf[VALUE_MAX];

	for (int i = 0; i < EX_MAX_PICKS && r->picks[i].field; i++) {
		const struct ex_pick *p = &r->picks[i];
		const char *v = pick_value(x, p, s, buf, sizeof(buf));
		x->held[p->field] = NULL;
		if (v[0] && !(x->held[p->field] = arena_strdup(x->arena, v)))
			return -ENOMEM;
		x->held_seg[p->field] = idx;
	}
	return 0;
}

static int apply_rule(struct extract *x, const struct ex_rule *r,
		      const struct edi_segment *s, uint32_t idx)
{
	char buf[VALUE_MAX];
	void *rec = x->cur[r->kind];

	if (r->action == EXA_HOLD)
		return hold_values(x, r, s, idx);
	if (!rule_has_values(x, r, s))
		return 0;
	switch (r->action) {
	case EXA_NEW:
		rec = new_record(x, r->kind);
		break;
	case EXA_CURRENT:
		if (!rec)
			rec = new_record(x, r->kind);
		break;
	case EXA_EXISTING:
		if (!rec)
			return 0;
		break;
	case EXA_NEW_IF_SET:
		if (!rec || field_is_set(rec, r->if_set))
			rec = new_record(x, r->kind);
		break;
	case EXA_SEGMENT_IF_UNSET:
		if (!rec || !last_evidence_is(rec, r->kind, idx))
			rec = new_record(x, r->kind);
		else if (field_is_set(rec, r->if_set))
			return 0;
		break;
	case EXA_HOLD:
		return 0;   /* hold_values, above */
	}
	if (!rec)
		return x->dropped ? 0 : -ENOMEM;
	for (int i = 0; i < EX_MAX_PICKS && r->picks[i].field; i++) {
		const struct ex_pick *p = &r->picks[i];
		const char *v = pick_value(x, p, s, buf, sizeof(buf));
		set_field(x, rec, p, v);
		if (p->held && v[0])   /* the held value's segment first: order */
			add_evidence(x, rec, r->kind, x->held_seg[p->field]);
	}
	add_evidence(x, rec, r->kind, idx);
	return 0;
}

/* Tags compared first by their first letter: most rows differ there. */
static bool tag_is(const char *rule_tag, const char *tag)
{
	return rule_tag[0] == tag[0] && strcmp(rule_tag, tag) == 0;
}

static bool table_has_tag(const struct ex_table *t, const char *tag)
{
	for (size_t i = 0; i < t->n_rules; i++)
		if (tag_is(t->rules[i].tag, tag))
			return true;
	return false;
}

const struct ex_table *extract_table_for(int syntax, const char *msg_type)
{
	const struct ex_table *const *list =
		syntax == 2 ? extract_x12_tables : extract_edifact_tables;

	for (size_t i = 0; msg_type && list[i]; i++)
		for (const char *const *t = list[i]->types; t && *t; t++)
			if (strcmp(*t, msg_type) == 0)
				return list[i];
	return syntax == 2 ? &extract_x12_generic : &extract_edifact_generic;
}

void extract_begin(struct extract *x, Edisensor__V1__Message *msg,
		   struct arena *a, int syntax, const char *msg_type)
{
	memset(x, 0, sizeof(*x));
	x->msg = msg;
	x->arena = a;
	x->table = extract_table_for(syntax, msg_type);
}

int extract_segment(struct extract *x, const struct edi_segment *seg,
		    uint32_t seg_index)
{
	const struct ex_table *t = x->table;

	/* The first table in the chain with rows for the tag owns it. */
	while (t && !table_has_tag(t, seg->tag))
		t = t->base;
	if (!t)
		return 0;
	for (size_t i = 0; i < t->n_rules; i++) {
		const struct ex_rule *r = &t->rules[i];
		if (!tag_is(r->tag, seg->tag) || !conds_hold(r, seg))
			continue;
		int err = apply_rule(x, r, seg, seg_index);
		if (err)
			return err;
	}
	return 0;
}

/* ---- end of message: dedupe and checks -------------------------------- */

/* The fields that make two records of a kind the same record. Goods and
 * dates have none: they are kept as sent. */
#define KEYS_MAX 8
static size_t key_fields(enum ex_kind k, const size_t **offs)
{
#define O(type, member) offsetof(type, member)
	static const size_t party[] = {
		O(Edisensor__V1__Party, role), O(Edisensor__V1__Party, id),
		O(Edisensor__V1__Party, id_scheme), O(Edisensor__V1__Party, name),
		O(Edisensor__V1__Party, address), O(Edisensor__V1__Party, city),
		O(Edisensor__V1__Party, postcode), O(Edisensor__V1__Party, country),
	};
	/* one number in two stowage cells stays two records: the message
	 * says the box is in two places (a cloned or mistyped number) */
	static const size_t equipment[] = {
		O(Edisensor__V1__Equipment, number), O(Edisensor__V1__Equipment, stowage_position),
	};
	static const size_t reference[] = {
		O(Edisensor__V1__Reference, qualifier), O(Edisensor__V1__Reference, value),
	};
	static const size_t location[] = {
		O(Edisensor__V1__Location, qualifier), O(Edisensor__V1__Location, locode),
		O(Edisensor__V1__Location, name), O(Edisensor__V1__Location, code),
		O(Edisensor__V1__Location, code_list),
	};
	static const size_t transport[] = {
		O(Edisensor__V1__Transport, stage), O(Edisensor__V1__Transport, mode),
		O(Edisensor__V1__Transport, voyage), O(Edisensor__V1__Transport, vessel_name),
		O(Edisensor__V1__Transport, imo), O(Edisensor__V1__Transport, vessel_id),
		O(Edisensor__V1__Transport, carrier),
	};
#undef O
#define SET(a) (*offs = a, sizeof(a) / sizeof(a[0]))
	switch (k) {
	case EXK_PARTY:     return SET(party);
	case EXK_EQUIPMENT: return SET(equipment);
	case EXK_REFERENCE: return SET(reference);
	case EXK_LOCATION:  return SET(location);
	case EXK_TRANSPORT: return SET(transport);
	default:            return 0;
	}
#undef SET
}

static const char *key_str(const void *rec, size_t off)
{
	return *(char *const *)((const char *)rec + off);
}

static bool same_record(const size_t *offs, size_t n, const void *a, const void *b)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(key_str(a, offs[i]), key_str(b, offs[i])) != 0)
			return false;
	return true;
}

static uint64_t record_hash(const size_t *offs, size_t n, const void *rec)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		for (const unsigned char *p = (const unsigned char *)key_str(rec, offs[i]); *p; p++)
			h = (h ^ *p) * 0x100000001b3ull;
		h = (h ^ 0x1F) * 0x100000001b3ull;   /* field boundary */
	}
	return h;
}

static void merge_into(struct extract *x, enum ex_kind k, void *keep, void *dup)
{
	size_t *n;
	uint32_t **ev;

	if (k == EXK_EQUIPMENT) {
		Edisensor__V1__Equipment *e = keep, *d = dup;
		for (size_t i = 0; i < d->n_seals; i++)
			add_seal(x, e, d->seals[i]);
		if (!e->size_type[0])
			e->size_type = d->size_type;
		if (!e->qualifier[0])
			e->qualifier = d->qualifier;
	}
	evidence_of(dup, k, &n, &ev);
	for (size_t i = 0; i < *n; i++)
		add_evidence(x, keep, k, (*ev)[i]);
}

/* Merges records with equal keys into the first one, in linear time
 * (a message may carry thousands of equal LOC or NAD segments). */
static void dedupe(struct extract *x, enum ex_kind k)
{
	const size_t *offs;
	size_t nkeys = key_fields(k, &offs), *n, out = 0, size = 16;
	void ***arr = kind_array(x->msg, k, &n);
	uint32_t *slots;

	if (nkeys == 0 || *n < 2)
		return;
	while (size < 2 * *n)
		size <<= 1;
	slots = calloc(size, sizeof(*slots));   /* record index + 1; 0 = free */
	if (!slots) {
		x->dropped++;
		return;
	}
	for (size_t i = 0; i < *n; i++) {
		void *rec = (*arr)[i];
		size_t at = record_hash(offs, nkeys, rec) & (size - 1);
		while (slots[at] && !same_record(offs, nkeys, (*arr)[slots[at] - 1], rec))
			at = (at + 1) & (size - 1);
		if (slots[at]) {
			merge_into(x, k, (*arr)[slots[at] - 1], rec);
		} else {
			(*arr)[out] = rec;
			slots[at] = (uint32_t)++out;
		}
	}
	free(slots);
	*n = out;
}

/* IMO numbers as their 7 digits, before dedupe (so "IMO9321483" and
 * "9321483" are one vessel), and their check digits judged. */
static void normalise_imo(struct extract *x)
{
	for (size_t i = 0; i < x->msg->n_transport; i++) {
		Edisensor__V1__Transport *t = x->msg->transport[i];
		char norm[8];

		if (imo_normalise(t->imo, norm) != 0)
			continue;
		if (strcmp(norm, t->imo) != 0) {
			char *copy = arena_strdup(x->arena, norm);
			if (!copy) {
				x->dropped++;
				continue;
			}
			t->imo = copy;
		}
		t->imo_check_digit_valid = imo_valid(norm);
	}
}

void extract_end(struct extract *x)
{
	normalise_imo(x);
	for (int k = 0; k < EXK_MAX; k++)
		dedupe(x, k);
	for (size_t i = 0; i < x->msg->n_equipment; i++) {
		Edisensor__V1__Equipment *e = x->msg->equipment[i];
		char norm[32];

		iso6346_normalise(e->number, norm, sizeof(norm));
		e->iso6346 = iso6346_shape(norm);
		e->check_digit_valid = iso6346_valid(norm);
	}
}

size_t extract_wanted_tags(int syntax, char (*tags)[EDI_TAG_MAX + 1], size_t cap)
{
	const struct ex_table *const *list =
		syntax == 2 ? extract_x12_tables : extract_edifact_tables;
	const struct ex_table *generic =
		syntax == 2 ? &extract_x12_generic : &extract_edifact_generic;
	size_t n = 0;

	for (size_t i = 0; ; i++) {
		const struct ex_table *t = list[i] ? list[i] : generic;
		for (; t; t = t->base) {
			for (size_t r = 0; r < t->n_rules; r++) {
				size_t j;
				for (j = 0; j < n; j++)
					if (strcmp(tags[j], t->rules[r].tag) == 0)
						break;
				if (j == n && n < cap) {
					snprintf(tags[n], EDI_TAG_MAX + 1, "%s", t->rules[r].tag);
					n++;
				}
			}
		}
		if (!list[i])
			break;
	}
	return n;
}
