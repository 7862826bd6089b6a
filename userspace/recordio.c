/* Length-delimited record streams: framing, reading, torn-tail handling. */
#include "recordio.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edisensor.pb-c.h"

#define READ_CHUNK (64u << 10)

size_t recordio_put_varint(uint64_t v, uint8_t out[RECORDIO_VARINT_MAX])
{
	size_t n = 0;

	while (v >= 0x80) {
		out[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

int recordio_get_varint(const uint8_t *p, size_t n, uint64_t *v, size_t *used)
{
	uint64_t val = 0;

	for (size_t i = 0; i < RECORDIO_VARINT_MAX; i++) {
		if (i >= n)
			return -EAGAIN;
		val |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*v = val;
			*used = i + 1;
			return 0;
		}
	}
	return -EBADMSG;
}

static int buf_grow(struct recordio_buf *b, size_t need)
{
	if (b->len + need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 1024;
	while (cap < b->len + need)
		cap *= 2;
	uint8_t *p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

ssize_t recordio_append(struct recordio_buf *b, const ProtobufCMessage *msg)
{
	size_t size = protobuf_c_message_get_packed_size(msg);
	uint8_t hdr[RECORDIO_VARINT_MAX];
	size_t hlen;

	if (size > RECORDIO_MAX_RECORD)
		return -EMSGSIZE;
	hlen = recordio_put_varint(size, hdr);
	if (buf_grow(b, hlen + size))
		return -ENOMEM;
	memcpy(b->data + b->len, hdr, hlen);
	protobuf_c_message_pack(msg, b->data + b->len + hlen);
	b->len += hlen + size;
	return (ssize_t)(hlen + size);
}

void recordio_buf_free(struct recordio_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

int recordio_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- reader ------------------------------------------------------------ */

void recordio_reader_init(struct recordio_reader *r, int fd)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
}

void recordio_reader_fini(struct recordio_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = r->start = r->end = 0;
}

size_t recordio_pending(const struct recordio_reader *r)
{
	return r->end - r->start;
}

/* Makes room for at least want more bytes after r->end, moving the unread
 * part to the front first. */
static int reader_make_room(struct recordio_reader *r, size_t want)
{
	size_t held = r->end - r->start;

	if (r->start) {
		memmove(r->buf, r->buf + r->start, held);
		r->start = 0;
		r->end = held;
	}
	if (held + want <= r->cap)
		return 0;
	size_t cap = r->cap ? r->cap : READ_CHUNK;
	while (cap < held + want)
		cap *= 2;
	uint8_t *p = realloc(r->buf, cap);
	if (!p)
		return -ENOMEM;
	r->buf = p;
	r->cap = cap;
	return 0;
}

/* Reads more bytes: >0 read, 0 end of file, <0 -errno. */
static ssize_t reader_fill(struct recordio_reader *r, size_t need)
{
	size_t want = need > READ_CHUNK ? need : READ_CHUNK;
	int err = reader_make_room(r, want);
	ssize_t n;

	if (err)
		return err;
	do
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	r->end += (size_t)n;
	return n;
}

int recordio_next(struct recordio_reader *r, const uint8_t **rec, size_t *len)
{
	for (;;) {
		size_t held = r->end - r->start, used = 0;
		uint64_t size = 0;
		/* No buffer before the first read: NULL + 0 is undefined. */
		int err = recordio_get_varint(r->buf ? r->buf + r->start : NULL, held, &size, &used);
		size_t need = RECORDIO_VARINT_MAX;

		if (err == -EBADMSG || (!err && size > RECORDIO_MAX_RECORD))
			return -EBADMSG;
		if (!err) {
			if (held - used >= size) {
				*rec = r->buf + r->start + used;
				*len = (size_t)size;
				r->start += used + (size_t)size;
				r->offset += used + size;
				return 1;
			}
			need = used + (size_t)size - held;
		}
		ssize_t n = reader_fill(r, need);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return r->end == r->start ? 0 : -EAGAIN;
	}
}

int recordio_scan(int fd, uint64_t *good, uint64_t *count)
{
	struct recordio_reader r;
	const uint8_t *rec;
	size_t len;
	uint64_t n = 0;
	int err;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	recordio_reader_init(&r, fd);
	while ((err = recordio_next(&r, &rec, &len)) == 1)
		n++;
	*good = r.offset;
	if (count)
		*count = n;
	recordio_reader_fini(&r);
	/* A torn or corrupt tail still leaves a usable prefix. */
	return err == -EAGAIN || err == -EBADMSG ? 0 : err;
}

/* ---- peek -------------------------------------------------------------- */

/* Skips one field's value of the given wire type; returns bytes or <0. */
static int skip_value(const uint8_t *p, size_t n, unsigned wire, size_t *used)
{
	uint64_t v;

	switch (wire) {
	case 0:
		return recordio_get_varint(p, n, &v, used) ? -EBADMSG : 0;
	case 1:
		*used = 8;
		break;
	case 2: {
		size_t hl;
		if (recordio_get_varint(p, n, &v, &hl) || v > n - hl)
			return -EBADMSG;
		*used = hl + (size_t)v;
		break;
	}
	case 5:
		*used = 4;
		break;
	default:
		return -EBADMSG;
	}
	return *used <= n ? 0 : -EBADMSG;
}

/* Whether a Record field number is a member of its `kind` oneof. */
static bool is_kind_field(uint32_t field)
{
	const ProtobufCFieldDescriptor *f;

	f = protobuf_c_message_descriptor_get_field(&edisensor__v1__record__descriptor, field);
	return f && (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF);
}

int record_peek(const uint8_t *rec, size_t len, struct record_peek *out)
{
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	while (pos < len) {
		uint64_t key, v;
		size_t used;

		if (recordio_get_varint(rec + pos, len - pos, &key, &used))
			return -EBADMSG;
		pos += used;
		uint64_t field = key >> 3;
		unsigned wire = key & 7;

		if (field == 1 && wire == 0) {
			if (recordio_get_varint(rec + pos, len - pos, &v, &used))
				return -EBADMSG;
			out->sequence = v;
		} else if (field == 2 && wire == 2) {
			size_t hl;
			if (recordio_get_varint(rec + pos, len - pos, &v, &hl) ||
			    v > len - pos - hl)
				return -EBADMSG;
			out->sensor_id = (const char *)rec + pos + hl;
			out->sensor_id_len = (size_t)v;
			used = hl + (size_t)v;
		} else {
			if (skip_value(rec + pos, len - pos, wire, &used))
				return -EBADMSG;
			if (wire == 2 && field <= UINT32_MAX &&
			    is_kind_field((uint32_t)field))
				out->kind = (uint32_t)field;
		}
		pos += used;
	}
	return 0;
}

const char *record_kind_name(uint32_t kind)
{
	if (!is_kind_field(kind))
		return "unknown";
	return protobuf_c_message_descriptor_get_field(&edisensor__v1__record__descriptor,
						       kind)->name;
}
