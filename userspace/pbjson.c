/* Reflective proto3 JSON encoder over protobuf-c descriptors. */
#include "pbjson.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- buffer ------------------------------------------------------------ */

static int buf_reserve(struct pbjson_buf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	char *p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

static int buf_put(struct pbjson_buf *b, const char *s, size_t n)
{
	if (buf_reserve(b, n))
		return -ENOMEM;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static int buf_putc(struct pbjson_buf *b, char c)
{
	return buf_put(b, &c, 1);
}

static int buf_puts(struct pbjson_buf *b, const char *s)
{
	return buf_put(b, s, strlen(s));
}

int pbjson_append_raw(struct pbjson_buf *b, const char *s, size_t n)
{
	return buf_put(b, s, n);
}

void pbjson_buf_reset(struct pbjson_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void pbjson_buf_free(struct pbjson_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* ---- strings ----------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF), or 0 when it is ill-formed. */
static size_t utf8_sequence_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;		/* overlong */
	else if (c == 0xed)
		hi = 0x9f;		/* surrogates */
	else if (c == 0xf0)
		lo = 0x90;		/* overlong */
	else if (c == 0xf4)
		hi = 0x8f;		/* above U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

static int put_escaped_ascii(struct pbjson_buf *b, unsigned char c)
{
	char esc[8];

	switch (c) {
	case '"': return buf_put(b, "\\\"", 2);
	case '\\': return buf_put(b, "\\\\", 2);
	case '\n': return buf_put(b, "\\n", 2);
	case '\r': return buf_put(b, "\\r", 2);
	case '\t': return buf_put(b, "\\t", 2);
	case '\b': return buf_put(b, "\\b", 2);
	case '\f': return buf_put(b, "\\f", 2);
	default:
		if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			return buf_put(b, esc, 6);
		}
		return buf_putc(b, (char)c);
	}
}

int pbjson_append_string(struct pbjson_buf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	if (buf_putc(b, '"'))
		return -ENOMEM;
	while (i < n) {
		size_t len = utf8_sequence_len(s + i, n - i);
		int err;

		if (len == 1)
			err = put_escaped_ascii(b, s[i]);
		else if (len > 1)
			err = buf_put(b, (const char *)s + i, len);
		else
			err = buf_puts(b, "\\ufffd");
		if (err)
			return err;
		i += len ? len : 1;
	}
	return buf_putc(b, '"');
}

static int put_base64(struct pbjson_buf *b, const uint8_t *d, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char q[4];

	if (buf_putc(b, '"'))
		return -ENOMEM;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16;
		size_t left = n - i;

		if (left > 1)
			v |= (uint32_t)d[i + 1] << 8;
		if (left > 2)
			v |= d[i + 2];
		q[0] = tab[(v >> 18) & 63];
		q[1] = tab[(v >> 12) & 63];
		q[2] = left > 1 ? tab[(v >> 6) & 63] : '=';
		q[3] = left > 2 ? tab[v & 63] : '=';
		if (buf_put(b, q, 4))
			return -ENOMEM;
	}
	return buf_putc(b, '"');
}

/* ---- scalars ----------------------------------------------------------- */

static int put_double(struct pbjson_buf *b, double v, int min_digits)
{
	char num[40];

	if (isnan(v))
		return buf_puts(b, "\"NaN\"");
	if (isinf(v))
		return buf_puts(b, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	/* Shortest of the usual precisions that reads back as the same value. */
	for (int digits = min_digits; digits <= 17; digits++) {
		snprintf(num, sizeof(num), "%.*g", digits, v);
		if (strtod(num, NULL) == v)
			break;
	}
	return buf_puts(b, num);
}

static size_t scalar_size(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	default:
		return 4;
	}
}

static int put_message(struct pbjson_buf *b, const ProtobufCMessage *m, int depth);

static int put_value(struct pbjson_buf *b, const ProtobufCFieldDescriptor *f,
		     const void *p, int depth)
{
	char num[32];

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		snprintf(num, sizeof(num), "%" PRId32, *(const int32_t *)p);
		return buf_puts(b, num);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		snprintf(num, sizeof(num), "%" PRIu32, *(const uint32_t *)p);
		return buf_puts(b, num);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		snprintf(num, sizeof(num), "\"%" PRId64 "\"", *(const int64_t *)p);
		return buf_puts(b, num);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		snprintf(num, sizeof(num), "\"%" PRIu64 "\"", *(const uint64_t *)p);
		return buf_puts(b, num);
	case PROTOBUF_C_TYPE_FLOAT:
		return put_double(b, *(const float *)p, 6);
	case PROTOBUF_C_TYPE_DOUBLE:
		return put_double(b, *(const double *)p, 15);
	case PROTOBUF_C_TYPE_BOOL:
		return buf_puts(b, *(const protobuf_c_boolean *)p ? "true" : "false");
	case PROTOBUF_C_TYPE_ENUM: {
		int32_t v = *(const int32_t *)p;
		const ProtobufCEnumValue *ev =
			protobuf_c_enum_descriptor_get_value(f->descriptor, v);
		if (ev)
			return pbjson_append_string(b, ev->name, strlen(ev->name));
		snprintf(num, sizeof(num), "%" PRId32, v);  /* unknown value: number */
		return buf_puts(b, num);
	}
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;
		return s ? pbjson_append_string(b, s, strlen(s)) : buf_puts(b, "\"\"");
	}
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *bd = p;
		return put_base64(b, bd->data, bd->len);
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
		return sub ? put_message(b, sub, depth + 1) : buf_puts(b, "{}");
	}
	}
	return -EINVAL;
}

/* ---- presence ---------------------------------------------------------- */

static bool is_default(const ProtobufCFieldDescriptor *f, const void *p)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;
		return !s || !*s;
	}
	case PROTOBUF_C_TYPE_BYTES:
		return ((const ProtobufCBinaryData *)p)->len == 0;
	case PROTOBUF_C_TYPE_MESSAGE:
		return *(ProtobufCMessage *const *)p == NULL;
	case PROTOBUF_C_TYPE_FLOAT:
		return *(const float *)p == 0 && !signbit(*(const float *)p);
	case PROTOBUF_C_TYPE_DOUBLE:
		return *(const double *)p == 0 && !signbit(*(const double *)p);
	default: {
		static const uint8_t zero[8];
		return memcmp(p, zero, scalar_size(f->type)) == 0;
	}
	}
}

/* Whether a singular field is written: set oneof member, present optional,
 * non-default proto3 value, or any required field. */
static bool is_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const char *base = (const char *)m;
	const void *p = base + f->offset;

	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)(base + f->quantifier_offset) == f->id;
	switch (f->label) {
	case PROTOBUF_C_LABEL_REQUIRED:
		return true;
	case PROTOBUF_C_LABEL_OPTIONAL:
		if (f->type == PROTOBUF_C_TYPE_STRING) {
			const char *s = *(char *const *)p;
			return s && s != (const char *)f->default_value;
		}
		if (f->type == PROTOBUF_C_TYPE_MESSAGE)
			return *(ProtobufCMessage *const *)p != NULL;
		return *(const protobuf_c_boolean *)(base + f->quantifier_offset);
	default:
		return !is_default(f, p);
	}
}

/* ---- messages ---------------------------------------------------------- */

static int put_field_name(struct pbjson_buf *b, const char *name)
{
	bool upper = false;

	if (buf_putc(b, '"'))
		return -ENOMEM;
	for (const char *c = name; *c; c++) {
		if (*c == '_') {
			upper = true;
			continue;
		}
		char out = upper && *c >= 'a' && *c <= 'z' ? (char)(*c - 'a' + 'A') : *c;
		upper = false;
		if (buf_putc(b, out))
			return -ENOMEM;
	}
	return buf_put(b, "\":", 2);
}

static int put_repeated(struct pbjson_buf *b, const ProtobufCMessage *m,
			const ProtobufCFieldDescriptor *f, int depth)
{
	const char *base = (const char *)m;
	size_t n = *(const size_t *)(base + f->quantifier_offset);
	const char *arr = *(char *const *)(base + f->offset);
	size_t step = scalar_size(f->type);
	int err;

	if (buf_putc(b, '['))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (i && buf_putc(b, ','))
			return -ENOMEM;
		err = put_value(b, f, arr + i * step, depth);
		if (err)
			return err;
	}
	return buf_putc(b, ']');
}

static int put_message(struct pbjson_buf *b, const ProtobufCMessage *m, int depth)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	bool first = true;
	int err;

	if (depth > PBJSON_MAX_DEPTH)
		return -ELOOP;
	if (!d || d->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC)
		return -EINVAL;
	if (buf_putc(b, '{'))
		return -ENOMEM;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		bool repeated = f->label == PROTOBUF_C_LABEL_REPEATED;

		if (repeated ? *(const size_t *)((const char *)m + f->quantifier_offset) == 0
			     : !is_present(m, f))
			continue;
		if (!first && buf_putc(b, ','))
			return -ENOMEM;
		first = false;
		err = put_field_name(b, f->name);
		if (!err)
			err = repeated ? put_repeated(b, m, f, depth)
				       : put_value(b, f, (const char *)m + f->offset, depth);
		if (err)
			return err;
	}
	return buf_putc(b, '}');
}

int pbjson_append(struct pbjson_buf *out, const ProtobufCMessage *msg)
{
	size_t saved = out->len;
	int err = msg ? put_message(out, msg, 0) : -EINVAL;

	if (err) {
		out->len = saved;
		if (out->data)
			out->data[saved] = '\0';
	}
	return err;
}
