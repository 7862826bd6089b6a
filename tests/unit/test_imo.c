/* IMO ship identification numbers: check digit, validity, normalisation
 * of the forms senders write. Expected values worked by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "imo.h"

static void test_check_digit(void **state)
{
	(void)state;
	/* 9*7 + 0*6 + 7*5 + 4*4 + 7*3 + 2*2 = 139: 9 (the IMO's own example) */
	assert_int_equal(imo_check_digit("907472"), 9);
	/* 9*7 + 3*6 + 2*5 + 1*4 + 4*3 + 8*2 = 123: 3 */
	assert_int_equal(imo_check_digit("9321483"), 3);   /* reads the first six only */
	assert_int_equal(imo_check_digit("93214x"), -1);
	assert_int_equal(imo_check_digit("93214"), -1);
}

static void test_valid(void **state)
{
	(void)state;
	assert_true(imo_valid("9074729"));
	assert_true(imo_valid("9321483"));
	assert_true(imo_valid("9283186"));
	assert_false(imo_valid("9321484"));    /* wrong check digit */
	assert_false(imo_valid("932148"));     /* six digits */
	assert_false(imo_valid("93214833"));   /* eight */
	assert_false(imo_valid("IMO9321483")); /* not normalised */
	assert_false(imo_valid(""));
}

static void test_normalise(void **state)
{
	static const char *const ok[] = {
		"9321483", "IMO9321483", "imo9321483", "IMO 9321483", "IMO: 9321483",
		"IMO-9321483", "IMO.9321483", "IMO#9321483", "  IMO 9321483 ", "932 1483",
		":9321483",
	};
	static const char *const bad[] = {
		"", "IMO", "932148", "93214833", "IMO93214833", "9321483X", "X9321483",
		"IMONUMBER", "VRIB3", "IM9321483", "IMO 932148A",
	};
	char out[8];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (imo_normalise(ok[i], out) != 0)
			fail_msg("'%s' not normalised", ok[i]);
		assert_string_equal(out, "9321483");
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (imo_normalise(bad[i], out) == 0)
			fail_msg("'%s' normalised to '%s'", bad[i], out);
	/* the shape, not the check digit: a wrong one is kept for the caller */
	assert_int_equal(imo_normalise("IMO9321484", out), 0);
	assert_string_equal(out, "9321484");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_digit),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_normalise),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
