#include "indicator.h"

#include <errno.h>
#include <string.h>

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

size_t indicator_norm_text(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	bool gap = false;

	for (; *in && n + 1 < cap; in++) {
		unsigned char c = (unsigned char)*in;

		if (c < 0x80 && !is_alnum(c)) {
			gap = n > 0;     /* leading separators are dropped */
			continue;
		}
		if (gap) {
			if (n + 2 >= cap)
				break;
			out[n++] = ' ';
			gap = false;
		}
		out[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
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
	size_t n = 0;

	while (is_space((unsigned char)*in))
		in++;
	if ((in[0] | 0x20) == 'i' && (in[1] | 0x20) == 'm' && (in[2] | 0x20) == 'o')
		in += 3;
	for (; *in; in++) {
		if (is_space((unsigned char)*in) || (*in == ':' && n == 0))
			continue;
		if (*in < '0' || *in > '9' || n == 7)
			return -EINVAL;
		out[n++] = *in;
	}
	out[n] = '\0';
	return n == 7 ? 0 : -EINVAL;
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
