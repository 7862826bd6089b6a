/* The metrics server's request handling without sockets: routes, HEAD,
 * heads split across reads at every byte, LF-only line ends, NUL bytes,
 * a head larger than the buffer, and a request cut short. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "http_request.h"

static enum http_route route_of(const char *req, size_t n, enum http_state *st, bool *head)
{
	struct http_request r;

	http_request_init(&r);
	*st = http_request_feed(&r, req, n);
	return http_request_route(&r, head);
}

static void test_routes(void **state)
{
	static const struct {
		const char *req;
		enum http_route route;
		bool head;
	} cases[] = {
		{ "GET /metrics HTTP/1.0\r\n\r\n", HTTP_ROUTE_METRICS, false },
		{ "GET /metrics?name[]=x HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_ROUTE_METRICS, false },
		{ "HEAD /metrics HTTP/1.1\r\n\r\n", HTTP_ROUTE_METRICS, true },
		{ "GET /metrics\n\n", HTTP_ROUTE_METRICS, false },
		{ "GET / HTTP/1.0\r\n\r\n", HTTP_ROUTE_INDEX, false },
		{ "GET /metricsx HTTP/1.0\r\n\r\n", HTTP_ROUTE_NOT_FOUND, false },
		{ "GET /metric HTTP/1.0\r\n\r\n", HTTP_ROUTE_NOT_FOUND, false },
		{ "GET  /metrics HTTP/1.0\r\n\r\n", HTTP_ROUTE_NOT_FOUND, false },
		{ "POST /metrics HTTP/1.0\r\n\r\n", HTTP_ROUTE_BAD_METHOD, false },
		{ "get /metrics HTTP/1.0\r\n\r\n", HTTP_ROUTE_BAD_METHOD, false },
		{ "GET\r\n\r\n", HTTP_ROUTE_BAD_METHOD, false },
		{ "\r\n\r\n", HTTP_ROUTE_BAD_METHOD, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum http_state st;
		bool head;

		assert_int_equal(route_of(cases[i].req, strlen(cases[i].req), &st, &head),
				 cases[i].route);
		assert_int_equal(st, HTTP_COMPLETE);
		assert_int_equal(head, cases[i].head);
	}
}

/* A head split at every byte (and byte by byte) reads as the whole. */
static void test_split_reads(void **state)
{
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\nBODY";
	size_t n = sizeof(req) - 1, end = strlen(req) - 4;

	(void)state;
	for (size_t cut = 0; cut <= n; cut++) {
		struct http_request r;
		bool head;

		http_request_init(&r);
		assert_int_equal(http_request_feed(&r, req, cut), cut >= end ? HTTP_COMPLETE : HTTP_MORE);
		assert_int_equal(http_request_feed(&r, req + cut, n - cut), HTTP_COMPLETE);
		assert_int_equal(r.len, end);   /* the head only, never the body */
		assert_int_equal(http_request_route(&r, &head), HTTP_ROUTE_METRICS);
	}
	{
		struct http_request r;

		http_request_init(&r);
		for (size_t i = 0; i < end; i++)
			assert_int_equal(http_request_feed(&r, req + i, 1),
					 i + 1 == end ? HTTP_COMPLETE : HTTP_MORE);
		assert_int_equal(r.len, end);   /* bytes after the head are not taken */
		assert_int_equal(http_request_feed(&r, "x", 1), HTTP_COMPLETE);
		assert_int_equal(r.len, end);
	}
}

/* NUL bytes are bytes: no early end of the head, no match of the path. */
static void test_nul_bytes(void **state)
{
	static const char nul_path[] = "GET /metrics\0 HTTP/1.0\r\n\r\n";
	static const char nul_head[] = "GET /metrics HTTP/1.0\r\nX: \0\r\n\r\n";
	enum http_state st;
	bool head;

	(void)state;
	assert_int_equal(route_of(nul_path, sizeof(nul_path) - 1, &st, &head), HTTP_ROUTE_NOT_FOUND);
	assert_int_equal(st, HTTP_COMPLETE);
	assert_int_equal(route_of(nul_head, sizeof(nul_head) - 1, &st, &head), HTTP_ROUTE_METRICS);
	assert_int_equal(st, HTTP_COMPLETE);
	assert_int_equal(route_of("\0\0\0\0", 4, &st, &head), HTTP_ROUTE_BAD_METHOD);
	assert_int_equal(st, HTTP_MORE);
}

/* More than HTTP_REQ_MAX bytes without a blank line: too large, whatever
 * the request line said; the buffer is never overrun. */
static void test_too_large(void **state)
{
	static char big[HTTP_REQ_MAX * 2];
	struct http_request r;
	bool head;

	(void)state;
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /metrics HTTP/1.0\r\n", 23);
	http_request_init(&r);
	assert_int_equal(http_request_feed(&r, big, HTTP_REQ_MAX - 1), HTTP_MORE);
	assert_int_equal(http_request_feed(&r, big, sizeof(big)), HTTP_TOO_LARGE);
	assert_int_equal(r.len, HTTP_REQ_MAX);
	assert_int_equal(http_request_route(&r, &head), HTTP_ROUTE_TOO_LARGE);
	/* a head that ends exactly at the limit is complete */
	memcpy(big + HTTP_REQ_MAX - 4, "\r\n\r\n", 4);
	http_request_init(&r);
	assert_int_equal(http_request_feed(&r, big, HTTP_REQ_MAX), HTTP_COMPLETE);
	assert_int_equal(http_request_route(&r, &head), HTTP_ROUTE_METRICS);
}

/* A client that closes after the request line still gets its answer
 * (the route of what arrived); the state says the head was cut short. */
static void test_partial(void **state)
{
	enum http_state st;
	bool head;

	(void)state;
	assert_int_equal(route_of("GET /metrics HTTP/1.0\r\n", 23, &st, &head), HTTP_ROUTE_METRICS);
	assert_int_equal(st, HTTP_MORE);
	assert_int_equal(route_of("GET /metr", 9, &st, &head), HTTP_ROUTE_NOT_FOUND);
	assert_int_equal(route_of("GE", 2, &st, &head), HTTP_ROUTE_BAD_METHOD);
	assert_int_equal(route_of("", 0, &st, &head), HTTP_ROUTE_BAD_METHOD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_split_reads),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_partial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
