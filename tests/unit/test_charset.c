/* Charset conversion: every byte of each ISO 8859 part the EDIFACT syntax
 * identifiers name is checked against the C library's iconv tables (an
 * independent implementation), plus the UTF-8 validation rules. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <iconv.h>
#include <string.h>

#include "charset.h"

/* UTF-8 of one byte in `from` according to iconv; 0 length = undefined. */
static size_t iconv_one(const char *from, uint8_t b, char *out, size_t cap)
{
	iconv_t cd = iconv_open("UTF-8", from);
	char in[1] = { (char)b };
	char *ip = in, *op = out;
	size_t il = 1, ol = cap;

	assert_true(cd != (iconv_t)-1);
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1)
		ol = cap;   /* undefined in this part */
	iconv_close(cd);
	return cap - ol;
}

static void check_part(enum charset cs, const char *iconv_name)
{
	for (unsigned b = 0x20; b <= 0xFF; b++) {
		char want[8], got[8];
		uint8_t in = (uint8_t)b;
		unsigned replaced = 0;
		size_t wl = iconv_one(iconv_name, in, want, sizeof(want));
		size_t gl = charset_to_utf8(cs, &in, 1, got, sizeof(got), &replaced);

		if (wl == 0) {   /* undefined byte: U+FFFD, counted */
			assert_int_equal(gl, 3);
			assert_memory_equal(got, "\xEF\xBF\xBD", 3);
			assert_int_equal(replaced, 1);
			continue;
		}
		if (gl != wl || memcmp(got, want, wl) != 0)
			fail_msg("%s byte 0x%02X: got %zu bytes, iconv %zu", iconv_name, b, gl, wl);
		assert_int_equal(replaced, 0);
	}
}

static void test_latin1_matches_iconv(void **s) { (void)s; check_part(CHARSET_LATIN1, "ISO-8859-1"); }
static void test_latin2_matches_iconv(void **s) { (void)s; check_part(CHARSET_LATIN2, "ISO-8859-2"); }
static void test_cyrillic_matches_iconv(void **s) { (void)s; check_part(CHARSET_CYRILLIC, "ISO-8859-5"); }
static void test_greek_matches_iconv(void **s) { (void)s; check_part(CHARSET_GREEK, "ISO-8859-7"); }

static void test_syntax_ids(void **state)
{
	(void)state;
	assert_int_equal(charset_from_syntax_id("UNOA"), CHARSET_ASCII);
	assert_int_equal(charset_from_syntax_id("UNOB"), CHARSET_ASCII);
	assert_int_equal(charset_from_syntax_id("UNOC"), CHARSET_LATIN1);
	assert_int_equal(charset_from_syntax_id("UNOD"), CHARSET_LATIN2);
	assert_int_equal(charset_from_syntax_id("UNOE"), CHARSET_CYRILLIC);
	assert_int_equal(charset_from_syntax_id("UNOF"), CHARSET_GREEK);
	assert_int_equal(charset_from_syntax_id("UNOW"), CHARSET_UTF8);
	assert_int_equal(charset_from_syntax_id("UNOY"), CHARSET_UTF8);
	assert_int_equal(charset_from_syntax_id("IATB"), CHARSET_ASCII);
	assert_int_equal(charset_from_syntax_id(NULL), CHARSET_ASCII);
	assert_string_equal(charset_name(CHARSET_LATIN2), "ISO-8859-2");
}

static void test_utf8_valid_and_invalid(void **state)
{
	char out[64];
	unsigned replaced = 0;
	(void)state;

	/* Valid: "Müller €" */
	const uint8_t ok[] = "M\xC3\xBCller \xE2\x82\xAC";
	assert_int_equal(charset_to_utf8(CHARSET_UTF8, ok, sizeof(ok) - 1, out, sizeof(out), &replaced), sizeof(ok) - 1);
	assert_string_equal(out, (const char *)ok);
	assert_int_equal(replaced, 0);

	/* Stray continuation, overlong '/', surrogate, truncated sequence. */
	const uint8_t bad[] = "a\x80" "b\xC0\xAF" "c\xED\xA0\x80" "d\xE2\x82";
	charset_to_utf8(CHARSET_UTF8, bad, sizeof(bad) - 1, out, sizeof(out), &replaced);
	assert_string_equal(out, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD"
			    "c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "d\xEF\xBF\xBD\xEF\xBF\xBD");
	assert_int_equal(replaced, 8);
}

static void test_ascii_is_lenient(void **state)
{
	char out[32];
	unsigned replaced = 0;
	(void)state;

	/* UNOA labelled data: UTF-8 kept, a lone Latin-1 byte read as such. */
	const uint8_t mixed[] = "\xC3\xBC-\xFC";
	charset_to_utf8(CHARSET_ASCII, mixed, 4, out, sizeof(out), &replaced);
	assert_string_equal(out, "\xC3\xBC-\xC3\xBC");
	assert_int_equal(replaced, 0);
}

static void test_output_never_split(void **state)
{
	char out[6];
	(void)state;

	/* Cyrillic letters are 2 bytes: 5 bytes of room hold only 2 letters. */
	const uint8_t in[] = { 0xB0, 0xB1, 0xB2, 0xB3 };
	assert_int_equal(charset_to_utf8(CHARSET_CYRILLIC, in, 4, out, sizeof(out), NULL), 4);
	assert_string_equal(out, "\xD0\x90\xD0\x91");
	assert_int_equal(charset_to_utf8(CHARSET_LATIN1, in, 4, out, 1, NULL), 0);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latin1_matches_iconv),
		cmocka_unit_test(test_latin2_matches_iconv),
		cmocka_unit_test(test_cyrillic_matches_iconv),
		cmocka_unit_test(test_greek_matches_iconv),
		cmocka_unit_test(test_syntax_ids),
		cmocka_unit_test(test_utf8_valid_and_invalid),
		cmocka_unit_test(test_ascii_is_lenient),
		cmocka_unit_test(test_output_never_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
