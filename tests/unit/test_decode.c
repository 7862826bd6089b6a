/* Element decoder: separators, release character, repetitions, X12
 * specifics, charset conversion of values, evidence text. Inputs are
 * written here by hand (several come from the release-character torture
 * lines of the PAORES sample). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "edi_decode.h"

static struct edi_segment seg;

static const struct edi_syntax edifact = {
	.seps = { .component = ':', .element = '+', .decimal = '.', .release = '?',
		  .repetition = ' ', .terminator = '\'' },
	.cs = CHARSET_ASCII,
};

static void decode(const char *text, const struct edi_syntax *syn)
{
	assert_int_equal(edi_decode_segment((const uint8_t *)text, strlen(text), syn, &seg), 0);
}

static void test_elements_and_components(void **state)
{
	(void)state;
	decode("NAD+CA+ABCD:160++SENDER-COMP+STREET 1+CITY1++99999+DE'", &edifact);
	assert_string_equal(seg.tag, "NAD");
	assert_int_equal(seg.n_elems, 9);
	assert_string_equal(edi_value(&seg, 1, 1), "CA");
	assert_string_equal(edi_value(&seg, 2, 1), "ABCD");
	assert_string_equal(edi_value(&seg, 2, 2), "160");
	assert_string_equal(edi_value(&seg, 2, 3), "");     /* absent component */
	assert_string_equal(edi_value(&seg, 3, 1), "");     /* empty element */
	assert_string_equal(edi_value(&seg, 4, 1), "SENDER-COMP");
	assert_string_equal(edi_value(&seg, 9, 1), "DE");
	assert_string_equal(edi_value(&seg, 10, 1), "");    /* past the end */
	assert_string_equal(edi_value(&seg, 0, 1), "");
}

static void test_release_character(void **state)
{
	(void)state;
	decode("FTX+AAA+++PLASTICS?:ARTICLES'", &edifact);
	assert_string_equal(edi_value(&seg, 4, 1), "PLASTICS:ARTICLES");
	assert_string_equal(edi_value(&seg, 4, 2), "");

	decode("IFT+3+NO MORE FLIGHTS 2?" "?'", &edifact);
	assert_string_equal(edi_value(&seg, 2, 1), "NO MORE FLIGHTS 2?");
	decode("IFT+3+NO MORE ?' FLIGHTS 3'", &edifact);
	assert_string_equal(edi_value(&seg, 2, 1), "NO MORE ' FLIGHTS 3");
	decode("IFT+3+NO MORE ??" "?' FLIGHTS 3'", &edifact);
	assert_string_equal(edi_value(&seg, 2, 1), "NO MORE ?' FLIGHTS 3");
	decode("IFT+3+FIELD 1??+FIELD 2'", &edifact);
	assert_string_equal(edi_value(&seg, 2, 1), "FIELD 1?");
	assert_string_equal(edi_value(&seg, 3, 1), "FIELD 2");
	decode("IFT+3+FIELD 1???+FIELD 2'", &edifact);
	assert_string_equal(edi_value(&seg, 2, 1), "FIELD 1?+FIELD 2");
	decode("IFT+3+FIELD 1.1??:FIELD 1.2'", &edifact);
	assert_string_equal(edi_value(&seg, 2, 1), "FIELD 1.1?");
	assert_string_equal(edi_value(&seg, 2, 2), "FIELD 1.2");
	decode("IFT+3+FIELD 1.1???:FIELD 1.2'", &edifact);
	assert_string_equal(edi_value(&seg, 2, 1), "FIELD 1.1?:FIELD 1.2");
}

static void test_repetition_only_when_declared(void **state)
{
	struct edi_syntax v4 = edifact;
	(void)state;

	v4.seps.repetition = '*';
	v4.use_repetition = true;
	decode("RFF+AAA:1*BBB:2+X'", &v4);
	assert_int_equal(edi_repetitions(&seg, 1), 2);
	assert_string_equal(edi_value_rep(&seg, 1, 0, 2), "1");
	assert_string_equal(edi_value_rep(&seg, 1, 1, 1), "BBB");
	assert_string_equal(edi_value_rep(&seg, 1, 1, 2), "2");
	assert_string_equal(edi_value(&seg, 2, 1), "X");

	/* Syntax 3 reserves the position: '*' is data. */
	v4.use_repetition = false;
	decode("RFF+AAA:1*BBB:2'", &v4);
	assert_string_equal(edi_value(&seg, 1, 2), "1*BBB");
	/* A space in the UNA repetition position is never a separator. */
	decode("FTX+AAA+++GENERAL CARGO'", &edifact);
	assert_string_equal(edi_value(&seg, 4, 1), "GENERAL CARGO");
}

static void test_trailing_empty_component_and_newline(void **state)
{
	(void)state;
	decode("\r\nRFF+VA:382324067:'", &edifact);
	assert_string_equal(seg.tag, "RFF");
	assert_string_equal(edi_value(&seg, 1, 2), "382324067");
	assert_string_equal(edi_value(&seg, 1, 3), "");
	/* A raw newline inside a data element is data. */
	decode("FTX+AAI+++OCCUR\n:DUE TO CUSTOMS.'", &edifact);
	assert_string_equal(edi_value(&seg, 4, 1), "OCCUR\n");
	assert_string_equal(edi_value(&seg, 4, 2), "DUE TO CUSTOMS.");
}

static void test_x12(void **state)
{
	const struct edi_syntax x12 = {
		.seps = { .component = '>', .element = '*', .terminator = '~' },
		.cs = CHARSET_ASCII,
	};
	(void)state;

	decode("ISA*00*          *00*          *ZZ*XXXX           *ZZ*XXXXXXXXX      "
	       "*230607*1940*U*00401*000107033*0*P*>~", &x12);
	assert_string_equal(seg.tag, "ISA");
	assert_int_equal(seg.n_elems, 16);
	assert_string_equal(edi_value(&seg, 6, 1), "XXXX           ");
	assert_string_equal(edi_value(&seg, 16, 1), ">");   /* not split */
	/* No release character in X12: '?' is data. */
	decode("N1*SH*WHO?*25*100952999~", &x12);
	assert_string_equal(edi_value(&seg, 2, 1), "WHO?");
	assert_string_equal(edi_value(&seg, 4, 1), "100952999");
	/* Composite with the ISA16 separator. */
	decode("L5*1*CHEMICALS:(NOS)*A>B~", &x12);
	assert_string_equal(edi_value(&seg, 2, 1), "CHEMICALS:(NOS)");
	assert_string_equal(edi_value(&seg, 3, 2), "B");
	/* LF as terminator with CR before it. */
	struct edi_syntax lf = x12;
	lf.seps.terminator = '\n';
	decode("N9*BM*21001ASK5V9U\r\n", &lf);
	assert_string_equal(edi_value(&seg, 2, 1), "21001ASK5V9U");
}

static void test_charset_in_values(void **state)
{
	struct edi_syntax latin2 = edifact;
	(void)state;

	latin2.cs = CHARSET_LATIN2;
	/* "ŁÓDŹ" in ISO 8859-2 */
	decode("NAD+CN+++\xA3\xD3" "D\xAC'", &latin2);
	assert_string_equal(edi_value(&seg, 4, 1), "\xC5\x81\xC3\x93" "D\xC5\xB9");
}

static void test_join_and_text(void **state)
{
	char buf[64];
	(void)state;

	decode("NAD+CN+++NAME ONE:NAME TWO::NAME FOUR'", &edifact);
	assert_int_equal(edi_join_components(&seg, 4, " ", buf, sizeof(buf)), 27);
	assert_string_equal(buf, "NAME ONE NAME TWO NAME FOUR");
	edi_join_components(&seg, 4, " ", buf, 10);   /* bounded */
	assert_string_equal(buf, "NAME ONE ");

	const char *raw = "\nFTX+AAA+++IT?'S'";
	edi_segment_text((const uint8_t *)raw, strlen(raw), &edifact, buf, sizeof(buf));
	assert_string_equal(buf, "FTX+AAA+++IT?'S");
	raw = "FTX+AAA+++ENDS WITH ?''";
	edi_segment_text((const uint8_t *)raw, strlen(raw), &edifact, buf, sizeof(buf));
	assert_string_equal(buf, "FTX+AAA+++ENDS WITH ?'");
}

static void test_limits(void **state)
{
	uint8_t big[ES_SEG_MAX];
	(void)state;

	/* A segment of nothing but separators: values capped, no overrun. */
	memcpy(big, "FTX", 3);
	memset(big + 3, ':', sizeof(big) - 3);
	big[3] = '+';
	assert_int_equal(edi_decode_segment(big, sizeof(big), &edifact, &seg), 0);
	assert_true(seg.n_values <= EDI_MAX_VALUES);
	assert_true(seg.overflow || seg.n_values == sizeof(big) - 4 + 1);
	/* No tag at all. */
	assert_int_equal(edi_decode_segment((const uint8_t *)"+X'", 3, &edifact, &seg), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elements_and_components),
		cmocka_unit_test(test_release_character),
		cmocka_unit_test(test_repetition_only_when_declared),
		cmocka_unit_test(test_trailing_empty_component_and_newline),
		cmocka_unit_test(test_x12),
		cmocka_unit_test(test_charset_in_values),
		cmocka_unit_test(test_join_and_text),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
