/* Conversion of EDI text to UTF-8: table lookups for the ISO 8859 parts
 * EDIFACT names, a validating copy for UTF-8. */
#include "charset.h"

#include <string.h>

#define REPLACEMENT 0xFFFDu

/* Upper halves (0xA0..0xFF) of the ISO 8859 parts that differ from
 * Latin-1; 0 marks a byte the part leaves undefined. 0x80..0x9F are the
 * C1 controls in every part and map to themselves. */
static const uint16_t latin2_hi[96] = {
	0x00A0, 0x0104, 0x02D8, 0x0141, 0x00A4, 0x013D, 0x015A, 0x00A7,
	0x00A8, 0x0160, 0x015E, 0x0164, 0x0179, 0x00AD, 0x017D, 0x017B,
	0x00B0, 0x0105, 0x02DB, 0x0142, 0x00B4, 0x013E, 0x015B, 0x02C7,
	0x00B8, 0x0161, 0x015F, 0x0165, 0x017A, 0x02DD, 0x017E, 0x017C,
	0x0154, 0x00C1, 0x00C2, 0x0102, 0x00C4, 0x0139, 0x0106, 0x00C7,
	0x010C, 0x00C9, 0x0118, 0x00CB, 0x011A, 0x00CD, 0x00CE, 0x010E,
	0x0110, 0x0143, 0x0147, 0x00D3, 0x00D4, 0x0150, 0x00D6, 0x00D7,
	0x0158, 0x016E, 0x00DA, 0x0170, 0x00DC, 0x00DD, 0x0162, 0x00DF,
	0x0155, 0x00E1, 0x00E2, 0x0103, 0x00E4, 0x013A, 0x0107, 0x00E7,
	0x010D, 0x00E9, 0x0119, 0x00EB, 0x011B, 0x00ED, 0x00EE, 0x010F,
	0x0111, 0x0144, 0x0148, 0x00F3, 0x00F4, 0x0151, 0x00F6, 0x00F7,
	0x0159, 0x016F, 0x00FA, 0x0171, 0x00FC, 0x00FD, 0x0163, 0x02D9,
};

static const uint16_t greek_hi[96] = {
	0x00A0, 0x2018, 0x2019, 0x00A3, 0x20AC, 0x20AF, 0x00A6, 0x00A7,
	0x00A8, 0x00A9, 0x037A, 0x00AB, 0x00AC, 0x00AD, 0x0000, 0x2015,
	0x00B0, 0x00B1, 0x00B2, 0x00B3, 0x0384, 0x0385, 0x0386, 0x00B7,
	0x0388, 0x0389, 0x038A, 0x00BB, 0x038C, 0x00BD, 0x038E, 0x038F,
	0x0390, 0x0391, 0x0392, 0x0393, 0x0394, 0x0395, 0x0396, 0x0397,
	0x0398, 0x0399, 0x039A, 0x039B, 0x039C, 0x039D, 0x039E, 0x039F,
	0x03A0, 0x03A1, 0x0000, 0x03A3, 0x03A4, 0x03A5, 0x03A6, 0x03A7,
	0x03A8, 0x03A9, 0x03AA, 0x03AB, 0x03AC, 0x03AD, 0x03AE, 0x03AF,
	0x03B0, 0x03B1, 0x03B2, 0x03B3, 0x03B4, 0x03B5, 0x03B6, 0x03B7,
	0x03B8, 0x03B9, 0x03BA, 0x03BB, 0x03BC, 0x03BD, 0x03BE, 0x03BF,
	0x03C0, 0x03C1, 0x03C2, 0x03C3, 0x03C4, 0x03C5, 0x03C6, 0x03C7,
	0x03C8, 0x03C9, 0x03CA, 0x03CB, 0x03CC, 0x03CD, 0x03CE, 0x0000,
};

/* ISO 8859-5 is regular enough to compute: Cyrillic in Unicode order
 * with three exceptions. */
static uint32_t cyrillic_cp(uint8_t b)
{
	if (b == 0xA0)
		return 0x00A0;
	if (b == 0xAD)
		return 0x00AD;
	if (b == 0xF0)
		return 0x2116;
	if (b == 0xFD)
		return 0x00A7;
	return 0x0360 + b;   /* 0xA1 -> U+0401 ... 0xFF -> U+045F */
}

enum charset charset_from_syntax_id(const char *id)
{
	static const struct {
		const char *id;
		enum charset cs;
	} map[] = {
		{ "UNOA", CHARSET_ASCII },    { "UNOB", CHARSET_ASCII },
		{ "UNOC", CHARSET_LATIN1 },   { "UNOD", CHARSET_LATIN2 },
		{ "UNOE", CHARSET_CYRILLIC }, { "UNOF", CHARSET_GREEK },
		{ "UNOW", CHARSET_UTF8 },     { "UNOY", CHARSET_UTF8 },
	};
	if (!id)
		return CHARSET_ASCII;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(id, map[i].id) == 0)
			return map[i].cs;
	return CHARSET_ASCII;
}

const char *charset_name(enum charset cs)
{
	switch (cs) {
	case CHARSET_ASCII:    return "ISO-646";
	case CHARSET_LATIN1:   return "ISO-8859-1";
	case CHARSET_LATIN2:   return "ISO-8859-2";
	case CHARSET_CYRILLIC: return "ISO-8859-5";
	case CHARSET_GREEK:    return "ISO-8859-7";
	default:               return "UTF-8";
	}
}

static size_t utf8_len(uint32_t cp)
{
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

static void utf8_put(uint32_t cp, char *o)
{
	switch (utf8_len(cp)) {
	case 1:
		o[0] = (char)cp;
		break;
	case 2:
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		break;
	case 3:
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		break;
	default:
		o[0] = (char)(0xF0 | (cp >> 18));
		o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[3] = (char)(0x80 | (cp & 0x3F));
	}
}

/* Length of a valid UTF-8 sequence at in[0..n), 0 when invalid
 * (overlong forms, surrogates and values above U+10FFFF are invalid). */
static size_t utf8_valid_seq(const uint8_t *in, size_t n, uint32_t *cp)
{
	uint8_t b = in[0];
	size_t len;
	uint32_t v, min;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xC2 && b <= 0xDF)
		len = 2, v = b & 0x1F, min = 0x80;
	else if (b >= 0xE0 && b <= 0xEF)
		len = 3, v = b & 0x0F, min = 0x800;
	else if (b >= 0xF0 && b <= 0xF4)
		len = 4, v = b & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((in[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (in[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

/* Code point of single byte b >= 0x80 in an 8-bit set; 0 = undefined. */
static uint32_t single_byte_cp(enum charset cs, uint8_t b)
{
	if (b < 0xA0)
		return b;
	switch (cs) {
	case CHARSET_LATIN2:   return latin2_hi[b - 0xA0];
	case CHARSET_GREEK:    return greek_hi[b - 0xA0];
	case CHARSET_CYRILLIC: return cyrillic_cp(b);
	default:               return b;
	}
}

size_t charset_to_utf8(enum charset cs, const uint8_t *in, size_t n,
		       char *out, size_t cap, unsigned *replaced)
{
	size_t o = 0;

	if (cap == 0)
		return 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t used = 1;
		int bad = 0;

		/* Fast path: a run of ASCII is copied as it is, found eight
		 * bytes at a time (no byte of the word has its top bit set). */
		size_t run = 0, lim = n - i < cap - 1 - o ? n - i : cap - 1 - o;
		uint64_t w;

		while (run + 8 <= lim) {
			memcpy(&w, in + i + run, sizeof(w));
			if (w & 0x8080808080808080ull)
				break;
			run += 8;
		}
		while (run < lim && in[i + run] < 0x80)
			run++;
		if (run) {
			memcpy(out + o, in + i, run);
			o += run;
			i += run;
			continue;
		}
		if (o >= cap - 1)
			break;
		if (in[i] < 0x80) {
			cp = in[i];
		} else if (cs == CHARSET_UTF8 || cs == CHARSET_ASCII) {
			used = utf8_valid_seq(in + i, n - i, &cp);
			if (used == 0) {
				used = 1;
				/* ISO 646 senders that stray above 0x7F nearly
				 * always mean Latin-1; for UTF-8 it is an error. */
				cp = cs == CHARSET_ASCII ? in[i] : REPLACEMENT;
				bad = cs != CHARSET_ASCII;
			}
		} else {
			cp = single_byte_cp(cs, in[i]);
			if (cp == 0) {
				cp = REPLACEMENT;
				bad = 1;
			}
		}
		if (bad && replaced)
			(*replaced)++;
		if (o + utf8_len(cp) > cap - 1)
			break;
		utf8_put(cp, out + o);
		o += utf8_len(cp);
		i += used;
	}
	out[o] = '\0';
	return o;
}
