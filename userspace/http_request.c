#include <string.h>
#include "http_request.h"

void http_request_init(struct http_request *r)
{
	r->len = 0;
	r->state = HTTP_MORE;
}

/* Length of p up to and including its first empty line, 0 if none. LF
 * alone is accepted as a line end (curl and Prometheus send CRLF, a
 * hand-typed request may not). */
static size_t head_end(const char *p, size_t n)
{
	const char *crlf = memmem(p, n, "\r\n\r\n", 4), *lf = memmem(p, n, "\n\n", 2);
	size_t a = crlf ? (size_t)(crlf - p) + 4 : 0, b = lf ? (size_t)(lf - p) + 2 : 0;

	return a && (!b || a < b) ? a : b;
}

enum http_state http_request_feed(struct http_request *r, const void *data, size_t n)
{
	size_t room = sizeof(r->buf) - r->len;
	size_t take = n < room ? n : room;
	/* The end may straddle two pieces: look back 3 bytes, no further (a
	 * byte-at-a-time client must not cost a rescan of the whole buffer). */
	size_t from = r->len > 3 ? r->len - 3 : 0, end;

	if (r->state != HTTP_MORE)
		return r->state;
	memcpy(r->buf + r->len, data, take);
	r->len += take;
	end = head_end(r->buf + from, r->len - from);
	if (end) {
		r->len = from + end;   /* the head only: a body is not read */
		r->state = HTTP_COMPLETE;
	} else if (r->len == sizeof(r->buf)) {
		r->state = HTTP_TOO_LARGE;
	}
	return r->state;
}

static bool starts_with(const char *p, size_t n, const char *word)
{
	size_t w = strlen(word);

	return n >= w && !memcmp(p, word, w);
}

enum http_route http_request_route(const struct http_request *r, bool *head_only)
{
	const char *p = r->buf, *nl = memchr(p, '\n', r->len);
	size_t n = nl ? (size_t)(nl - p) : r->len;   /* the request line */
	size_t path = 0;

	*head_only = false;
	if (r->state == HTTP_TOO_LARGE)
		return HTTP_ROUTE_TOO_LARGE;
	if (starts_with(p, n, "GET ")) {
		p += 4, n -= 4;
	} else if (starts_with(p, n, "HEAD ")) {
		p += 5, n -= 5;
		*head_only = true;
	} else {
		return HTTP_ROUTE_BAD_METHOD;
	}
	while (path < n && p[path] != ' ' && p[path] != '\r' && p[path] != '?')
		path++;
	if (path == 8 && !memcmp(p, "/metrics", 8))
		return HTTP_ROUTE_METRICS;
	if (path == 1 && p[0] == '/')
		return HTTP_ROUTE_INDEX;
	return HTTP_ROUTE_NOT_FOUND;
}
