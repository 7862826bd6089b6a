/* Aho–Corasick against a naive search: random patterns over small
 * alphabets (so overlaps, shared prefixes and suffix chains are common),
 * every occurrence must be reported once, in end-offset order. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ahocorasick.h"

struct occ {
	uint32_t pattern;
	size_t end;
};

struct occs {
	struct occ *v;
	size_t n, cap;
};

static int collect(void *ctx, uint32_t pattern, size_t end)
{
	struct occs *o = ctx;

	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 64;
		o->v = realloc(o->v, o->cap * sizeof(*o->v));
		assert_non_null(o->v);
	}
	o->v[o->n++] = (struct occ){ pattern, end };
	return 0;
}

static int occ_cmp(const void *a, const void *b)
{
	const struct occ *x = a, *y = b;

	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return (x->pattern > y->pattern) - (x->pattern < y->pattern);
}

static void naive(char **pats, uint32_t *lens, uint32_t n, const char *text, size_t len,
		  struct occs *o)
{
	for (size_t end = 1; end <= len; end++)
		for (uint32_t p = 0; p < n; p++)
			if (lens[p] <= end && memcmp(text + end - lens[p], pats[p], lens[p]) == 0)
				collect(o, p, end);
}

/* Random unique patterns of length 1..maxlen over `alpha` letters. */
static uint32_t random_patterns(char **pats, uint32_t *lens, uint32_t want, int alpha, int maxlen)
{
	uint32_t n = 0;

	for (uint32_t tries = 0; n < want && tries < want * 20; tries++) {
		uint32_t len = 1 + (uint32_t)(rand() % maxlen);
		char buf[64];
		int dup = 0;

		for (uint32_t i = 0; i < len; i++)
			buf[i] = (char)('a' + rand() % alpha);
		for (uint32_t k = 0; k < n && !dup; k++)
			dup = lens[k] == len && memcmp(pats[k], buf, len) == 0;
		if (dup)
			continue;
		pats[n] = malloc(len);
		memcpy(pats[n], buf, len);
		lens[n++] = len;
	}
	return n;
}

static void check_round(int alpha, int maxlen, uint32_t want, size_t textlen)
{
	char *pats[512];
	uint32_t lens[512];
	uint32_t n = random_patterns(pats, lens, want, alpha, maxlen);
	char *text = malloc(textlen);
	struct occs got = { 0 }, exp = { 0 };
	struct ac *ac;

	for (size_t i = 0; i < textlen; i++)
		text[i] = (char)('a' + rand() % alpha);
	ac = ac_build((const char *const *)pats, lens, n);
	assert_non_null(ac);
	assert_int_equal(ac_scan(ac, text, textlen, collect, &got), 0);
	naive(pats, lens, n, text, textlen, &exp);
	/* Same end order is guaranteed; within one end the order is by suffix
	 * length in the automaton, by id in the naive list: compare sorted. */
	for (size_t i = 1; i < got.n; i++)
		assert_true(got.v[i - 1].end <= got.v[i].end);
	qsort(got.v, got.n, sizeof(*got.v), occ_cmp);
	assert_int_equal(got.n, exp.n);
	for (size_t i = 0; i < got.n; i++) {
		assert_int_equal(got.v[i].pattern, exp.v[i].pattern);
		assert_int_equal(got.v[i].end, exp.v[i].end);
	}
	ac_free(ac);
	for (uint32_t i = 0; i < n; i++)
		free(pats[i]);
	free(text), free(got.v), free(exp.v);
}

static void test_random_against_naive(void **state)
{
	(void)state;
	srand(6);
	for (int round = 0; round < 60; round++) {
		int alpha = 2 + round % 5;
		int maxlen = 1 + round % 9;

		check_round(alpha, maxlen, 1 + (uint32_t)(rand() % 300), 2000);
	}
}

static void test_classic_example(void **state)
{
	const char *pats[] = { "he", "she", "his", "hers" };
	uint32_t lens[] = { 2, 3, 3, 4 };
	struct occs got = { 0 };
	struct ac *ac = ac_build(pats, lens, 4);

	(void)state;
	assert_non_null(ac);
	ac_scan(ac, "ushers", 6, collect, &got);
	qsort(got.v, got.n, sizeof(*got.v), occ_cmp);
	assert_int_equal(got.n, 3);
	assert_int_equal(got.v[0].pattern, 0);   /* he ends at 4 */
	assert_int_equal(got.v[0].end, 4);
	assert_int_equal(got.v[1].pattern, 1);   /* she ends at 4 */
	assert_int_equal(got.v[1].end, 4);
	assert_int_equal(got.v[2].pattern, 3);   /* hers ends at 6 */
	assert_int_equal(got.v[2].end, 6);
	/* "hers" shares "he": 1 root + h,e,r,s + s,h,e + i,s = 10 nodes */
	assert_int_equal(ac_nodes(ac), 10);
	ac_free(ac);
	free(got.v);
}

static void test_binary_bytes(void **state)
{
	const char *pats[] = { "\xff\x00", "\x80" };
	uint32_t lens[] = { 2, 1 };
	struct occs got = { 0 };
	struct ac *ac = ac_build(pats, lens, 2);

	(void)state;
	ac_scan(ac, "a\xff\x00\x80", 4, collect, &got);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.v[0].pattern, 0);
	assert_int_equal(got.v[1].pattern, 1);
	ac_free(ac);
	free(got.v);
}

static int stop_at_first(void *ctx, uint32_t pattern, size_t end)
{
	(void)ctx, (void)end;
	return 100 + (int)pattern;
}

static void test_stop_and_rejects(void **state)
{
	const char *pats[] = { "ab", "ab" };
	uint32_t lens[] = { 2, 2 };
	const char *empty[] = { "" };
	uint32_t zero[] = { 0 };
	struct ac *ac;

	(void)state;
	assert_null(ac_build(pats, lens, 2));
	assert_int_equal(errno, EINVAL);
	assert_null(ac_build(empty, zero, 1));
	ac = ac_build(pats, lens, 1);
	assert_int_equal(ac_scan(ac, "xxabab", 6, stop_at_first, NULL), 100);
	ac_free(ac);
	ac = ac_build(NULL, NULL, 0);
	assert_non_null(ac);
	assert_int_equal(ac_scan(ac, "abc", 3, stop_at_first, NULL), 0);
	ac_free(ac);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classic_example),
		cmocka_unit_test(test_random_against_naive),
		cmocka_unit_test(test_binary_bytes),
		cmocka_unit_test(test_stop_and_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
