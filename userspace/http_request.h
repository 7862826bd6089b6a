/*
 * The metrics server's request handling without the socket: bytes in,
 * bounded, in whatever pieces the network delivers them, then what to
 * answer. Kept apart from metrics.c so it can be fuzzed and unit tested
 * (tests/fuzz/fuzz_http.c, tests/unit/test_http_request.c).
 *
 * Only the request line matters: METHOD SP TARGET [SP VERSION]. Headers are
 * read (to the blank line) and ignored. Bytes are taken literally: a NUL is
 * just a byte that makes the target not match.
 */
#ifndef EDISENSOR_HTTP_REQUEST_H
#define EDISENSOR_HTTP_REQUEST_H
#include <stdbool.h>
#include <stddef.h>

/* Request head limit: a scraper sends a few hundred bytes. */
#define HTTP_REQ_MAX 4096

enum http_state {
	HTTP_MORE,        /* head not complete yet: read more */
	HTTP_COMPLETE,    /* blank line seen: answer */
	HTTP_TOO_LARGE,   /* HTTP_REQ_MAX bytes without a blank line */
};

enum http_route {
	HTTP_ROUTE_METRICS,     /* GET/HEAD /metrics[?...] */
	HTTP_ROUTE_INDEX,       /* GET/HEAD / */
	HTTP_ROUTE_NOT_FOUND,   /* another target */
	HTTP_ROUTE_BAD_METHOD,  /* not GET or HEAD (or no request line) */
	HTTP_ROUTE_TOO_LARGE,   /* head over HTTP_REQ_MAX */
};

struct http_request {
	char buf[HTTP_REQ_MAX];
	size_t len;
	enum http_state state;
};

void http_request_init(struct http_request *r);
/* Appends data (n bytes, any content) up to the end of the head or the
 * buffer, whichever comes first, and returns the state.
 * Once the state is not HTTP_MORE, further bytes are ignored. */
enum http_state http_request_feed(struct http_request *r, const void *data, size_t n);
/* What to answer for the bytes so far (also for a head cut short by the
 * client closing its side). *head_only: HEAD, send no body. */
enum http_route http_request_route(const struct http_request *r, bool *head_only);

#endif
