/* UN/EDIFACT interchanges: UNA (optionally with non-default separators),
 * UNB, optional UNG groups, messages from templates, UNT/UNE/UNZ with
 * correct counts. See docs/MANIFEST.md for each template's segments. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "interchange.h"
#include "values.h"

struct ed {
	struct rng *r;
	const struct ichg_cfg *cfg;
	struct segw w;
	bool latin;            /* charset carries non-ASCII letters */
	struct msg_meta *m;
};

static const struct {
	const char *name, *version, *release, *assoc;
} ed_types[ET_COUNT] = {
	[ET_CUSCAR] = { "CUSCAR", "D", "95B", NULL },
	[ET_CUSDEC] = { "CUSDEC", "D", "96B", NULL },
	[ET_CUSRES] = { "CUSRES", "D", "96B", NULL },
	[ET_IFTMIN] = { "IFTMIN", "D", "99B", NULL },
	[ET_IFCSUM] = { "IFCSUM", "D", "99B", NULL },
	[ET_BAPLIE] = { "BAPLIE", "D", "95B", "SMDG20" },
	[ET_COPRAR] = { "COPRAR", "D", "95B", NULL },
};

const char *edifact_type_name(enum edifact_type t)
{
	return t < ET_COUNT ? ed_types[t].name : "?";
}

int edifact_type_from_name(const char *name)
{
	for (int t = 0; t < ET_COUNT; t++)
		if (strcasecmp(name, ed_types[t].name) == 0)
			return t;
	return -1;
}

/* ---- segment helpers: each writes one segment and records its truth ---- */

static void ed_nad(struct ed *e, const char *role)
{
	struct meta_party *p = meta_add_party(e->m);
	char id[40], name[128], pc[12];
	const char *agency = rng_chance(e->r, 0.5) ? "9" : "ZZZ";

	if (!p)
		return;
	val_party_id(e->r, id, sizeof(id));
	val_company(e->r, e->latin, name, sizeof(name));
	val_postcode(e->r, pc, sizeof(pc));
	segw_tag(&e->w, "NAD");
	segw_el_keep(&e->w, role, p->role, sizeof(p->role));
	segw_el_keep(&e->w, id, p->id, sizeof(p->id));
	segw_co(&e->w, "");
	segw_co(&e->w, agency);
	segw_el(&e->w, "");   /* C058 name and address lines: not used */
	segw_el_keep(&e->w, name, p->name, sizeof(p->name));   /* C080 3036 */
	segw_el(&e->w, val_street(e->r));
	segw_el(&e->w, val_city(e->r));
	segw_el(&e->w, "");
	segw_el(&e->w, pc);
	segw_el_keep(&e->w, val_country(e->r), p->country, sizeof(p->country));
	segw_end(&e->w);
}

/* NAD with a coded party only, as BAPLIE carriers: NAD+CA+OOL:172:20 */
static void ed_nad_coded(struct ed *e, const char *role)
{
	struct meta_party *p = meta_add_party(e->m);

	if (!p)
		return;
	segw_tag(&e->w, "NAD");
	segw_el_keep(&e->w, role, p->role, sizeof(p->role));
	segw_el_keep(&e->w, val_scac(e->r), p->id, sizeof(p->id));
	segw_co(&e->w, "172");
	segw_co(&e->w, "20");
	segw_end(&e->w);
}

/* LOC+<qual>+<UN/LOCODE>:139:6: a place, its code a UN/LOCODE by agency 6 */
static void ed_loc(struct ed *e, const char *qual)
{
	struct meta_location *l = meta_add_location(e->m);

	if (!l)
		return;
	segw_tag(&e->w, "LOC");
	segw_el_keep(&e->w, qual, l->qualifier, sizeof(l->qualifier));
	segw_el_keep(&e->w, val_locode(e->r), l->locode, sizeof(l->locode));
	segw_co(&e->w, "139");
	segw_co(&e->w, "6");
	segw_end(&e->w);
}

/* LOC+147+<bay row tier>::5, the stowage cell (ISO 9711 format, agency 5
 * ISO) that opens a BAPLIE container group: no place, the sensor gives it
 * to the group's EQD (its stowagePosition) */
static void ed_stowage(struct ed *e, const char *cell)
{
	segw_tag(&e->w, "LOC");
	segw_el(&e->w, "147");
	segw_el(&e->w, cell);
	segw_co(&e->w, "");
	segw_co(&e->w, "5");
	segw_end(&e->w);
}

static void ed_rff(struct ed *e, const char *qual, const char *value)
{
	struct meta_reference *ref = meta_add_ref(e->m);

	if (!ref)
		return;
	segw_tag(&e->w, "RFF");
	segw_el_keep(&e->w, qual, ref->qualifier, sizeof(ref->qualifier));
	segw_co_keep(&e->w, value, ref->value, sizeof(ref->value));
	segw_end(&e->w);
}

static void ed_rff_new(struct ed *e, const char *qual)
{
	char v[48];

	if (!strcmp(qual, "BM") || !strcmp(qual, "MB") || !strcmp(qual, "BH"))
		val_bill_of_lading(e->r, v, sizeof(v));
	else if (!strcmp(qual, "BN"))
		val_booking(e->r, v, sizeof(v));
	else
		val_reference(e->r, qual, v, sizeof(v));
	ed_rff(e, qual, v);
}

static void ed_simple(struct ed *e, const char *tag, const char *const *els, int n)
{
	segw_tag(&e->w, tag);
	for (int i = 0; i < n; i++) {
		/* Elements given as "a:b" are components: split on ':' here, the
		 * writer puts the interchange's own component separator. */
		const char *s = els[i];
		const char *c = strchr(s, ':');
		char part[64];

		if (!c) {
			segw_el(&e->w, s);
			continue;
		}
		snprintf(part, sizeof(part), "%.*s", (int)(c - s), s);
		segw_el(&e->w, part);
		while (c) {
			const char *next = strchr(c + 1, ':');

			snprintf(part, sizeof(part), "%.*s",
				 (int)(next ? next - c - 1 : (long)strlen(c + 1)), c + 1);
			segw_co(&e->w, part);
			c = next;
		}
	}
	segw_end(&e->w);
}
#define ED_SEG(e, tag, ...)                                                   \
	do {                                                                   \
		const char *const els_[] = { __VA_ARGS__ };                    \
		ed_simple((e), (tag), els_, (int)(sizeof(els_) / sizeof(els_[0]))); \
	} while (0)

static void ed_bgm(struct ed *e, const char *code)
{
	char doc[24];

	val_reference(e->r, "", doc, sizeof(doc));
	ED_SEG(e, "BGM", code, doc, "9");
}

static void ed_dtm(struct ed *e)
{
	char v[40], date[12], tm[8];

	val_time(e->r, tm, sizeof(tm));
	val_date(e->r, true, date, sizeof(date));
	snprintf(v, sizeof(v), "137:%s%s:203", date, tm);
	ED_SEG(e, "DTM", v);
}

static void ed_tdt(struct ed *e)
{
	struct meta_transport *t = meta_add_transport(e->m);
	char voyage[16], imo[12];

	if (!t)
		return;
	val_voyage(e->r, voyage, sizeof(voyage));
	val_imo(e->r, imo, sizeof(imo));
	segw_tag(&e->w, "TDT");
	segw_el(&e->w, "20");
	segw_el_keep(&e->w, voyage, t->voyage, sizeof(t->voyage));
	segw_el(&e->w, "1");
	segw_el(&e->w, "");
	segw_el(&e->w, val_scac(e->r));
	segw_co(&e->w, "172");
	segw_co(&e->w, "20");
	segw_el(&e->w, "");
	segw_el(&e->w, "");
	segw_el_keep(&e->w, imo, t->imo, sizeof(t->imo));
	segw_co(&e->w, "146");
	segw_co(&e->w, "11");
	segw_co_keep(&e->w, val_vessel_name(e->r), t->vessel_name, sizeof(t->vessel_name));
	segw_end(&e->w);
}

static struct meta_equipment *ed_eqd(struct ed *e, const char *tail1, const char *tail2)
{
	struct meta_equipment *q = meta_add_equipment(e->m);
	bool bad = rng_chance(e->r, e->cfg->bad_check_share);
	char num[16];

	if (!q)
		return NULL;
	val_container(e->r, bad, num, sizeof(num));
	q->check_digit_valid = !bad;
	segw_tag(&e->w, "EQD");
	segw_el(&e->w, "CN");
	segw_el_keep(&e->w, num, q->number, sizeof(q->number));
	segw_el(&e->w, val_size_type(e->r));
	if (tail1 || tail2) {
		segw_el(&e->w, tail1 ? tail1 : "");
		segw_el(&e->w, "");
		segw_el(&e->w, tail2 ? tail2 : "");
	}
	segw_end(&e->w);
	return q;
}

static void ed_sels(struct ed *e, struct meta_equipment *q)
{
	unsigned n = rng_range(e->r, 0, 2);

	for (unsigned i = 0; q && i < n; i++) {
		char seal[24];

		val_seal(e->r, seal, sizeof(seal));
		segw_tag(&e->w, "SEL");
		segw_el_keep(&e->w, seal, q->seals[q->nseals], sizeof(q->seals[0]));
		segw_el(&e->w, "CA");
		segw_end(&e->w);
		q->nseals++;
	}
}

static void ed_container(struct ed *e)
{
	ed_sels(e, ed_eqd(e, NULL, NULL));
}

/* GID (packages), FTX+AAA (text), then the tariff code in the segment the
 * message type uses: "CST" (CUSCAR CST++code) or "PIA" (PIA+5+code:HS). */
static void ed_goods_item(struct ed *e, unsigned n, const char *code_seg)
{
	struct meta_goods *g = meta_add_goods(e->m);
	char num[8], pk[12], text[160], hs[16];

	if (!g)
		return;
	snprintf(num, sizeof(num), "%u", n);
	snprintf(pk, sizeof(pk), "%u", rng_range(e->r, 1, 2000));
	val_goods_text(e->r, e->latin, text, sizeof(text));
	val_hs_code(e->r, hs, sizeof(hs));
	segw_tag(&e->w, "GID");
	segw_el(&e->w, num);
	segw_el_keep(&e->w, pk, g->packages, sizeof(g->packages));
	segw_co(&e->w, "PK");
	segw_end(&e->w);
	segw_tag(&e->w, "FTX");
	segw_el(&e->w, "AAA");
	segw_el(&e->w, "");
	segw_el(&e->w, "");
	segw_el_keep(&e->w, text, g->description, sizeof(g->description));
	segw_end(&e->w);
	if (!strcmp(code_seg, "CST")) {
		segw_tag(&e->w, "CST");
		segw_el(&e->w, "");
		segw_el_keep(&e->w, hs, g->hs_code, sizeof(g->hs_code));
	} else {
		segw_tag(&e->w, "PIA");
		segw_el(&e->w, "5");
		segw_el_keep(&e->w, hs, g->hs_code, sizeof(g->hs_code));
		segw_co(&e->w, "HS");
	}
	segw_end(&e->w);
}

/* CUSDEC item: CST+1+code:122:148, FTX+AAA, MEA (no packages). */
static void ed_cusdec_item(struct ed *e)
{
	struct meta_goods *g = meta_add_goods(e->m);
	char text[160], hs[16], kg[16];

	if (!g)
		return;
	val_goods_text(e->r, e->latin, text, sizeof(text));
	val_hs_code(e->r, hs, sizeof(hs));
	snprintf(kg, sizeof(kg), "KGM:%u", rng_range(e->r, 10, 30000));
	segw_tag(&e->w, "CST");
	segw_el(&e->w, "1");
	segw_el_keep(&e->w, hs, g->hs_code, sizeof(g->hs_code));
	segw_co(&e->w, "122");
	segw_co(&e->w, "148");
	segw_end(&e->w);
	segw_tag(&e->w, "FTX");
	segw_el(&e->w, "AAA");
	segw_el(&e->w, "");
	segw_el(&e->w, "");
	segw_el_keep(&e->w, text, g->description, sizeof(g->description));
	segw_end(&e->w);
	ED_SEG(e, "MEA", "WT", "AAE", kg);
}

/* ---- message bodies (between UNH and UNT) ---- */

static void body_cuscar(struct ed *e)
{
	unsigned ncons = rng_range(e->r, 1, 3), item = 1;

	ed_bgm(e, "85");
	ed_dtm(e);
	ed_rff_new(e, "AFB");
	ed_tdt(e);
	ed_loc(e, "9");
	ed_loc(e, "11");
	ed_nad(e, "CA");
	for (unsigned c = 1; c <= ncons; c++) {
		char bl[40], n[8];

		val_bill_of_lading(e->r, bl, sizeof(bl));
		snprintf(n, sizeof(n), "%u", c);
		ED_SEG(e, "CNI", n, bl);
		ed_rff(e, "BM", bl);
		ed_nad(e, "CZ");
		ed_nad(e, "CN");
		ed_nad(e, "N1");
		for (unsigned g = rng_range(e->r, 1, 2); g > 0; g--)
			ed_goods_item(e, item++, "CST");
		ed_container(e);
	}
}

static void body_cusdec(struct ed *e)
{
	ed_bgm(e, "929");
	ed_dtm(e);
	ed_rff_new(e, "ABT");
	ed_rff_new(e, "BM");
	ed_nad(e, "DT");
	ed_nad(e, "EX");
	ed_nad(e, "IM");
	ed_loc(e, "22");
	ed_loc(e, "9");
	ed_tdt(e);
	ED_SEG(e, "UNS", "D");
	for (unsigned g = rng_range(e->r, 1, 4); g > 0; g--)
		ed_cusdec_item(e);
	ed_container(e);
	ED_SEG(e, "UNS", "S");
}

static void body_cusres(struct ed *e)
{
	ed_bgm(e, "962");
	ed_dtm(e);
	ed_rff_new(e, "ABT");
	ed_rff_new(e, "BM");
	ed_nad(e, "MS");
	ed_nad(e, "DT");
	ed_loc(e, "22");
}

static void body_iftmin(struct ed *e)
{
	ed_bgm(e, "610");
	ed_dtm(e);
	ed_rff_new(e, "BN");
	ed_rff_new(e, "BM");
	ed_tdt(e);
	ed_loc(e, "9");
	ed_loc(e, "11");
	ed_nad(e, "CZ");
	ed_nad(e, "CN");
	ed_nad(e, "FW");
	for (unsigned g = 1, n = rng_range(e->r, 1, 3); g <= n; g++)
		ed_goods_item(e, g, "PIA");
	for (unsigned c = rng_range(e->r, 1, 2); c > 0; c--)
		ed_container(e);
}

static void body_ifcsum(struct ed *e)
{
	ed_bgm(e, "785");
	ed_dtm(e);
	ed_rff_new(e, "MB");
	ed_tdt(e);
	ed_loc(e, "9");
	ed_loc(e, "11");
	ed_nad(e, "CA");
	ed_container(e);
	for (unsigned c = 1, n = rng_range(e->r, 1, 3); c <= n; c++) {
		char bl[40], num[8];

		val_bill_of_lading(e->r, bl, sizeof(bl));
		snprintf(num, sizeof(num), "%u", c);
		ED_SEG(e, "CNI", num, bl);
		ed_rff(e, "BH", bl);
		ed_nad(e, "CZ");
		ed_nad(e, "CN");
		ed_goods_item(e, 1, "PIA");
	}
}

static void body_baplie(struct ed *e)
{
	ed_bgm(e, "");
	ed_dtm(e);
	ed_tdt(e);
	ed_loc(e, "5");
	ed_loc(e, "61");
	for (unsigned c = rng_range(e->r, 1, 4); c > 0; c--) {
		char cell[12], kg[16];

		unsigned tier = rng_range(e->r, 2, 98);
		unsigned row = rng_below(e->r, 20);
		unsigned bay = rng_range(e->r, 1, 99);

		snprintf(cell, sizeof(cell), "%03u%02u%02u", bay, row, tier);
		snprintf(kg, sizeof(kg), "KGM:%u", rng_range(e->r, 2000, 32000));
		ed_stowage(e, cell);
		ED_SEG(e, "MEA", "WT", "", kg);
		ed_loc(e, "9");
		ed_loc(e, "11");
		ed_rff_new(e, "BM");
		struct meta_equipment *q = ed_eqd(e, NULL, "5");
		if (q)
			snprintf(q->stowage, sizeof(q->stowage), "%s", cell);
		ed_nad_coded(e, "CA");
	}
}

static void body_coprar(struct ed *e)
{
	unsigned n = rng_range(e->r, 1, 4);
	char cnt[16];

	ed_bgm(e, "45");
	ed_dtm(e);
	ed_rff_new(e, "XXX");
	ed_tdt(e);
	ed_loc(e, "11");
	ed_nad(e, "CF");
	for (unsigned c = 0; c < n; c++) {
		struct meta_equipment *q = ed_eqd(e, "2", "5");

		ed_rff_new(e, "BN");
		ed_loc(e, "11");
		ed_sels(e, q);
	}
	snprintf(cnt, sizeof(cnt), "16:%u", n);
	ED_SEG(e, "CNT", cnt);
}

static void (*const bodies[ET_COUNT])(struct ed *) = {
	[ET_CUSCAR] = body_cuscar, [ET_CUSDEC] = body_cusdec, [ET_CUSRES] = body_cusres,
	[ET_IFTMIN] = body_iftmin, [ET_IFCSUM] = body_ifcsum, [ET_BAPLIE] = body_baplie,
	[ET_COPRAR] = body_coprar,
};

/* ---- envelope ---- */

static void pick_seps(struct ed *e, int version, bool odd)
{
	static const char comps[] = ":^>", elems[] = "+*|", rels[] = "?!\\",
			  terms[] = "'$~", reps[] = "*#@";
	struct edi_seps *s = &e->w.seps;

	s->component = ':';
	s->element = '+';
	s->decimal = '.';
	s->release = '?';
	s->repetition = version >= 4 ? '*' : ' ';
	s->terminator = '\'';
	if (!odd)
		return;
	s->component = comps[rng_below(e->r, 3)];
	s->element = elems[rng_below(e->r, 3)];
	s->release = rels[rng_below(e->r, 3)];
	s->terminator = terms[rng_below(e->r, 3)];
	s->decimal = rng_chance(e->r, 0.5) ? ',' : '.';
	if (version >= 4) {
		do
			s->repetition = reps[rng_below(e->r, 3)];
		while (s->repetition == s->element);
	}
}

static void ed_datetime(struct ed *e, int version, char *date, size_t dcap, char *time, size_t tcap)
{
	unsigned mo = rng_range(e->r, 1, 12), d = rng_range(e->r, 1, 28);

	if (version >= 4)
		snprintf(date, dcap, "2026%02u%02u", mo, d);
	else
		snprintf(date, dcap, "26%02u%02u", mo, d);
	val_time(e->r, time, tcap);
}

static void ed_unb(struct ed *e, struct meta_envelope *env, int version, bool test)
{
	static const char *const quals[] = { "ZZ", "14", "1", "ZZZ", "9" };
	char sender[40], recip[40], ctrl[20], ver[4], date[12], tm[8];

	val_edi_address(e->r, sender, sizeof(sender));
	val_edi_address(e->r, recip, sizeof(recip));
	snprintf(ctrl, sizeof(ctrl), "%u", rng_range(e->r, 1, 99999999));
	snprintf(ver, sizeof(ver), "%d", version);
	ed_datetime(e, version, date, sizeof(date), tm, sizeof(tm));
	segw_tag(&e->w, "UNB");
	segw_el_keep(&e->w, env->syntax_id, env->syntax_id, sizeof(env->syntax_id));
	segw_co_keep(&e->w, ver, env->syntax_version, sizeof(env->syntax_version));
	segw_el_keep(&e->w, sender, env->sender_id, sizeof(env->sender_id));
	segw_co_keep(&e->w, RNG_PICK(e->r, quals), env->sender_qualifier,
		     sizeof(env->sender_qualifier));
	segw_el_keep(&e->w, recip, env->recipient_id, sizeof(env->recipient_id));
	segw_co_keep(&e->w, RNG_PICK(e->r, quals), env->recipient_qualifier,
		     sizeof(env->recipient_qualifier));
	segw_el_keep(&e->w, date, env->date, sizeof(env->date));
	segw_co_keep(&e->w, tm, env->time, sizeof(env->time));
	segw_el_keep(&e->w, ctrl, env->control_ref, sizeof(env->control_ref));
	if (test) {
		/* S005, 0026, 0029, 0031, 0032 empty, then 0035 test indicator. */
		for (int i = 0; i < 5; i++)
			segw_el(&e->w, "");
		segw_el(&e->w, "1");
		env->test = true;
	}
	segw_end(&e->w);
}

static void ed_message(struct ed *e, int type, const struct meta_envelope *env,
		       bool truncate, ichg_message_fn fn, void *ctx)
{
	struct msg_meta m;
	char ref[20];

	ichg_message_begin(&e->w, &m, META_EDIFACT, env);
	e->m = &m;
	snprintf(ref, sizeof(ref), "%u", rng_range(e->r, 1, 9999999));
	segw_tag(&e->w, "UNH");
	segw_el_keep(&e->w, ref, m.env.message_ref, sizeof(m.env.message_ref));
	segw_el_keep(&e->w, ed_types[type].name, m.env.message_type, sizeof(m.env.message_type));
	segw_co_keep(&e->w, ed_types[type].version, m.env.message_version,
		     sizeof(m.env.message_version));
	segw_co_keep(&e->w, ed_types[type].release, m.env.message_release,
		     sizeof(m.env.message_release));
	segw_co_keep(&e->w, "UN", m.env.agency, sizeof(m.env.agency));
	if (ed_types[type].assoc)
		segw_co_keep(&e->w, ed_types[type].assoc, m.env.association_code,
			     sizeof(m.env.association_code));
	segw_end(&e->w);
	bodies[type](e);
	e->m = NULL;
	ichg_message_end(&e->w, &m, "UNT", ref, truncate, fn, ctx);
}

static enum edi_charset pick_charset(struct rng *r, int version, const char **id)
{
	static const char *const ids[] = { "UNOA", "UNOB", "UNOC", "UNOY" };
	enum edi_charset cs;

	if (version >= 4)
		cs = rng_chance(r, 0.5) ? CS_UNOC : CS_UNOY;
	else
		cs = (enum edi_charset)(rng_chance(r, 0.5) ? CS_UNOC : rng_below(r, 2));
	*id = ids[cs];
	return cs;
}

/* Messages with no interchange around them (UNH first), as some senders
 * and file splitters produce: default separators, ASCII text. */
static int edifact_bare(struct ed *e, unsigned nmsgs, bool truncate, struct ichg_info *info,
			ichg_message_fn fn, void *ctx)
{
	struct meta_envelope env;

	memset(&env, 0, sizeof(env));
	e->w.cs = CS_UNOB;
	pick_seps(e, 3, false);
	info->seps = e->w.seps;
	info->bare = true;
	info->start = e->w.b->len;
	for (unsigned i = 0; i < nmsgs; i++) {
		bool last = i + 1 == nmsgs;

		ed_message(e, ichg_pick_type(e->r, e->cfg->edifact_types, ET_COUNT), &env,
			   truncate && last, fn, ctx);
		info->messages++;
	}
	info->truncated = truncate;
	return e->w.b->err;
}

int edifact_build(struct rng *r, const struct ichg_cfg *cfg, bool truncate, struct ebuf *b,
		  struct ichg_info *info, ichg_message_fn fn, void *ctx)
{
	struct ed e = { .r = r, .cfg = cfg };
	int version = rng_chance(r, 0.5) ? 4 : 3;
	bool odd = rng_chance(r, cfg->odd_seps_share);
	unsigned nmsgs = rng_range(r, cfg->msgs_min, cfg->msgs_max);
	unsigned ngroups = rng_chance(r, cfg->ung_share) ? rng_range(r, 1, 2) : 0;
	const char *csid;
	struct meta_envelope env;

	if (nmsgs == 0)
		nmsgs = 1;
	if (ngroups > nmsgs)
		ngroups = nmsgs;
	memset(info, 0, sizeof(*info));
	memset(&env, 0, sizeof(env));
	e.w.b = b;
	e.w.cs = pick_charset(r, version, &csid);
	e.latin = e.w.cs == CS_UNOC || e.w.cs == CS_UNOY;
	snprintf(env.syntax_id, sizeof(env.syntax_id), "%s", csid);
	pick_seps(&e, version, odd);
	if (rng_chance(r, cfg->oneline_share)) {
		e.w.seps.after = "";
		info->layout = "oneline";
	} else if (rng_chance(r, 0.6)) {
		e.w.seps.after = "\r\n";
		info->layout = "crlf";
	} else {
		e.w.seps.after = "\n";
		info->layout = "lf";
	}
	info->syntax = META_EDIFACT;
	if (rng_chance(r, cfg->bare_share))
		return edifact_bare(&e, nmsgs, truncate, info, fn, ctx);
	info->una = odd || rng_chance(r, cfg->una_share);
	if (e.w.cs == CS_UNOY && rng_chance(r, 0.25))
		ebuf_put(b, "\xef\xbb\xbf", 3);  /* a UTF-8 BOM before UNA/UNB */
	info->start = b->len;
	if (info->una) {
		const struct edi_seps *s = &e.w.seps;
		char una[10] = { 'U', 'N', 'A', s->component, s->element, s->decimal,
				 s->release, s->repetition, s->terminator, 0 };

		ebuf_puts(b, una);
		ebuf_puts(b, s->after);
	}
	ed_unb(&e, &env, version, rng_chance(r, cfg->test_share));
	info->seps = e.w.seps;
	info->env = env;

	unsigned done = 0;
	for (unsigned g = 0; g < (ngroups ? ngroups : 1); g++) {
		unsigned k = ngroups ? (g + 1 == ngroups ? nmsgs - done : rng_range(r, 1, nmsgs - done - (ngroups - g - 1)))
				     : nmsgs;
		int gtype = ichg_pick_type(r, cfg->edifact_types, ET_COUNT);
		struct meta_envelope genv = env;
		char gref[20];

		if (gtype < 0)
			return -EINVAL;
		if (ngroups) {
			char gs[40], gr[40], date[12], tm[8];

			val_edi_address(r, gs, sizeof(gs));
			val_edi_address(r, gr, sizeof(gr));
			snprintf(gref, sizeof(gref), "G%u", rng_range(r, 1, 999999));
			ed_datetime(&e, version, date, sizeof(date), tm, sizeof(tm));
			segw_tag(&e.w, "UNG");
			segw_el_keep(&e.w, ed_types[gtype].name, genv.group_id, sizeof(genv.group_id));
			segw_el_keep(&e.w, gs, genv.group_sender, sizeof(genv.group_sender));
			segw_co(&e.w, "ZZ");
			segw_el_keep(&e.w, gr, genv.group_recipient, sizeof(genv.group_recipient));
			segw_co(&e.w, "ZZ");
			segw_el(&e.w, date);
			segw_co(&e.w, tm);
			segw_el_keep(&e.w, gref, genv.group_control_ref, sizeof(genv.group_control_ref));
			segw_el(&e.w, "UN");
			segw_el(&e.w, ed_types[gtype].version);
			segw_co(&e.w, ed_types[gtype].release);
			segw_end(&e.w);
			info->groups++;
		}
		for (unsigned i = 0; i < k; i++) {
			int t = ngroups ? gtype : ichg_pick_type(r, cfg->edifact_types, ET_COUNT);
			bool last = done + 1 == nmsgs;

			ed_message(&e, t, &genv, truncate && last, fn, ctx);
			info->messages++;
			done++;
			if (truncate && last) {
				info->truncated = true;
				return b->err;
			}
		}
		if (ngroups)
			segw_trailer(&e.w, "UNE", k, gref);
	}
	segw_trailer(&e.w, "UNZ", ngroups ? ngroups : nmsgs, env.control_ref);
	return b->err;
}
