/* ANSI X12 interchanges: ISA (fixed width, varying separators), GS groups,
 * transaction sets from templates, SE/GE/IEA with correct counts.
 * See docs/MANIFEST.md for each template's segments. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "interchange.h"
#include "values.h"

struct xw {
	struct rng *r;
	const struct ichg_cfg *cfg;
	struct segw w;
	struct msg_meta *m;
};

static const struct {
	const char *id, *group;
} x_types[XT_COUNT] = {
	[XT_309] = { "309", "SO" },
	[XT_350] = { "350", "AU" },
	[XT_315] = { "315", "QO" },
	[XT_310] = { "310", "IO" },
};

const char *x12_type_name(enum x12_type t)
{
	return t < XT_COUNT ? x_types[t].id : "?";
}

int x12_type_from_name(const char *name)
{
	for (int t = 0; t < XT_COUNT; t++)
		if (strcmp(name, x_types[t].id) == 0)
			return t;
	return -1;
}

static void x_n1(struct xw *x, const char *role)
{
	struct meta_party *p = meta_add_party(x->m);
	char id[40], name[128], pc[12];

	if (!p)
		return;
	val_party_id(x->r, id, sizeof(id));
	val_company(x->r, false, name, sizeof(name));
	val_postcode(x->r, pc, sizeof(pc));
	segw_tag(&x->w, "N1");
	segw_el_keep(&x->w, role, p->role, sizeof(p->role));
	segw_el_keep(&x->w, name, p->name, sizeof(p->name));
	segw_el(&x->w, rng_chance(x->r, 0.5) ? "25" : "ZZ");
	segw_el_keep(&x->w, id, p->id, sizeof(p->id));
	segw_end(&x->w);
	segw_tag(&x->w, "N3");
	segw_el(&x->w, val_street(x->r));
	segw_end(&x->w);
	segw_tag(&x->w, "N4");
	segw_el(&x->w, val_city(x->r));
	segw_el(&x->w, "");
	segw_el(&x->w, pc);
	segw_el_keep(&x->w, val_country(x->r), p->country, sizeof(p->country));
	segw_end(&x->w);
}

static void x_n9(struct xw *x, const char *qual, const char *value)
{
	struct meta_reference *ref = meta_add_ref(x->m);

	if (!ref)
		return;
	segw_tag(&x->w, "N9");
	segw_el_keep(&x->w, qual, ref->qualifier, sizeof(ref->qualifier));
	segw_el_keep(&x->w, value, ref->value, sizeof(ref->value));
	segw_end(&x->w);
}

static void x_n9_new(struct xw *x, const char *qual)
{
	char v[48];

	if (!strcmp(qual, "BM"))
		val_bill_of_lading(x->r, v, sizeof(v));
	else
		val_booking(x->r, v, sizeof(v));
	x_n9(x, qual, v);
}

static void x_loc(struct xw *x, const char *qual, const char *code)
{
	struct meta_location *l = meta_add_location(x->m);

	if (l) {
		snprintf(l->qualifier, sizeof(l->qualifier), "%s", qual);
		segw_normalise(&x->w, code, l->locode, sizeof(l->locode));
	}
}

/* A place whose code belongs to another list than UN/LOCODE (P4: US
 * Census Schedule D, M11: Schedule K), as the sensor reports it. */
static void x_loc_code(struct xw *x, const char *qual, const char *code, const char *list)
{
	struct meta_location *l = meta_add_location(x->m);

	if (l) {
		snprintf(l->qualifier, sizeof(l->qualifier), "%s", qual);
		segw_normalise(&x->w, code, l->code, sizeof(l->code));
		snprintf(l->code_list, sizeof(l->code_list), "%s", list);
	}
}

static void x_dtm(struct xw *x, const char *qual)
{
	char d[12], t[8];

	val_date(x->r, true, d, sizeof(d));
	val_time(x->r, t, sizeof(t));
	segw_tag(&x->w, "DTM");
	segw_el(&x->w, qual);
	segw_el(&x->w, d);
	segw_el(&x->w, t);
	segw_end(&x->w);
}

/* M10*scac*O*country*imo*vessel*voyage */
static void x_m10(struct xw *x)
{
	struct meta_transport *t = meta_add_transport(x->m);
	char imo[12], voyage[16];

	if (!t)
		return;
	val_imo(x->r, imo, sizeof(imo));
	val_voyage(x->r, voyage, sizeof(voyage));
	segw_tag(&x->w, "M10");
	segw_el(&x->w, val_scac(x->r));
	segw_el(&x->w, "O");
	segw_el(&x->w, val_country(x->r));
	segw_el_keep(&x->w, imo, t->imo, sizeof(t->imo));
	segw_el_keep(&x->w, val_vessel_name(x->r), t->vessel_name, sizeof(t->vessel_name));
	segw_el_keep(&x->w, voyage, t->voyage, sizeof(t->voyage));
	segw_end(&x->w);
}

static void x_p4(struct xw *x)
{
	const char *port = val_us_port(x->r);
	char d[12];

	val_date(x->r, true, d, sizeof(d));
	segw_tag(&x->w, "P4");
	segw_el(&x->w, port);
	segw_el(&x->w, d);
	segw_el(&x->w, "1");
	segw_end(&x->w);
	x_loc_code(x, "P4", port, "D");
}

static void x_r4(struct xw *x, const char *fn)
{
	const char *loc = val_locode(x->r);
	char country[3] = { loc[0], loc[1], 0 };

	segw_tag(&x->w, "R4");
	segw_el(&x->w, fn);
	segw_el(&x->w, "UN");
	segw_el(&x->w, loc);
	segw_el(&x->w, val_city(x->r));
	segw_el(&x->w, country);
	segw_end(&x->w);
	x_loc(x, fn, loc);
}

static void container_parts(struct xw *x, struct meta_equipment **q, char *init, char *num)
{
	bool bad = rng_chance(x->r, x->cfg->bad_check_share);
	char full[16];

	val_container(x->r, bad, full, sizeof(full));
	memcpy(init, full, 4);
	init[4] = '\0';
	memcpy(num, full + 4, 8);
	*q = meta_add_equipment(x->m);
	if (*q) {
		snprintf((*q)->number, sizeof((*q)->number), "%s", full);
		(*q)->check_digit_valid = !bad;
	}
}

static void body_309(struct xw *x)
{
	x_m10(x);
	x_p4(x);
	for (unsigned lx = 1, n = rng_range(x->r, 1, 3); lx <= n; lx++) {
		struct meta_reference *ref = meta_add_ref(x->m);
		struct meta_location *l = meta_add_location(x->m);
		struct meta_equipment *q;
		const char *fport = val_foreign_port(x->r);
		char bl[40], pk[12], wt[12], num[8], init[8], cnum[12], seal[24];

		if (!ref || !l)
			return;
		val_bill_of_lading(x->r, bl, sizeof(bl));
		snprintf(num, sizeof(num), "%u", lx);
		snprintf(pk, sizeof(pk), "%u", rng_range(x->r, 1, 900));
		snprintf(wt, sizeof(wt), "%u", rng_range(x->r, 100, 30000));
		segw_tag(&x->w, "LX");
		segw_el(&x->w, num);
		segw_end(&x->w);
		segw_tag(&x->w, "M11");
		snprintf(ref->qualifier, sizeof(ref->qualifier), "BM");
		segw_el_keep(&x->w, bl, ref->value, sizeof(ref->value));
		snprintf(l->qualifier, sizeof(l->qualifier), "M11");
		segw_el_keep(&x->w, fport, l->code, sizeof(l->code));
		snprintf(l->code_list, sizeof(l->code_list), "K");
		segw_el(&x->w, pk);
		segw_el(&x->w, "PKG");
		segw_el(&x->w, wt);
		segw_el(&x->w, "K");
		segw_end(&x->w);
		x_n1(x, "SH");
		x_n1(x, "CN");
		x_n1(x, "N1");
		container_parts(x, &q, init, cnum);
		val_seal(x->r, seal, sizeof(seal));
		segw_tag(&x->w, "VID");
		segw_el(&x->w, "CN");
		segw_el(&x->w, init);
		segw_el(&x->w, cnum);
		if (q) {
			segw_el_keep(&x->w, seal, q->seals[0], sizeof(q->seals[0]));
			q->nseals = 1;
		}
		segw_end(&x->w);
		for (unsigned g = rng_range(x->r, 1, 2); g > 0; g--) {
			struct meta_goods *gd = meta_add_goods(x->m);
			char text[160], hs[16], gpk[12];

			if (!gd)
				break;
			val_goods_text(x->r, false, text, sizeof(text));
			val_hs_code(x->r, hs, sizeof(hs));
			snprintf(gpk, sizeof(gpk), "%u", rng_range(x->r, 1, 900));
			segw_tag(&x->w, "N10");
			segw_el_keep(&x->w, gpk, gd->packages, sizeof(gd->packages));
			segw_el_keep(&x->w, text, gd->description, sizeof(gd->description));
			segw_el(&x->w, "NO MARKS");
			segw_el(&x->w, "J");
			segw_el_keep(&x->w, hs, gd->hs_code, sizeof(gd->hs_code));
			segw_end(&x->w);
		}
	}
}

static void body_350(struct xw *x)
{
	x_m10(x);
	x_p4(x);
	x_n9_new(x, "BM");
	x_n9_new(x, "BN");
	{
		/* N1*CN with its N4 only (no N3). */
		struct meta_party *p = meta_add_party(x->m);
		char id[40], name[128];

		if (p) {
			val_party_id(x->r, id, sizeof(id));
			val_company(x->r, false, name, sizeof(name));
			segw_tag(&x->w, "N1");
			segw_el_keep(&x->w, "CN", p->role, sizeof(p->role));
			segw_el_keep(&x->w, name, p->name, sizeof(p->name));
			segw_el(&x->w, "ZZ");
			segw_el_keep(&x->w, id, p->id, sizeof(p->id));
			segw_end(&x->w);
			segw_tag(&x->w, "N4");
			segw_el(&x->w, val_city(x->r));
			segw_el(&x->w, "");
			segw_el(&x->w, "");
			segw_el_keep(&x->w, val_country(x->r), p->country, sizeof(p->country));
			segw_end(&x->w);
		}
	}
	x_dtm(x, "139");
}

static void body_315(struct xw *x)
{
	struct meta_equipment *q;
	struct meta_transport *t;
	char init[8], num[12], full[24], d[12], imo[12], voyage[16];

	container_parts(x, &q, init, num);
	snprintf(full, sizeof(full), "%s%s", init, num);
	val_date(x->r, true, d, sizeof(d));
	num[6] = '\0';  /* B4 carries the 6-digit serial, without check digit */
	segw_tag(&x->w, "B4");
	segw_el(&x->w, "");
	segw_el(&x->w, "");
	segw_el(&x->w, rng_chance(x->r, 0.5) ? "VA" : "AE");
	segw_el(&x->w, d);
	segw_el(&x->w, "0807");
	segw_el(&x->w, "");
	segw_el(&x->w, init);
	segw_el(&x->w, num);
	segw_el(&x->w, "E");
	segw_end(&x->w);
	x_n9_new(x, "BM");
	x_n9_new(x, "BN");
	x_n9(x, "EQ", full);
	t = meta_add_transport(x->m);
	if (t) {
		val_imo(x->r, imo, sizeof(imo));
		val_voyage(x->r, voyage, sizeof(voyage));
		segw_tag(&x->w, "Q2");
		segw_el_keep(&x->w, imo, t->imo, sizeof(t->imo));
		for (int i = 0; i < 7; i++)
			segw_el(&x->w, "");
		segw_el_keep(&x->w, voyage, t->voyage, sizeof(t->voyage));
		segw_el(&x->w, "");
		segw_el(&x->w, "");
		segw_el(&x->w, "L");
		segw_el_keep(&x->w, val_vessel_name(x->r), t->vessel_name, sizeof(t->vessel_name));
		segw_end(&x->w);
	}
	x_r4(x, "L");
	x_dtm(x, "140");
	x_r4(x, "D");
}

static void body_310(struct xw *x)
{
	struct meta_transport *t;
	char imo[12], voyage[16], b3[24];

	val_reference(x->r, "", b3, sizeof(b3));
	segw_tag(&x->w, "B3");
	segw_el(&x->w, "3");
	segw_el(&x->w, b3);
	segw_end(&x->w);
	segw_tag(&x->w, "B2A");
	segw_el(&x->w, "00");
	segw_el(&x->w, "BL");
	segw_end(&x->w);
	x_n9_new(x, "BN");
	x_n9_new(x, "BM");
	t = meta_add_transport(x->m);
	if (t) {
		val_imo(x->r, imo, sizeof(imo));
		val_voyage(x->r, voyage, sizeof(voyage));
		segw_tag(&x->w, "V1");
		segw_el_keep(&x->w, imo, t->imo, sizeof(t->imo));
		segw_el_keep(&x->w, val_vessel_name(x->r), t->vessel_name, sizeof(t->vessel_name));
		segw_el(&x->w, val_country(x->r));
		segw_el_keep(&x->w, voyage, t->voyage, sizeof(t->voyage));
		for (int i = 0; i < 3; i++)
			segw_el(&x->w, "");
		segw_el(&x->w, "L");
		segw_end(&x->w);
	}
	x_n1(x, "SH");
	x_n1(x, "CN");
	x_n1(x, "N1");
	x_r4(x, "L");
	x_r4(x, "D");
	for (unsigned lx = 1, n = rng_range(x->r, 1, 2); lx <= n; lx++) {
		struct meta_equipment *q;
		struct meta_goods *gd;
		char num[8], init[8], cnum[12], seal[24], text[160], hs[16];

		snprintf(num, sizeof(num), "%u", lx);
		segw_tag(&x->w, "LX");
		segw_el(&x->w, num);
		segw_end(&x->w);
		container_parts(x, &q, init, cnum);
		segw_tag(&x->w, "N7");
		segw_el(&x->w, init);
		segw_el(&x->w, cnum);
		segw_end(&x->w);
		if (q && rng_chance(x->r, 0.7)) {
			val_seal(x->r, seal, sizeof(seal));
			segw_tag(&x->w, "M7");
			segw_el_keep(&x->w, seal, q->seals[0], sizeof(q->seals[0]));
			segw_end(&x->w);
			q->nseals = 1;
		}
		segw_tag(&x->w, "L0");
		segw_el(&x->w, num);
		segw_el(&x->w, "");
		segw_el(&x->w, "");
		segw_el(&x->w, "17007");
		segw_el(&x->w, "G");
		segw_end(&x->w);
		gd = meta_add_goods(x->m);
		if (!gd)
			continue;
		val_goods_text(x->r, false, text, sizeof(text));
		val_hs_code(x->r, hs, sizeof(hs));
		segw_tag(&x->w, "L5");
		segw_el(&x->w, num);
		segw_el_keep(&x->w, text, gd->description, sizeof(gd->description));
		segw_el_keep(&x->w, hs, gd->hs_code, sizeof(gd->hs_code));
		segw_el(&x->w, "Z");
		segw_end(&x->w);
	}
}

static void (*const x_bodies[XT_COUNT])(struct xw *) = {
	[XT_309] = body_309, [XT_350] = body_350, [XT_315] = body_315, [XT_310] = body_310,
};

/* Element separator, segment terminator, component separator. */
static const struct {
	char element, terminator, component;
} x_sep_sets[] = {
	{ '*', '~', '>' }, { '|', '\n', '^' }, { '+', '\'', ':' }, { 0x7f, '~', '>' },
	{ '*', 0x15, ':' }, { '~', '\r', '>' }, { '*', '\n', '>' },
};

static void x_seps(struct xw *x, bool odd, struct ichg_info *info)
{
	unsigned i = odd ? rng_below(x->r, sizeof(x_sep_sets) / sizeof(x_sep_sets[0])) : 0;
	struct edi_seps *s = &x->w.seps;

	s->element = x_sep_sets[i].element;
	s->terminator = x_sep_sets[i].terminator;
	s->component = x_sep_sets[i].component;
	s->decimal = '.';
	s->release = '\0';
	s->repetition = ' ';
	if (s->terminator == '\n' || s->terminator == '\r') {
		s->after = s->terminator == '\r' ? "\n" : "";
		info->layout = s->terminator == '\r' ? "crlf" : "lf";
	} else if (rng_chance(x->r, x->cfg->oneline_share)) {
		s->after = "";
		info->layout = "oneline";
	} else if (rng_chance(x->r, 0.5)) {
		s->after = "\r\n";
		info->layout = "crlf";
	} else {
		s->after = "\n";
		info->layout = "lf";
	}
}

/* One fixed-width ISA field, padded with spaces. */
static void isa_field(struct xw *x, const char *v, int width)
{
	char tmp[32];

	snprintf(tmp, sizeof(tmp), "%c%-*.*s", x->w.seps.element, width, width, v);
	segw_raw(&x->w, tmp);
}

static void x_isa(struct xw *x, struct meta_envelope *env, bool v5, bool test, bool nonfixed)
{
	static const char *const quals[] = { "ZZ", "01", "02", "12" };
	char sender[40], recip[40], date[8], tm[8], ctrl[12], rep[2];

	val_edi_address(x->r, sender, sizeof(sender));
	val_edi_address(x->r, recip, sizeof(recip));
	sender[15] = recip[15] = '\0';
	val_date(x->r, false, date, sizeof(date));
	val_time(x->r, tm, sizeof(tm));
	snprintf(ctrl, sizeof(ctrl), "%09u", rng_range(x->r, 1, 999999999));
	snprintf(env->sender_qualifier, sizeof(env->sender_qualifier), "%s", RNG_PICK(x->r, quals));
	snprintf(env->recipient_qualifier, sizeof(env->recipient_qualifier), "%s",
		 RNG_PICK(x->r, quals));
	snprintf(env->sender_id, sizeof(env->sender_id), "%s", sender);
	snprintf(env->recipient_id, sizeof(env->recipient_id), "%s", recip);
	snprintf(env->date, sizeof(env->date), "%s", date);
	snprintf(env->time, sizeof(env->time), "%s", tm);
	snprintf(env->control_ref, sizeof(env->control_ref), "%s", ctrl);
	snprintf(env->syntax_id, sizeof(env->syntax_id), "ISA");
	snprintf(env->syntax_version, sizeof(env->syntax_version), v5 ? "00501" : "00401");
	env->test = test;
	/* ISA11: 'U' up to 00401, the repetition separator from 00402 on. */
	rep[0] = v5 ? (x->w.seps.component == '^' ? '!' : '^') : 'U';
	rep[1] = '\0';
	if (v5)
		x->w.seps.repetition = rep[0];  /* so values never contain it */
	segw_tag(&x->w, "ISA");
	isa_field(x, "00", 2);
	isa_field(x, "", 10);
	isa_field(x, "00", 2);
	isa_field(x, "", 10);
	isa_field(x, env->sender_qualifier, 2);
	/* Some senders do not pad the ids: the fixed offsets break, and the
	 * separators must be found by counting elements. */
	isa_field(x, sender, nonfixed ? (int)strlen(sender) : 15);
	isa_field(x, env->recipient_qualifier, 2);
	isa_field(x, recip, nonfixed ? (int)strlen(recip) : 15);
	isa_field(x, date, 6);
	isa_field(x, tm, 4);
	isa_field(x, rep, 1);
	isa_field(x, env->syntax_version, 5);
	isa_field(x, ctrl, 9);
	isa_field(x, "0", 1);
	isa_field(x, test ? "T" : "P", 1);
	{
		char c[2] = { x->w.seps.component, 0 };

		isa_field(x, c, 1);
	}
	segw_end(&x->w);
}

static void x_message(struct xw *x, int type, const struct meta_envelope *env, bool truncate,
		      ichg_message_fn fn, void *ctx)
{
	struct msg_meta m;
	char ref[12];

	ichg_message_begin(&x->w, &m, META_X12, env);
	x->m = &m;
	snprintf(ref, sizeof(ref), "%04u", rng_range(x->r, 1, 99999));
	segw_tag(&x->w, "ST");
	segw_el_keep(&x->w, x_types[type].id, m.env.message_type, sizeof(m.env.message_type));
	segw_el_keep(&x->w, ref, m.env.message_ref, sizeof(m.env.message_ref));
	segw_end(&x->w);
	x_bodies[type](x);
	x->m = NULL;
	ichg_message_end(&x->w, &m, "SE", ref, truncate, fn, ctx);
}

int x12_build(struct rng *r, const struct ichg_cfg *cfg, bool truncate, struct ebuf *b,
	      struct ichg_info *info, ichg_message_fn fn, void *ctx)
{
	struct xw x = { .r = r, .cfg = cfg };
	bool v5 = rng_chance(r, 0.3);
	unsigned nmsgs = rng_range(r, cfg->msgs_min, cfg->msgs_max);
	unsigned ngroups = rng_chance(r, cfg->ung_share) ? rng_range(r, 1, 2) : 1;
	struct meta_envelope env;
	unsigned done = 0;

	if (nmsgs == 0)
		nmsgs = 1;
	if (ngroups > nmsgs)
		ngroups = nmsgs;
	memset(info, 0, sizeof(*info));
	memset(&env, 0, sizeof(env));
	x.w.b = b;
	x.w.x12 = true;
	x.w.cs = CS_UNOB;
	x_seps(&x, rng_chance(r, cfg->odd_seps_share), info);
	info->syntax = META_X12;
	info->start = b->len;
	info->isa_nonfixed = rng_chance(r, cfg->isa_nonfixed_share);
	x_isa(&x, &env, v5, rng_chance(r, cfg->test_share), info->isa_nonfixed);
	info->seps = x.w.seps;
	info->env = env;
	for (unsigned g = 0; g < ngroups; g++) {
		unsigned k = g + 1 == ngroups ? nmsgs - done
					      : rng_range(r, 1, nmsgs - done - (ngroups - g - 1));
		int type = ichg_pick_type(r, cfg->x12_types, XT_COUNT);
		struct meta_envelope genv = env;
		char gs[40], gr[40], gcn[12], d[12], tm[8];

		if (type < 0)
			return -EINVAL;
		val_edi_address(r, gs, sizeof(gs));
		val_edi_address(r, gr, sizeof(gr));
		snprintf(gcn, sizeof(gcn), "%u", rng_range(r, 1, 999999));
		val_date(r, true, d, sizeof(d));
		val_time(r, tm, sizeof(tm));
		segw_tag(&x.w, "GS");
		segw_el_keep(&x.w, x_types[type].group, genv.group_id, sizeof(genv.group_id));
		segw_el_keep(&x.w, gs, genv.group_sender, sizeof(genv.group_sender));
		segw_el_keep(&x.w, gr, genv.group_recipient, sizeof(genv.group_recipient));
		segw_el(&x.w, d);
		segw_el(&x.w, tm);
		segw_el_keep(&x.w, gcn, genv.group_control_ref, sizeof(genv.group_control_ref));
		segw_el_keep(&x.w, "X", genv.agency, sizeof(genv.agency));
		segw_el_keep(&x.w, v5 ? "005010" : "004010", genv.message_version,
			     sizeof(genv.message_version));
		segw_end(&x.w);
		info->groups++;
		for (unsigned i = 0; i < k; i++) {
			bool last = done + 1 == nmsgs;

			x_message(&x, type, &genv, truncate && last, fn, ctx);
			info->messages++;
			done++;
			if (truncate && last) {
				info->truncated = true;
				return b->err;
			}
		}
		segw_trailer(&x.w, "GE", k, gcn);
	}
	segw_trailer(&x.w, "IEA", ngroups, env.control_ref);
	return b->err;
}
