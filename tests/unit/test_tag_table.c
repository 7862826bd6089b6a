/*
 * The tag class table userspace fills for the fast path (tag_table.c,
 * bpf/tags.h): every word of three 7-bit bytes reads back as
 * es_tagt_class() with the configuration's answer, and the table agrees
 * with what the host build of the fast path computes from es_scan_want().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "tag_table.h"

static int named(__u32 t, const char (*tags)[4], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		__u32 k = 0;

		memcpy(&k, tags[i], strnlen(tags[i], 4));
		if (k == t || k == '*')
			return 1;
	}
	return 0;
}

/* Every index of the table against es_tagt_class(); returns the number of
 * tags forwarded. */
static size_t check_all(const char (*tags)[4], size_t n, bool want_all)
{
	__u64 *tbl = malloc(ES_TAGT_WORDS * sizeof(*tbl));
	size_t fwd = 0;

	assert_non_null(tbl);
	memset(tbl, 0xA5, ES_TAGT_WORDS * sizeof(*tbl));   /* built over old contents */
	assert_int_equal(tag_table_build(tbl, tags, n), want_all);
	for (__u32 t = 0; t < 1u << 24; t++) {
		__u32 want, got;

		if (t & 0x808080)
			continue;
		want = es_tagt_class(t, named(t, tags, n));
		got = es_tagt_get(tbl, es_tagt_index(t));
		if (got != want)
			fail_msg("tag %06x: table %u, es_tagt_class %u", t, got, want);
		fwd += got == ES_TAGT_FWD;
	}
	free(tbl);
	return fwd;
}

static void test_listed_tags(void **state)
{
	static const char tags[][4] = { "NAD", "EQD", "N1", "R4", "CST", "BGM", "X", "nad",
					"ABCD", "UNH" };

	(void)state;
	/* the 6 named tags of 2-3 letters or digits, plus the 9 service tags
	 * that are not headers or interchange ends (UNH is one: BREAK) */
	assert_int_equal(check_all(tags, sizeof(tags) / sizeof(tags[0]), false), 6 + 7);
}

static void test_all_tags(void **state)
{
	static const char tags[][4] = { "NAD", "*" };
	/* A-Z, then 36, then none or 36 more; less the six BREAK ones */
	const size_t every = 26 * 36 * 37 - 6;

	(void)state;
	assert_int_equal(check_all(tags, 2, true), every);
}

static void test_no_tags(void **state)
{
	(void)state;
	assert_int_equal(check_all(NULL, 0, false), 7);   /* UNG UNT UNE GS ST SE GE */
}

/* Tags with the same bytes in another position never share an entry. */
static void test_index_distinct(void **state)
{
	(void)state;
	assert_int_not_equal(es_tagt_index(ES_TAG2('S', 'T')), es_tagt_index(ES_TAG3('S', 'T', 0x7f)));
	assert_int_not_equal(es_tagt_index(ES_TAG3('A', 'B', 'C')), es_tagt_index(ES_TAG3('C', 'B', 'A')));
	for (__u32 t = 0; t < 1u << 21; t += 7919) {
		__u32 w = (t & 0x7f) | (t >> 7 & 0x7f) << 8 | (t >> 14 & 0x7f) << 16;

		assert_int_equal(es_tagt_index(w), t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listed_tags),
		cmocka_unit_test(test_all_tags),
		cmocka_unit_test(test_no_tags),
		cmocka_unit_test(test_index_distinct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
