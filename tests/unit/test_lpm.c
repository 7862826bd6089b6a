/* Longest-prefix match: parsing and masking, IPv4 and IPv6 kept apart,
 * /0 and full-width prefixes, and random prefixes against a naive scan. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "lpm.h"

static void test_parse_and_format(void **state)
{
	uint8_t a[16];
	unsigned len;
	bool v6;
	char out[64];

	(void)state;
	assert_int_equal(lpm_parse("10.1.2.3/8", &v6, a, &len), 0);
	assert_false(v6);
	assert_int_equal(len, 8);
	lpm_format(v6, a, len, out, sizeof(out));
	assert_string_equal(out, "10.0.0.0/8");       /* host bits cleared */
	assert_int_equal(lpm_parse("2001:db8::1", &v6, a, &len), 0);
	assert_true(v6);
	assert_int_equal(len, 128);
	lpm_format(v6, a, len, out, sizeof(out));
	assert_string_equal(out, "2001:db8::1");
	assert_int_equal(lpm_parse("2001:db8:ffff::/33", &v6, a, &len), 0);
	lpm_format(v6, a, len, out, sizeof(out));
	assert_string_equal(out, "2001:db8:8000::/33");
	assert_true(lpm_parse("10.0.0.0/33", &v6, a, &len) < 0);
	assert_true(lpm_parse("::/129", &v6, a, &len) < 0);
	assert_true(lpm_parse("10.0.0.0/", &v6, a, &len) < 0);
	assert_true(lpm_parse("10.0.0.0/8x", &v6, a, &len) < 0);
	assert_true(lpm_parse("/8", &v6, a, &len) < 0);
	assert_true(lpm_parse("example.com", &v6, a, &len) < 0);
}

struct seen {
	unsigned n;
	uint32_t value[8];
	unsigned len[8];
	unsigned stop_after;
};

static int visit(void *ctx, uint32_t value, unsigned len)
{
	struct seen *s = ctx;

	if (s->n < 8) {
		s->value[s->n] = value;
		s->len[s->n] = len;
	}
	s->n++;
	return s->stop_after && s->n >= s->stop_after;
}

static void insert(struct lpm *l, const char *text, uint32_t value)
{
	uint8_t a[16];
	unsigned len;
	bool v6, created;
	uint32_t *slot;

	assert_int_equal(lpm_parse(text, &v6, a, &len), 0);
	slot = lpm_slot(l, v6, a, len, &created);
	assert_non_null(slot);
	assert_true(created);
	*slot = value;
}

static struct seen lookup(const struct lpm *l, const char *ip, unsigned stop_after)
{
	struct seen s = { .stop_after = stop_after };
	uint8_t a[16];
	unsigned len;
	bool v6;

	assert_int_equal(lpm_parse(ip, &v6, a, &len), 0);
	lpm_lookup(l, v6, a, visit, &s);
	return s;
}

static void test_longest_first(void **state)
{
	struct lpm *l = lpm_new();
	struct seen s;

	(void)state;
	insert(l, "0.0.0.0/0", 1);
	insert(l, "10.0.0.0/8", 2);
	insert(l, "10.1.0.0/16", 3);
	insert(l, "10.1.2.3", 4);
	insert(l, "::/0", 5);
	insert(l, "2001:db8::/32", 6);
	s = lookup(l, "10.1.2.3", 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.value[0], 4);
	assert_int_equal(s.len[0], 32);
	assert_int_equal(s.value[1], 3);
	assert_int_equal(s.value[2], 2);
	assert_int_equal(s.value[3], 1);
	s = lookup(l, "10.1.2.3", 1);      /* the visitor stops the walk */
	assert_int_equal(s.n, 1);
	s = lookup(l, "192.0.2.1", 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.value[0], 1);
	s = lookup(l, "2001:db8::5", 0);   /* v6 prefixes only */
	assert_int_equal(s.n, 2);
	assert_int_equal(s.value[0], 6);
	assert_int_equal(s.value[1], 5);
	s = lookup(l, "::ffff:10.1.2.3", 0);  /* a mapped address is IPv6 */
	assert_int_equal(s.n, 1);
	assert_int_equal(s.value[0], 5);
	lpm_free(l);
}

static bool naive_contains(const uint8_t *p, unsigned len, const uint8_t *a)
{
	for (unsigned b = 0; b < len; b++)
		if (((p[b / 8] >> (7 - b % 8)) & 1) != ((a[b / 8] >> (7 - b % 8)) & 1))
			return false;
	return true;
}

static void test_random_against_naive(void **state)
{
	enum { N = 3000 };
	static uint8_t pfx[N][16];
	static unsigned plen[N];
	static bool pv6[N];
	struct lpm *l = lpm_new();
	unsigned n = 0;

	(void)state;
	srand(42);
	/* Prefixes clustered under a few roots so that nesting is common. */
	while (n < N) {
		bool v6 = rand() % 3 == 0, created;
		unsigned width = v6 ? 128 : 32, len = (unsigned)rand() % (width + 1);
		uint8_t a[16] = { 0 };
		uint32_t *slot;

		a[0] = (uint8_t)(rand() % 2 ? 10 : 0x20);
		for (unsigned i = 1; i < width / 8; i++)
			a[i] = (uint8_t)(rand() % 4);
		slot = lpm_slot(l, v6, a, len, &created);
		assert_non_null(slot);
		if (!created)
			continue;
		*slot = n;
		for (unsigned b = 0; b < 16; b++) {
			unsigned bits = len > b * 8 ? len - b * 8 : 0;

			pfx[n][b] = bits >= 8 ? a[b] : bits ? (uint8_t)(a[b] & (0xff << (8 - bits))) : 0;
		}
		plen[n] = len;
		pv6[n++] = v6;
	}
	for (int q = 0; q < 2000; q++) {
		bool v6 = rand() % 3 == 0;
		unsigned width = v6 ? 128 : 32, best = 0, count = 0;
		uint8_t a[16] = { 0 };
		struct seen s = { .stop_after = 1 };

		a[0] = (uint8_t)(rand() % 2 ? 10 : 0x20);
		for (unsigned i = 1; i < width / 8; i++)
			a[i] = (uint8_t)(rand() % 4);
		for (unsigned i = 0; i < N; i++)
			if (pv6[i] == v6 && naive_contains(pfx[i], plen[i], a) && (!count || plen[i] > best)) {
				best = plen[i];
				count++;
			}
		lpm_lookup(l, v6, a, visit, &s);
		assert_int_equal(s.n ? 1 : 0, count ? 1 : 0);
		if (count)
			assert_int_equal(s.len[0], best);
	}
	lpm_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_format),
		cmocka_unit_test(test_longest_first),
		cmocka_unit_test(test_random_against_naive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
