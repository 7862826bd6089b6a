/* Matching semantics per indicator type, positive and negative, field
 * restrictions, expiry, evidence, findings and the Hit. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "match.h"
#include "test_match_fixture.h"

#define NOW 1800000000ull

struct ind {
	enum indicator_type type;
	const char *value;
	const char *fields;
	uint64_t expires;
};

static struct indicator_store *store_of(const struct ind *inds, size_t n)
{
	struct indicator_builder *b = indicator_builder_new();
	int feed = indicator_builder_add_feed(b, "/etc/feeds/unit.intel");

	assert_int_equal(feed, 0);
	for (size_t i = 0; i < n; i++) {
		struct feed_entry e = {
			.indicator = inds[i].value, .type = inds[i].type, .source = "unit",
			.desc = "d", .fields = inds[i].fields, .confidence = 40,
			.expires = inds[i].expires,
		};
		const char *why;

		assert_int_equal(indicator_builder_add(b, 0, &e, &why), 0);
	}
	return indicator_builder_finish(b);
}

/* Matches one store against one message; returns the set (caller finis). */
static int run(const struct ind *inds, size_t n, Edisensor__V1__Message *m, struct match_set *ms)
{
	struct indicator_store *s = store_of(inds, n);
	int rc;

	match_set_init(ms);
	rc = indicator_store_match(s, m, NOW, ms);
	indicator_store_free(s);   /* the set holds copies: must survive this */
	return rc;
}

static const Edisensor__V1__Match *find_field(const struct match_set *ms, const char *field)
{
	for (size_t i = 0; i < ms->n_matches; i++)
		if (strcmp(ms->matches[i]->field, field) == 0)
			return ms->matches[i];
	return NULL;
}

static void test_party_id_and_reference(void **state)
{
	static const struct ind inds[] = {
		{ INDICATOR_PARTY_ID, "de 1234 5678", NULL, 0 },
		{ INDICATOR_REFERENCE, "maeu123456789", NULL, 0 },
		{ INDICATOR_REFERENCE, "ABC-1", NULL, 0 },
	};
	Edisensor__V1__Message *m = fx_msg();
	struct match_set ms;
	const Edisensor__V1__Match *x;

	(void)state;
	fx_party(m, "CZ", "DE12345678", "Somebody");
	fx_party(m, "CN", "DE123456789", "Other");         /* longer: no */
	fx_reference(m, "BM", "MAEU 123456789");
	fx_reference(m, "BN", "ABC1");                     /* dash matters: no */
	assert_int_equal(run(inds, 3, m, &ms), 2);
	x = find_field(&ms, "parties[CZ].id");
	assert_non_null(x);
	assert_string_equal(x->indicator, "de 1234 5678");
	assert_string_equal(x->indicator_type, "EDI::PARTY_ID");
	assert_string_equal(x->feed, "unit.intel");
	assert_string_equal(x->source, "unit");
	assert_int_equal(x->confidence, 40);
	assert_string_equal(x->value, "DE12345678");
	assert_string_equal(x->evidence->tag, "NAD");
	assert_non_null(find_field(&ms, "references[BM].value"));
	match_set_fini(&ms);
	fx_free(m);
}

static void test_hs_prefix(void **state)
{
	static const struct ind inds[] = {
		{ INDICATOR_HS_CODE, "6109", NULL, 0 },
		{ INDICATOR_HS_CODE, "42.02.21", NULL, 0 },
		{ INDICATOR_HS_CODE, "85", NULL, 0 },
	};
	Edisensor__V1__Message *m = fx_msg();
	struct match_set ms;
	const Edisensor__V1__Match *x;

	(void)state;
	fx_goods(m, "T-SHIRTS", "610910");           /* heading 6109: yes */
	fx_goods(m, "SHIRTS", "6109.10.00");         /* yes */
	fx_goods(m, "COTTON", "6110");               /* no */
	fx_goods(m, "BAGS", "420221");               /* subheading: yes */
	fx_goods(m, "BAGS", "4202");                 /* less specific than the indicator: no */
	fx_goods(m, "PHONES", "851712");             /* chapter 85: yes */
	fx_goods(m, "X", "61");                      /* shorter than 6109: no */
	assert_int_equal(run(inds, 3, m, &ms), 4);
	assert_non_null(find_field(&ms, "goods[0].hs_code"));
	x = find_field(&ms, "goods[1].hs_code");
	assert_non_null(x);
	assert_string_equal(x->value, "6109.10.00");
	assert_string_equal(x->evidence->tag, "CST");   /* the segment holding the code */
	assert_non_null(find_field(&ms, "goods[3].hs_code"));
	assert_non_null(find_field(&ms, "goods[5].hs_code"));
	match_set_fini(&ms);
	fx_free(m);
}

static void test_container_and_finding(void **state)
{
	static const struct ind inds[] = {
		{ INDICATOR_CONTAINER, "msku 907032-3", NULL, 0 },
		{ INDICATOR_CONTAINER, "CSQU3054384", NULL, 0 },   /* a fake number as listed */
	};
	Edisensor__V1__Message *m = fx_msg();
	struct match_set ms;
	Edisensor__V1__Hit hit = EDISENSOR__V1__HIT__INIT;

	(void)state;
	fx_equipment(m, "MSKU9070323");
	fx_equipment(m, "CSQU 305438 4");     /* listed, and a bad check digit */
	fx_equipment(m, "TGHU7602434");       /* valid, not listed */
	fx_equipment(m, "TGHU7602435");       /* bad check digit, not listed */
	fx_equipment(m, "ABC123");            /* not ISO shape: no finding */
	assert_int_equal(run(inds, 2, m, &ms), 4);
	assert_int_equal(ms.n_matches, 2);
	assert_int_equal(ms.n_findings, 2);
	assert_string_equal(ms.findings[0]->kind, "CONTAINER_CHECK_DIGIT");
	assert_string_equal(ms.findings[0]->field, "equipment[1].number");
	assert_string_equal(ms.findings[1]->field, "equipment[3].number");
	assert_string_equal(ms.findings[1]->evidence->text, "EQD+CN+TGHU7602435'");
	assert_non_null(strstr(ms.findings[1]->detail, "4"));
	assert_true(match_build_hit(&hit, m, &ms));
	assert_ptr_equal(hit.message, m);
	assert_int_equal(hit.n_matches, 2);
	assert_int_equal(hit.n_findings, 2);
	/* The hit packs, evidence and all. */
	assert_true(edisensor__v1__hit__get_packed_size(&hit) > 100);
	match_set_fini(&ms);
	fx_free(m);
}

static void test_names_and_keywords(void **state)
{
	static const struct ind inds[] = {
		{ INDICATOR_PARTY_NAME, "Shenzhen Fake-Goods Trading", NULL, 0 },
		{ INDICATOR_KEYWORD, "ROLEX", NULL, 0 },
		{ INDICATOR_KEYWORD, "louis  vuitton", NULL, 0 },
		{ INDICATOR_KEYWORD, "vuitton", NULL, 0 },
	};
	Edisensor__V1__Message *m = fx_msg();
	struct match_set ms;

	(void)state;
	fx_party(m, "CZ", "", "SHENZHEN FAKE GOODS  TRADING CO., LTD");   /* punctuation, case */
	fx_party(m, "CN", "", "Shenzhen Real Goods Trading");             /* no */
	fx_party(m, "N1", "", "rolex watches ltd");    /* keyword type never matches a name */
	fx_goods(m, "WATCHES, ROLEX-STYLE; ROLEX BOX", "9102");  /* twice: one match */
	fx_goods(m, "BAGS LOUIS-VUITTON", "4202");              /* both keywords */
	fx_goods(m, "LOUIS VUITON BAGS", "4202");               /* misspelt: no */
	assert_int_equal(run(inds, 4, m, &ms), 4);
	assert_non_null(find_field(&ms, "parties[CZ].name"));
	assert_non_null(find_field(&ms, "goods[0].description"));
	assert_string_equal(find_field(&ms, "goods[0].description")->evidence->tag, "FTX");
	assert_null(find_field(&ms, "parties[N1].name"));
	assert_null(find_field(&ms, "goods[2].description"));
	match_set_fini(&ms);
	fx_free(m);
}

static void test_names_beyond_ascii(void **state)
{
	static const struct ind inds[] = {
		{ INDICATOR_PARTY_NAME, "Müller Trading", NULL, 0 },
		{ INDICATOR_KEYWORD, "jamón", NULL, 0 },
	};
	Edisensor__V1__Message *m = fx_msg();
	struct match_set ms;

	(void)state;
	fx_party(m, "CN", "", "MÜLLER TRADING GMBH");
	fx_party(m, "CZ", "", "MULLER TRADING GMBH");      /* no diacritic: another name */
	fx_goods(m, "12 JAMÓN SERRANO", "0210");
	assert_int_equal(run(inds, 2, m, &ms), 2);
	assert_non_null(find_field(&ms, "parties[CN].name"));
	assert_non_null(find_field(&ms, "goods[0].description"));
	match_set_fini(&ms);
	fx_free(m);
}

static void test_vessel_locode(void **state)
{
	static const struct ind inds[] = {
		{ INDICATOR_VESSEL, "IMO 9321483", NULL, 0 },
		{ INDICATOR_VESSEL, "Ever  Fake", NULL, 0 },
		{ INDICATOR_LOCODE, "cn szx", NULL, 0 },
	};
	Edisensor__V1__Message *m = fx_msg();
	struct match_set ms;

	(void)state;
	fx_transport(m, "9321483", "EVER FAKE");
	fx_transport(m, "9321484", "EVER FAKER");      /* neither; a wrong check digit */
	fx_location(m, "9", "CNSZX");
	fx_location(m, "11", "CN SZX");
	fx_location(m, "8", "CNSZ");                   /* no */
	/* LOC+13+CNSZX:139:87: a carrier's port code, no UN/LOCODE: only
	 * locode is matched */
	fx_location(m, "13", "");
	m->locations[3]->code = fx_strdup("CNSZX");
	m->locations[3]->code_list = fx_strdup("139:87");
	assert_int_equal(run(inds, 3, m, &ms), 5);
	assert_int_equal(ms.n_findings, 1);
	assert_string_equal(ms.findings[0]->kind, "IMO_CHECK_DIGIT");
	assert_string_equal(ms.findings[0]->field, "transport[1].imo");
	assert_string_equal(ms.findings[0]->value, "9321484");
	assert_non_null(strstr(ms.findings[0]->detail, "3"));   /* 123: 3 */
	assert_string_equal(ms.findings[0]->evidence->tag, "TDT");
	assert_non_null(find_field(&ms, "transport[0].imo"));
	assert_non_null(find_field(&ms, "transport[0].vessel_name"));
	assert_non_null(find_field(&ms, "locations[9].locode"));
	assert_non_null(find_field(&ms, "locations[11].locode"));
	match_set_fini(&ms);
	fx_free(m);
}

static void test_addresses(void **state)
{
	static const struct ind inds[] = {
		{ INDICATOR_ADDR, "198.51.100.7", NULL, 0 },
		{ INDICATOR_SUBNET, "203.0.113.0/24", NULL, 0 },
		{ INDICATOR_SUBNET, "203.0.113.128/25", NULL, 0 },
		{ INDICATOR_SUBNET, "2001:db8:bad::/48", NULL, 0 },
	};
	Edisensor__V1__Message *m = fx_msg();
	struct match_set ms;

	(void)state;
	fx_flow(m, "203.0.113.200", "2001:db8:bad:1::5");
	assert_int_equal(run(inds, 4, m, &ms), 2);
	/* Longest prefix: the /25, not the /24 as well. */
	assert_string_equal(find_field(&ms, "flow.src_ip")->indicator, "203.0.113.128/25");
	assert_string_equal(find_field(&ms, "flow.dst_ip")->indicator, "2001:db8:bad::/48");
	assert_null(find_field(&ms, "flow.src_ip")->evidence);
	match_set_fini(&ms);
	fx_free(m);

	m = fx_msg();
	fx_flow(m, "203.0.113.5", "198.51.100.8");
	assert_int_equal(run(inds, 4, m, &ms), 1);
	assert_string_equal(find_field(&ms, "flow.src_ip")->indicator, "203.0.113.0/24");
	match_set_fini(&ms);
	fx_free(m);
}

static void test_fields_restriction(void **state)
{
	static const struct ind inds[] = {
		{ INDICATOR_PARTY_NAME, "acme replica", "parties[CZ],parties[SH].name", 0 },
		{ INDICATOR_REFERENCE, "R1", "references[BM]", 0 },
	};
	Edisensor__V1__Message *m = fx_msg();
	struct match_set ms;

	(void)state;
	fx_party(m, "CZ", "", "Acme Replica");
	fx_party(m, "SH", "", "Acme Replica Inc");
	fx_party(m, "CN", "", "Acme Replica");        /* consignee: not this indicator's field */
	fx_reference(m, "BM", "R1");
	fx_reference(m, "BN", "R1");                  /* booking: no */
	assert_int_equal(run(inds, 2, m, &ms), 3);
	assert_null(find_field(&ms, "parties[CN].name"));
	assert_null(find_field(&ms, "references[BN].value"));
	match_set_fini(&ms);
	fx_free(m);
	assert_true(indicator_fields_allow("goods", "goods[3].description"));
	assert_false(indicator_fields_allow("goods.hs_code", "goods[3].description"));
	assert_true(indicator_fields_allow(" flow.src_ip , flow.dst_ip", "flow.dst_ip"));
}

static void test_expiry(void **state)
{
	static const struct ind inds[] = {
		{ INDICATOR_REFERENCE, "OLD", NULL, NOW - 1 },
		{ INDICATOR_REFERENCE, "NOW", NULL, NOW },
		{ INDICATOR_REFERENCE, "LATER", NULL, NOW + 1 },
	};
	Edisensor__V1__Message *m = fx_msg();
	struct match_set ms;

	(void)state;
	fx_reference(m, "BM", "OLD");
	fx_reference(m, "BM", "NOW");
	fx_reference(m, "BM", "LATER");
	assert_int_equal(run(inds, 3, m, &ms), 1);
	assert_string_equal(ms.matches[0]->indicator, "LATER");
	match_set_fini(&ms);
	fx_free(m);
}

static void test_evidence_through_release_characters(void **state)
{
	static const struct ind inds[] = { { INDICATOR_KEYWORD, "handbags", NULL, 0 } };
	Edisensor__V1__Message *m = fx_msg();
	struct match_set ms;
	size_t n;

	(void)state;
	fx_goods(m, "HANDBAGS * LEATHER", "4202");
	/* As on the wire: the item's segments are GID then FTX with the `*`
	 * released; the value appears in neither literally. */
	free(m->goods[0]->evidence);
	m->goods[0]->evidence = fx_segment(m, "GID", "GID+1+12:PK'", &n);
	m->goods[0]->evidence = realloc(m->goods[0]->evidence, 2 * sizeof(uint32_t));
	m->goods[0]->evidence[1] = 0;   /* the FTX fx_goods made first */
	m->goods[0]->n_evidence = 2;
	free(m->segments[0]->text);
	m->segments[0]->text = fx_strdup("FTX+AAA+++HANDBAGS ?* LEATHER'");
	assert_int_equal(run(inds, 1, m, &ms), 1);
	assert_string_equal(ms.matches[0]->evidence->tag, "FTX");
	match_set_fini(&ms);
	fx_free(m);
}

static void test_no_match_no_hit(void **state)
{
	static const struct ind inds[] = { { INDICATOR_REFERENCE, "X", NULL, 0 } };
	Edisensor__V1__Message *m = fx_msg();
	struct match_set ms;
	Edisensor__V1__Hit hit = EDISENSOR__V1__HIT__INIT;

	(void)state;
	fx_reference(m, "BM", "Y");
	fx_equipment(m, "MSKU9070323");
	assert_int_equal(run(inds, 1, m, &ms), 0);
	assert_false(match_build_hit(&hit, m, &ms));
	assert_null(hit.message);
	/* No store at all: findings still work. */
	fx_equipment(m, "MSKU9070324");
	assert_int_equal(indicator_store_match(NULL, m, NOW, &ms), 1);
	match_set_fini(&ms);
	fx_free(m);
}

static void test_several_feeds_same_key(void **state)
{
	struct indicator_builder *b = indicator_builder_new();
	struct feed_entry e = { .indicator = "MSKU9070323", .type = INDICATOR_CONTAINER };
	Edisensor__V1__Message *m = fx_msg();
	struct indicator_store *s;
	struct match_set ms;
	const char *why;

	(void)state;
	assert_int_equal(indicator_builder_add_feed(b, "a.intel"), 0);
	assert_int_equal(indicator_builder_add_feed(b, "b.csv"), 1);
	e.source = "first";
	assert_int_equal(indicator_builder_add(b, 0, &e, &why), 0);
	e.source = "second";                                  /* same feed again: updates */
	assert_int_equal(indicator_builder_add(b, 0, &e, &why), 0);
	e.source = "other";
	assert_int_equal(indicator_builder_add(b, 1, &e, &why), 0);
	s = indicator_builder_finish(b);
	assert_int_equal(indicator_store_count(s), 2);
	fx_equipment(m, "MSKU 907032 3");
	match_set_init(&ms);
	assert_int_equal(indicator_store_match(s, m, NOW, &ms), 2);
	assert_true((strcmp(ms.matches[0]->feed, "a.intel") == 0 &&
		     strcmp(ms.matches[0]->source, "second") == 0) ||
		    (strcmp(ms.matches[1]->feed, "a.intel") == 0 &&
		     strcmp(ms.matches[1]->source, "second") == 0));
	match_set_fini(&ms);
	indicator_store_free(s);
	fx_free(m);
}

static void test_invalid_values(void **state)
{
	struct indicator_builder *b = indicator_builder_new();
	static const struct {
		enum indicator_type t;
		const char *v;
	} bad[] = {
		{ INDICATOR_ADDR, "10.0.0.0/8" },  { INDICATOR_ADDR, "10.0.0" },
		{ INDICATOR_SUBNET, "10.0.0.0/33" }, { INDICATOR_HS_CODE, "6" },
		{ INDICATOR_HS_CODE, "HS6109" },   { INDICATOR_CONTAINER, "AB" },
		{ INDICATOR_CONTAINER, "MSKU#1234567" }, { INDICATOR_LOCODE, "D" },
		{ INDICATOR_PARTY_NAME, "a." },   { INDICATOR_KEYWORD, "--" },
		{ INDICATOR_PARTY_ID, "  " },
	};
	const char *why;

	(void)state;
	indicator_builder_add_feed(b, "x");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct feed_entry e = { .indicator = bad[i].v, .type = bad[i].t };

		why = NULL;
		assert_true(indicator_builder_add(b, 0, &e, &why) < 0);
		assert_non_null(why);
	}
	indicator_builder_free(b);
}

static void test_normalisers(void **state)
{
	char out[64];

	(void)state;
	indicator_norm_text("  ACME--Replica,  Co.Ltd ", out, sizeof(out));
	assert_string_equal(out, "acme replica co ltd");
	indicator_norm_text("MÜLLER GmbH", out, sizeof(out));
	assert_string_equal(out, "müller gmbh");
	indicator_norm_text("ÅKERLUND, SØRENSEN & GARÇON", out, sizeof(out));
	assert_string_equal(out, "åkerlund sørensen garçon");
	indicator_norm_text("ŁÓDŹ ŻEGLUGA Ÿ", out, sizeof(out));            /* 8859-2, Ÿ */
	assert_string_equal(out, "łódź żegluga ÿ");
	indicator_norm_text("ΑΘΗΝΑ ΆΝΟΔΟΣ", out, sizeof(out));              /* Greek */
	assert_string_equal(out, "αθηνα άνοδοσ");
	indicator_norm_text("άνοδος", out, sizeof(out));   /* final sigma folds too */
	assert_string_equal(out, "άνοδοσ");
	indicator_norm_text("МОСКВА ЁЛКА", out, sizeof(out));               /* Cyrillic */
	assert_string_equal(out, "москва ёлка");
	indicator_norm_text("İ×\xff\xc3", out, sizeof(out));    /* no same-length fold, bad bytes */
	assert_string_equal(out, "İ×\xff\xc3");
	assert_int_equal(indicator_norm_text("ab ÜÜ", out, 6), 5);  /* never half a character */
	assert_string_equal(out, "ab ü");
	indicator_norm_exact(" de 12 ab\t", out, sizeof(out));
	assert_string_equal(out, "DE12AB");
	assert_int_equal(indicator_norm_imo("IMO: 9321483", out), 0);
	assert_string_equal(out, "9321483");
	assert_true(indicator_norm_imo("932148", out) < 0);
	assert_true(indicator_norm_imo("93214833", out) < 0);
	assert_int_equal(indicator_norm_text("abcdef", out, 4), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_party_id_and_reference),
		cmocka_unit_test(test_hs_prefix),
		cmocka_unit_test(test_container_and_finding),
		cmocka_unit_test(test_names_and_keywords),
		cmocka_unit_test(test_names_beyond_ascii),
		cmocka_unit_test(test_vessel_locode),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_fields_restriction),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_evidence_through_release_characters),
		cmocka_unit_test(test_no_match_no_hit),
		cmocka_unit_test(test_several_feeds_same_key),
		cmocka_unit_test(test_invalid_values),
		cmocka_unit_test(test_normalisers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
