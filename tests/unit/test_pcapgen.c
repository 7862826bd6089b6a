/* Units of tools/edi-pcapgen: seeded values (ISO 6346 and IMO check digits,
 * HS code lengths), the segment writer (release characters, charsets, X12
 * separator removal), frames (checksums) and JSON escaping. The tool's
 * sources are not in the library, so they are included here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "tools/edi-pcapgen/ebuf.c"
#include "tools/edi-pcapgen/ediwrite.c"
#include "tools/edi-pcapgen/frame.c"
#include "tools/edi-pcapgen/meta.c"
#include "tools/edi-pcapgen/rng.c"
#include "tools/edi-pcapgen/values.c"

static void test_rng_deterministic(void **state)
{
	struct rng a, b;

	(void)state;
	rng_seed(&a, 42);
	rng_seed(&b, 42);
	for (int i = 0; i < 1000; i++)
		assert_true(rng_next(&a) == rng_next(&b));
	rng_seed(&b, 43);
	assert_false(rng_next(&a) == rng_next(&b));
	for (int i = 0; i < 1000; i++) {
		uint32_t v = rng_range(&a, 3, 7);

		assert_true(v >= 3 && v <= 7);
		assert_true(rng_below(&a, 5) < 5);
	}
	assert_int_equal(rng_below(&a, 0), 0);
	assert_false(rng_chance(&a, 0));
	assert_true(rng_chance(&a, 1));
}

static void test_containers(void **state)
{
	struct rng r;
	char c[16];

	(void)state;
	rng_seed(&r, 1);
	for (int i = 0; i < 500; i++) {
		val_container(&r, false, c, sizeof(c));
		assert_int_equal(strlen(c), 11);
		assert_true(iso6346_valid(c));
		val_container(&r, true, c, sizeof(c));
		assert_true(iso6346_shape(c));
		assert_false(iso6346_valid(c));
	}
}

static void test_imo(void **state)
{
	struct rng r;
	char imo[12];

	(void)state;
	/* IMO 9074729: 9*7+0*6+7*5+4*4+7*3+2*2 = 139, check digit 9. */
	assert_int_equal(val_imo_check_digit("907472"), 9);
	assert_int_equal(val_imo_check_digit("90747x"), -1);
	rng_seed(&r, 2);
	for (int i = 0; i < 200; i++) {
		val_imo(&r, imo, sizeof(imo));
		assert_int_equal(strlen(imo), 7);
		assert_int_equal(val_imo_check_digit(imo), imo[6] - '0');
	}
}

static void test_hs_codes(void **state)
{
	struct rng r;
	char hs[16];
	int seen[11] = { 0 };

	(void)state;
	rng_seed(&r, 3);
	for (int i = 0; i < 500; i++) {
		size_t n;

		val_hs_code(&r, hs, sizeof(hs));
		n = strlen(hs);
		assert_true(n == 4 || n == 6 || n == 8 || n == 10);
		assert_int_equal(strspn(hs, "0123456789"), n);
		seen[n]++;
	}
	assert_true(seen[4] && seen[6] && seen[8] && seen[10]);
}

static struct segw edifact_writer(struct ebuf *b, enum edi_charset cs)
{
	struct segw w = { .b = b, .cs = cs };

	w.seps = (struct edi_seps){ ':', '+', '.', '?', ' ', '\'', "" };
	return w;
}

static void test_release_and_latin1(void **state)
{
	struct ebuf b;
	struct segw w;
	char kept[64];

	(void)state;
	ebuf_init(&b);
	w = edifact_writer(&b, CS_UNOC);
	segw_tag(&w, "NAD");
	segw_el_keep(&w, "MÜLLER + O'NEILL: A?B", kept, sizeof(kept));
	segw_end(&w);
	/* Released separators, Ü as the single byte 0xDC; truth stays UTF-8. */
	assert_int_equal(b.len, strlen("NAD+M\xdcLLER ?+ O?'NEILL?: A??B'"));
	assert_memory_equal(b.data, "NAD+M\xdcLLER ?+ O?'NEILL?: A??B'", b.len);
	assert_string_equal(kept, "MÜLLER + O'NEILL: A?B");
	assert_int_equal(w.segments, 1);
	ebuf_free(&b);
}

static void test_charsets(void **state)
{
	struct ebuf b;
	struct segw w;
	char kept[64];

	(void)state;
	ebuf_init(&b);
	w = edifact_writer(&b, CS_UNOY);
	segw_el_keep(&w, "Æbc", kept, sizeof(kept));
	assert_memory_equal(b.data, "+\xc3\x86" "bc", b.len);   /* UTF-8 as is */
	ebuf_reset(&b);
	w = edifact_writer(&b, CS_UNOA);
	segw_el_keep(&w, "Åkerlund", kept, sizeof(kept));
	assert_string_equal(kept, "AKERLUND");                  /* folded, upper case */
	assert_memory_equal(b.data, "+AKERLUND", b.len);
	ebuf_reset(&b);
	w = edifact_writer(&b, CS_UNOB);
	w.seps.repetition = '*';                                /* syntax 4 */
	segw_el_keep(&w, "Ø*2", kept, sizeof(kept));
	assert_string_equal(kept, "O*2");
	assert_memory_equal(b.data, "+O?*2", b.len);
	ebuf_free(&b);
}

static void test_x12_drops_separators(void **state)
{
	struct ebuf b;
	struct segw w = { .x12 = true, .cs = CS_UNOB };
	char kept[64];

	(void)state;
	ebuf_init(&b);
	w.b = &b;
	w.seps = (struct edi_seps){ '>', '*', '.', '\0', '^', '~', "\n" };
	segw_tag(&w, "N1");
	segw_el_keep(&w, "A*B~C>D^E Ü", kept, sizeof(kept));
	segw_end(&w);
	assert_string_equal(kept, "ABCDE U");
	assert_memory_equal(b.data, "N1*ABCDE U~\n", b.len);
	ebuf_free(&b);
}

static uint16_t csum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void test_frame_checksums(void **state)
{
	static uint8_t f[FRAME_MAX];
	struct frame_addr a = { .ipv = 4, .src = { 192, 0, 2, 1 }, .dst = { 198, 51, 100, 2 },
				.sport = 40000, .dport = 9000, .nvlan = 1, .vlan = { 7 } };
	const uint8_t payload[] = "UNB+UNOC:3+A+B'";
	uint32_t pseudo;
	int n;

	(void)state;
	n = frame_tcp(f, &a, 1000, 2000, TCPF_ACK | TCPF_PSH, 64240, 1460, 1, payload, 15);
	assert_int_equal(n, 14 + 4 + 20 + 20 + 15);
	assert_int_equal(f[12], 0x81);                    /* 802.1Q tag */
	assert_int_equal(csum(f + 18, 20, 0), 0xffff);    /* IPv4 header checksum */
	pseudo = csum(a.src, 4, 0) + csum(a.dst, 4, 0) + 6 + 35;
	assert_int_equal(csum(f + 38, 35, pseudo), 0xffff);
	assert_int_equal(frame_tcp(f, &a, 0, 0, 0, 0, 0, 0, payload, FRAME_MAX), -EMSGSIZE);
}

static void test_json_escaping(void **state)
{
	struct ebuf b;

	(void)state;
	ebuf_init(&b);
	json_str(&b, "a\"b\\c\x01\xc3\xa9");
	assert_memory_equal(b.data, "\"a\\\"b\\\\c\\u0001\xc3\xa9\"", b.len);
	ebuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rng_deterministic),
		cmocka_unit_test(test_containers),
		cmocka_unit_test(test_imo),
		cmocka_unit_test(test_hs_codes),
		cmocka_unit_test(test_release_and_latin1),
		cmocka_unit_test(test_charsets),
		cmocka_unit_test(test_x12_drops_separators),
		cmocka_unit_test(test_frame_checksums),
		cmocka_unit_test(test_json_escaping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
