/* Fuzz target: the element decoder and the table-driven extractor with
 * separators, character set and message type chosen by the input.
 *   byte 0   bit 0 X12, bits 1-3 character set, bit 4 honour repetition
 *   bytes 1-6  separators: component, element, decimal, release,
 *              repetition, terminator
 *   byte 7   message type (index into the syntax's extraction tables)
 *   rest     segments, split at the terminator (release honoured)
 * Invariants: decoded text is NUL-terminated valid UTF-8 inside its buffer,
 * value offsets and counts within their limits, every accessor returns a
 * string, and the extracted message survives a protobuf pack/unpack/pack
 * round trip unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "arena.h"
#include "edi_decode.h"
#include "edisensor.pb-c.h"
#include "extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
static int utf8_valid(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i], k, cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, cp = c & 0x07;
		else
			return 0;
		if (i + k >= n)
			return 0;
		for (unsigned j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (k == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		i += k + 1;
	}
	return 1;
}

static void check_string(const char *s, size_t cap)
{
	size_t n;

	if (!s)
		abort();
	n = strnlen(s, cap);
	if (n == cap || !utf8_valid((const unsigned char *)s, n))
		abort();
}

static void check_segment(const struct edi_segment *seg)
{
	char buf[EDI_TEXT_MAX];

	if (seg->n_values > EDI_MAX_VALUES || seg->n_elems > EDI_MAX_ELEMS + 1)
		abort();
	for (unsigned i = 0; i < seg->n_values; i++) {
		if (seg->v[i].off >= EDI_TEXT_MAX)
			abort();
		check_string(seg->text + seg->v[i].off, EDI_TEXT_MAX - seg->v[i].off);
	}
	for (unsigned e = 0; e <= seg->n_elems + 1 && e < 8; e++) {
		check_string(edi_value(seg, e, 1), EDI_TEXT_MAX);
		check_string(edi_value_rep(seg, e, 1, 2), EDI_TEXT_MAX);
		(void)edi_repetitions(seg, e);
		if (edi_join_components(seg, e, " ", buf, sizeof(buf)) >= sizeof(buf))
			abort();
		check_string(buf, sizeof(buf));
	}
}

static void check_message(const Edisensor__V1__Message *msg)
{
	size_t n = edisensor__v1__message__get_packed_size(msg);
	uint8_t *a = malloc(n + 1), *b = malloc(n + 1);
	Edisensor__V1__Message *back;

	if (!a || !b || edisensor__v1__message__pack(msg, a) != n)
		abort();
	back = edisensor__v1__message__unpack(NULL, n, a);
	if (!back || edisensor__v1__message__get_packed_size(back) != n ||
	    edisensor__v1__message__pack(back, b) != n || memcmp(a, b, n))
		abort();
	edisensor__v1__message__free_unpacked(back, NULL);
	free(a);
	free(b);
}

static const char *message_type(int x12, uint8_t pick)
{
	const struct ex_table *const *t = x12 ? extract_x12_tables : extract_edifact_tables;
	size_t n = 0;

	while (t[n])
		n++;
	if (!n || pick % (n + 1) == n)
		return "UNKNOWN";   /* the generic table */
	return t[pick % (n + 1)]->types[0];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct edi_segment seg;
	static char text[EDI_TEXT_MAX];
	Edisensor__V1__Message msg = EDISENSOR__V1__MESSAGE__INIT;
	struct arena ar = { 0 };
	struct extract x;
	struct edi_syntax syn;
	const uint8_t *p;
	size_t n, start = 0;
	uint32_t index = 0;
	int x12;

	if (size < 8)
		return 0;
	x12 = data[0] & 1;
	syn.cs = (enum charset)((data[0] >> 1 & 7) % CHARSET_MAX);
	syn.use_repetition = data[0] >> 4 & 1;
	syn.seps = (struct es_seps){ .component = data[1], .element = data[2], .decimal = data[3],
				     .release = x12 ? 0 : data[4], .repetition = data[5],
				     .terminator = data[6] };
	p = data + 8;
	n = size - 8;
	extract_begin(&x, &msg, &ar, x12 ? ES_SYNTAX_X12 : ES_SYNTAX_EDIFACT,
		      message_type(x12, data[7]));
	for (size_t i = 0; i <= n; i++) {
		size_t len;
		char tag[EDI_TAG_MAX + 1];

		if (i < n && syn.seps.release && p[i] == syn.seps.release) {
			i++;
			continue;
		}
		if (i < n && p[i] != syn.seps.terminator)
			continue;
		len = (i < n ? i + 1 : n) - start;
		if (len > ES_SEG_MAX)
			len = ES_SEG_MAX;   /* the kernel never forwards more */
		if (edi_peek_tag(p + start, len, syn.seps.element, syn.seps.terminator, tag) > EDI_TAG_MAX)
			abort();
		if (edi_segment_text(p + start, len, &syn, text, sizeof(text)) >= sizeof(text))
			abort();
		check_string(text, sizeof(text));
		if (edi_decode_segment(p + start, len, &syn, &seg) == 0) {
			check_string(seg.tag, sizeof(seg.tag));
			check_segment(&seg);
			if (extract_segment(&x, &seg, index++) < 0)
				break;
		}
		start = i + 1;
	}
	extract_end(&x);
	check_message(&msg);
	arena_reset(&ar);
	return 0;
}
