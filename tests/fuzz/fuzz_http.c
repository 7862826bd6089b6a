/* Fuzz target: the metrics server's request handling (http_request.c), the
 * part of the HTTP endpoint that sees network bytes. The input is the bytes
 * a client sends; it is fed whole, then again in pieces of 1..64 bytes
 * whose sizes come from a generator seeded by the input (the network may
 * cut a request anywhere).
 * Invariants: never more than HTTP_REQ_MAX bytes kept, and they are a
 * prefix of the input; the head is complete exactly when the kept bytes
 * contain a blank line (CRLF CRLF or LF LF), which ends them; too large
 * exactly when the buffer filled without one; whole and cut feeding give
 * the same bytes, state and answer. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "http_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool has_blank_line(const char *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if ((p[i] == '\n' && p[i + 1] == '\n') ||
		    (i + 3 < n && !memcmp(p + i, "\r\n\r\n", 4)))
			return true;
	return false;
}

static void check(const struct http_request *r, const uint8_t *data, size_t size)
{
	if (r->len > HTTP_REQ_MAX || r->len > size || memcmp(r->buf, data, r->len))
		abort();
	switch (r->state) {
	case HTTP_COMPLETE:
		/* ends at the first blank line: not one without its last byte */
		if (!has_blank_line(r->buf, r->len) || has_blank_line(r->buf, r->len - 1))
			abort();
		break;
	case HTTP_TOO_LARGE:
		if (r->len != HTTP_REQ_MAX || has_blank_line(r->buf, r->len))
			abort();
		break;
	case HTTP_MORE:
		if (r->len != size || has_blank_line(r->buf, r->len))
			abort();
		break;
	default:
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_request whole, cut;
	enum http_route rw, rc;
	bool hw, hc;
	uint32_t x = 2166136261u;

	http_request_init(&whole);
	http_request_feed(&whole, data, size);
	check(&whole, data, size);
	rw = http_request_route(&whole, &hw);

	for (size_t i = 0; i < size && i < 64; i++)
		x = (x ^ data[i]) * 16777619u;
	http_request_init(&cut);
	for (size_t off = 0; off < size;) {
		size_t n;

		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		n = 1 + x % 64;
		if (n > size - off)
			n = size - off;
		if (http_request_feed(&cut, data + off, n) != HTTP_MORE && x % 4 == 0)
			break;   /* the server stops reading here; sometimes keep feeding */
		off += n;
	}
	check(&cut, data, size);
	rc = http_request_route(&cut, &hc);
	if (cut.len != whole.len || cut.state != whole.state || memcmp(cut.buf, whole.buf, cut.len) ||
	    rc != rw || hc != hw)
		abort();
	if (rw > HTTP_ROUTE_TOO_LARGE || (hw && rw == HTTP_ROUTE_BAD_METHOD) ||
	    (rw == HTTP_ROUTE_TOO_LARGE) != (whole.state == HTTP_TOO_LARGE))
		abort();
	return 0;
}
