/* Metrics: exposition format, collectors run under the given lock, the
 * HTTP server answers /metrics, 404 and 405, and metrics_fetch (--stats)
 * returns the body; HEAD gets no body; a client trickling its request a
 * byte at a time is cut off (slowloris) and the next scrape is answered.
 * A field table renders each struct field under its own name.
 * Loopback only. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "metrics.h"

static pthread_mutex_t pipe_lock = PTHREAD_MUTEX_INITIALIZER;
static int lock_was_held;

static void collect(struct metrics_out *o, void *ctx)
{
	char lab[64], esc[32];

	lock_was_held = pthread_mutex_trylock(&pipe_lock) == EBUSY;
	if (!lock_was_held)
		pthread_mutex_unlock(&pipe_lock);
	metrics_counter(o, "edisensor_test_total", "a counter", *(uint64_t *)ctx);
	metrics_family(o, "edisensor_test_labelled", "gauge", "labelled");
	snprintf(lab, sizeof(lab), "name=\"%s\"", metrics_escape("a\"b\\c\nd", esc, sizeof(esc)));
	metrics_sample(o, "edisensor_test_labelled", lab, 7);
}

static void test_render(void **state)
{
	struct metrics *m;
	uint64_t v = 42;
	char *buf;
	size_t len;

	(void)state;
	assert_int_equal(metrics_new(&m, &pipe_lock), 0);
	assert_int_equal(metrics_register(m, collect, &v), 0);
	assert_int_equal(metrics_render(m, &buf, &len), 0);
	assert_true(lock_was_held);
	assert_string_equal(buf,
		"# HELP edisensor_pipeline_stalled 1 when the pipeline held its lock too long to "
		"collect its metrics (an output blocks)\n"
		"# TYPE edisensor_pipeline_stalled gauge\n"
		"edisensor_pipeline_stalled 0\n"
		"# HELP edisensor_test_total a counter\n"
		"# TYPE edisensor_test_total counter\n"
		"edisensor_test_total 42\n"
		"# HELP edisensor_test_labelled labelled\n"
		"# TYPE edisensor_test_labelled gauge\n"
		"edisensor_test_labelled{name=\"a\\\"b\\\\c\\nd\"} 7\n");
	free(buf);
	metrics_free(m);
}

/* A stats struct through a field table: each row reads its own field
 * (distinct values), counters get _total, gauges not, unnamed rows are
 * skipped. */
struct fields_stats {
	uint64_t first, skipped, level;
};

static const struct metrics_field stats_fields[] = {
	METRICS_FIELD(struct fields_stats, level, true, "a gauge"),
	METRICS_FIELD_UNEXPORTED(struct fields_stats, skipped),
	METRICS_FIELD(struct fields_stats, first, false, "a counter"),
};

static void collect_fields(struct metrics_out *o, void *ctx)
{
	metrics_fields(o, "edisensor_t_", stats_fields, 3, ctx);
}

static void test_fields(void **state)
{
	struct fields_stats st = { .first = 11, .skipped = 22, .level = 33 };
	struct metrics *m;
	char *buf;
	size_t len;

	(void)state;
	assert_int_equal(metrics_new(&m, NULL), 0);
	assert_int_equal(metrics_register(m, collect_fields, &st), 0);
	assert_int_equal(metrics_render(m, &buf, &len), 0);
	assert_non_null(strstr(buf,
		"# HELP edisensor_t_level a gauge\n"
		"# TYPE edisensor_t_level gauge\n"
		"edisensor_t_level 33\n"
		"# HELP edisensor_t_first_total a counter\n"
		"# TYPE edisensor_t_first_total counter\n"
		"edisensor_t_first_total 11\n"));
	assert_null(strstr(buf, "skipped"));
	assert_null(strstr(buf, " 22\n"));
	free(buf);
	metrics_free(m);
}

/* A listening server on a free loopback port; returns the address. */
static struct metrics *serve(char *addr, size_t len, uint64_t *v)
{
	struct metrics *m;
	char err[256];

	assert_int_equal(metrics_new(&m, &pipe_lock), 0);
	assert_int_equal(metrics_register(m, collect, v), 0);
	for (int i = 0; i < 50; i++) {
		snprintf(addr, len, "127.0.0.1:%d", 20000 + (int)((getpid() * 7919u + i * 104729u) % 40000));
		if (metrics_listen(m, addr, err, sizeof(err)) == 0) {
			assert_int_equal(metrics_start(m), 0);
			return m;
		}
		metrics_free(m);
		assert_int_equal(metrics_new(&m, &pipe_lock), 0);
		assert_int_equal(metrics_register(m, collect, v), 0);
	}
	fail_msg("no free loopback port");
	return NULL;
}

static void raw_request(const char *addr, const char *req, char *out, size_t cap)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const char *colon = strrchr(addr, ':');
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t got = 0;
	ssize_t r;

	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (got + 1 < cap && (r = read(fd, out + got, cap - 1 - got)) > 0)
		got += (size_t)r;
	out[got] = '\0';
	close(fd);
}

static int connect_to(const char *addr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_port = htons((uint16_t)atoi(strrchr(addr, ':') + 1));
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* One byte every 200 ms for up to 10 s: each recv on the server sees data
 * long before any per-read timeout, so only a deadline on the whole head
 * ends it. The server must close this connection (without an answer), then
 * answer a normal scrape. */
static void test_slowloris(void **state)
{
	char addr[32], resp[4096];
	uint64_t v = 3;
	struct metrics *m = serve(addr, sizeof(addr), &v);
	int fd = connect_to(addr);
	bool closed = false;

	(void)state;
	for (int i = 0; i < 50 && !closed; i++) {
		const char *b = i == 0 ? "G" : "a";
		struct timespec pause = { 0, 200 * 1000 * 1000 };
		char c;
		ssize_t r = recv(fd, &c, 1, MSG_DONTWAIT);

		if (r == 0 || (r < 0 && errno != EAGAIN) || send(fd, b, 1, MSG_NOSIGNAL) != 1) {
			assert_true(r <= 0);   /* closed without answering */
			closed = true;
		}
		nanosleep(&pause, NULL);
	}
	close(fd);
	assert_true(closed);
	raw_request(addr, "GET /metrics HTTP/1.0\r\n\r\n", resp, sizeof(resp));
	assert_non_null(strstr(resp, "\nedisensor_test_total 3\n"));
	metrics_free(m);
}

static void test_http(void **state)
{
	char addr[32], resp[4096], err[256];
	uint64_t v = 5;
	struct metrics *m = serve(addr, sizeof(addr), &v);
	char *body = NULL;
	size_t blen = 0;
	FILE *f;

	(void)state;
	raw_request(addr, "GET /metrics HTTP/1.0\r\n\r\n", resp, sizeof(resp));
	assert_non_null(strstr(resp, "HTTP/1.0 200 OK\r\n"));
	assert_non_null(strstr(resp, "Content-Type: text/plain; version=0.0.4"));
	assert_non_null(strstr(resp, "\nedisensor_test_total 5\n"));
	raw_request(addr, "GET /nope HTTP/1.0\r\n\r\n", resp, sizeof(resp));
	assert_non_null(strstr(resp, "HTTP/1.0 404"));
	raw_request(addr, "POST /metrics HTTP/1.0\r\n\r\n", resp, sizeof(resp));
	assert_non_null(strstr(resp, "HTTP/1.0 405"));
	raw_request(addr, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n", resp, sizeof(resp));
	assert_non_null(strstr(resp, "HTTP/1.0 200 OK\r\n"));
	assert_non_null(strstr(resp, "\r\n\r\n"));
	assert_null(strstr(resp, "edisensor_test_total"));   /* headers only */

	v = 77;   /* collected at request time */
	f = open_memstream(&body, &blen);
	assert_int_equal(metrics_fetch(addr, f, err, sizeof(err)), 0);
	fclose(f);
	assert_non_null(strstr(body, "edisensor_test_total 77\n"));
	assert_null(strstr(body, "HTTP/1.0"));
	free(body);
	metrics_free(m);

	f = open_memstream(&body, &blen);
	assert_true(metrics_fetch(addr, f, err, sizeof(err)) < 0);   /* server gone */
	fclose(f);
	free(body);
	assert_non_null(strstr(err, "no edisensord metrics at"));
}

static void collect_unlocked(struct metrics_out *o, void *ctx)
{
	(void)ctx;
	metrics_gauge(o, "edisensor_test_unlocked", "always there", 1);
}

/* A pipeline that holds its lock (blocked output): the render gives up on
 * the locked collectors after a second, says so, keeps the others. */
static void test_stalled_pipeline(void **state)
{
	struct metrics *m;
	uint64_t v = 1;
	char *buf;
	size_t len;

	(void)state;
	assert_int_equal(metrics_new(&m, &pipe_lock), 0);
	assert_int_equal(metrics_register(m, collect, &v), 0);
	assert_int_equal(metrics_register_unlocked(m, collect_unlocked, NULL), 0);
	pthread_mutex_lock(&pipe_lock);
	assert_int_equal(metrics_render(m, &buf, &len), 0);
	pthread_mutex_unlock(&pipe_lock);
	assert_non_null(strstr(buf, "\nedisensor_pipeline_stalled 1\n"));
	assert_non_null(strstr(buf, "\nedisensor_test_unlocked 1\n"));
	assert_null(strstr(buf, "edisensor_test_total"));
	free(buf);
	metrics_free(m);
}

static void test_bad_address(void **state)
{
	struct metrics *m;
	char err[256];

	(void)state;
	assert_int_equal(metrics_new(&m, NULL), 0);
	assert_int_equal(metrics_listen(m, "localhost:9477", err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_listen(m, "127.0.0.1:99999", err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_listen(m, "[::1:9477", err, sizeof(err)), -EINVAL);
	metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_slowloris),
		cmocka_unit_test(test_stalled_pipeline),
		cmocka_unit_test(test_bad_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
