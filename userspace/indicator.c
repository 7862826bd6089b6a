#include "indicator.h"

#include <errno.h>
#include <string.h>

#include "imo.h"

static const char *const type_names[INDICATOR_TYPE_COUNT] = {
	[INDICATOR_ADDR] = "Intel::ADDR",
	[INDICATOR_SUBNET] = "Intel::SUBNET",
	[INDICATOR_PARTY_ID] = "EDI::PARTY_ID",
	[INDICATOR_PARTY_NAME] = "EDI::PARTY_NAME",
	[INDICATOR_HS_CODE] = "EDI::HS_CODE",
	[INDICATOR_CONTAINER] = "EDI::CONTAINER",
	[INDICATOR_REFERENCE] = "EDI::REFERENCE",
	[INDICATOR_VESSEL] = "EDI::VESSEL",
	[INDICATOR_LOCODE] = "EDI::LOCODE",
	[INDICATOR_KEYWORD] = "EDI::KEYWORD",
};

const char *indicator_type_name(enum indicator_type t)
{
	return (unsigned)t < INDICATOR_TYPE_COUNT ? type_names[t] : "?";
}

int indicator_type_parse(const char *name)
{
	for (int t = 0; t < INDICATOR_TYPE_COUNT; t++)
		if (strcmp(name, type_names[t]) == 0)
			return t;
	return -EINVAL;
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static bool is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

size_t indicator_norm_exact(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in && n + 1 < cap; in++) {
		unsigned char c = (unsigned char)*in;

		if (is_space(c))
			continue;
		out[n++] = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
	}
	out[n] = '\0';
	return n;
}

/* Lower case of the letters the EDIFACT character sets bring (Latin-1,
 * Latin Extended-A for 8859-2, Greek, Cyrillic); all stay two UTF-8 bytes.
 * Letters without a same-length lower case (U+0130) are left alone. */
static unsigned fold_cp(unsigned cp)
{
	if ((cp >= 0xc0 && cp <= 0xde && cp != 0xd7) || (cp >= 0x391 && cp <= 0x3ab && cp != 0x3a2) ||
	    (cp >= 0x410 && cp <= 0x42f))
		return cp + 0x20;
	if ((cp >= 0x100 && cp <= 0x12f) || (cp >= 0x132 && cp <= 0x137) ||
	    (cp >= 0x14a && cp <= 0x177))
		return cp | 1;
	if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e))
		return cp & 1 ? cp + 1 : cp;
	if (cp >= 0x400 && cp <= 0x40f)
		return cp + 0x50;
	switch (cp) {
	case 0x178: return 0xff;
	case 0x386: return 0x3ac;
	case 0x388: case 0x389: case 0x38a: return cp + 0x25;
	case 0x38c: return 0x3cc;
	case 0x3c2: return 0x3c3;   /* final sigma: one letter for matching */
	case 0x38e: case 0x38f: return cp + 0x3f;
	default: return cp;
	}
}

/* One character of in: its length and its folded bytes in buf. */
static size_t fold_char(const unsigned char *in, unsigned char buf[2])
{
	unsigned cp;

	if (in[0] >= 'A' && in[0] <= 'Z') {
		buf[0] = (unsigned char)(in[0] - 'A' + 'a');
		return 1;
	}
	if (in[0] < 0xc2 || in[0] > 0xdf || (in[1] & 0xc0) != 0x80) {
		buf[0] = in[0];   /* ASCII, or a byte that is not a 2-byte sequence: as is */
		return 1;
	}
	cp = fold_cp(((unsigned)(in[0] & 0x1f) << 6) | (in[1] & 0x3f));
	buf[0] = (unsigned char)(0xc0 | (cp >> 6));
	buf[1] = (unsigned char)(0x80 | (cp & 0x3f));
	return 2;
}

size_t indicator_norm_text(const char *in, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n = 0;
	bool gap = false;

	while (*s) {
		unsigned char buf[2];
		size_t len;

		if (*s < 0x80 && !is_alnum(*s)) {
			gap = n > 0;     /* leading separators are dropped */
			s++;
			continue;
		}
		len = fold_char(s, buf);
		if (n + len + gap >= cap)
			break;
		if (gap)
			out[n++] = ' ';
		gap = false;
		memcpy(out + n, buf, len);
		n += len;
		s += len;
	}
	out[n] = '\0';
	return n;
}

size_t indicator_norm_digits(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in && n + 1 < cap; in++)
		if (*in >= '0' && *in <= '9')
			out[n++] = *in;
	out[n] = '\0';
	return n;
}

int indicator_norm_imo(const char *in, char out[8])
{
	return imo_normalise(in, out);
}

/* One parsed item or path: collection, optional [key], optional .member. */
struct field_ref {
	const char *coll, *key, *member;
	size_t coll_len, key_len, member_len;
};

static bool ident_char(char c)
{
	return is_alnum((unsigned char)c) || c == '_';
}

/* Parses one item from s up to end; false when malformed. */
static bool parse_ref(const char *s, const char *end, struct field_ref *r)
{
	memset(r, 0, sizeof(*r));
	r->coll = s;
	while (s < end && ident_char(*s))
		s++;
	r->coll_len = (size_t)(s - r->coll);
	if (!r->coll_len)
		return false;
	if (s < end && *s == '[') {
		r->key = ++s;
		while (s < end && *s != ']' && *s != '[' && *s != ',')
			s++;
		if (s == end || *s != ']' || s == r->key)
			return false;
		r->key_len = (size_t)(s - r->key);
		s++;
	}
	if (s < end && *s == '.') {
		r->member = ++s;
		while (s < end && ident_char(*s))
			s++;
		r->member_len = (size_t)(s - r->member);
		if (!r->member_len)
			return false;
	}
	return s == end;
}

static bool same(const char *a, size_t al, const char *b, size_t bl)
{
	return al == bl && memcmp(a, b, al) == 0;
}

static bool item_allows(const struct field_ref *item, const struct field_ref *path)
{
	if (!same(item->coll, item->coll_len, path->coll, path->coll_len))
		return false;
	if (item->key && !same(item->key, item->key_len, path->key, path->key_len))
		return false;
	if (item->member && !same(item->member, item->member_len, path->member, path->member_len))
		return false;
	return true;
}

/* Calls back for each comma-separated item (spaces around items allowed). */
static bool each_item(const char *spec, const struct field_ref *path, bool *allowed)
{
	const char *s = spec;

	*allowed = false;
	while (*s) {
		const char *end = strchr(s, ',');
		const char *e, *b = s;
		struct field_ref item;

		if (!end)
			end = s + strlen(s);
		e = end;
		while (b < e && *b == ' ')
			b++;
		while (e > b && e[-1] == ' ')
			e--;
		if (!parse_ref(b, e, &item))
			return false;
		if (path && item_allows(&item, path))
			*allowed = true;
		s = *end ? end + 1 : end;
	}
	return true;
}

bool indicator_fields_valid(const char *spec)
{
	bool allowed;

	return spec && *spec && each_item(spec, NULL, &allowed);
}

bool indicator_fields_allow(const char *spec, const char *path)
{
	struct field_ref p;
	bool allowed;

	if (!spec || !*spec)
		return true;
	if (!parse_ref(path, path + strlen(path), &p))
		return false;
	return each_item(spec, &p, &allowed) && allowed;
}
