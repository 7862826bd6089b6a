#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "iso6346.h"

/* Known-good numbers from container registers and the standard's example. */
static void test_valid_numbers(void **state)
{
	(void)state;
	assert_true(iso6346_valid("CSQU3054383"));   /* the standard's example */
	assert_true(iso6346_valid("MSKU9070323"));
	assert_true(iso6346_valid("TGHU7602434"));   /* check digit worked by hand: 3513 mod 11 = 4 */
	assert_int_equal(iso6346_check_digit("CSQU305438"), 3);
}

static void test_wrong_check_digit(void **state)
{
	(void)state;
	assert_false(iso6346_valid("CSQU3054384"));
	assert_false(iso6346_valid("MSKU9070320"));
}

static void test_shape(void **state)
{
	(void)state;
	assert_false(iso6346_shape("CSQU305438"));     /* too short */
	assert_false(iso6346_shape("CSQU30543833"));   /* too long */
	assert_false(iso6346_shape("csqu3054383"));    /* lower case */
	assert_false(iso6346_shape("CSQ13054383"));
	assert_int_equal(iso6346_check_digit("CSQ1305438"), -1);
}

static void test_normalise(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(iso6346_normalise("csqu 305438-3", out, sizeof(out)), 11);
	assert_string_equal(out, "CSQU3054383");
	assert_int_equal(iso6346_normalise("CSQU3054383", out, 5), 4);
	assert_string_equal(out, "CSQU");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_numbers),
		cmocka_unit_test(test_wrong_check_digit),
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_normalise),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
