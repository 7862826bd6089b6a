/* The reader -> pipeline queue: records come out whole and in order across
 * wrap-arounds, a full queue drops and counts instead of blocking, and a
 * producer thread racing a consumer loses nothing the counters do not show. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <cmocka.h>
#include "evqueue.h"

static void fill(unsigned char *b, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(seed * 31 + i);
}

static void test_order_and_wrap(void **state)
{
	struct evqueue *q;
	struct evqueue_stats st;
	unsigned char in[3000], want[3000];

	(void)state;
	assert_int_equal(evqueue_new(&q, 8192), 0);
	/* sizes that do not divide the capacity force wrap markers */
	for (uint32_t i = 0; i < 200; i++) {
		size_t n = 1 + (i * 577) % 2999, len;
		const unsigned char *out;

		fill(in, n, i);
		assert_int_equal(evqueue_push(q, in, n), 0);
		if (i % 2 == 0)
			continue;
		for (uint32_t k = i - 1; k <= i; k++) {
			size_t m = 1 + (k * 577) % 2999;

			out = evqueue_peek(q, &len, 0);
			assert_non_null(out);
			assert_int_equal(len, m);
			fill(want, m, k);
			assert_memory_equal(out, want, m);
			evqueue_release(q);
		}
	}
	assert_null(evqueue_peek(q, &(size_t){ 0 }, 0));
	evqueue_stats(q, &st);
	assert_int_equal(st.pushed, 200);
	assert_int_equal(st.popped, 200);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.depth_bytes, 0);
	evqueue_free(q);
}

static void test_full_drops_and_counts(void **state)
{
	struct evqueue *q;
	struct evqueue_stats st;
	unsigned char rec[1000] = { 1 };
	int ok = 0;

	(void)state;
	assert_int_equal(evqueue_new(&q, 8192), 0);
	for (int i = 0; i < 20; i++)
		ok += evqueue_push(q, rec, sizeof(rec)) == 0;
	evqueue_stats(q, &st);
	assert_int_equal(ok, 8);                   /* 8 x (8 + 1000) bytes fit in 8192 */
	assert_int_equal(st.dropped, 12);
	assert_int_equal(evqueue_push(q, rec, sizeof(rec)), -ENOSPC);
	assert_int_equal(evqueue_push(q, rec, 9000), -EMSGSIZE);   /* can never fit */
	evqueue_stats(q, &st);
	assert_int_equal(st.oversize, 1);
	/* room again after the consumer releases one */
	assert_non_null(evqueue_peek(q, &(size_t){ 0 }, 0));
	evqueue_release(q);
	assert_int_equal(evqueue_push(q, rec, sizeof(rec)), 0);
	evqueue_free(q);
}

struct race {
	struct evqueue *q;
	uint32_t n;
};

static void *producer(void *arg)
{
	struct race *r = arg;
	unsigned char b[600];

	for (uint32_t i = 0; i < r->n; i++) {
		size_t n = 8 + i % 590;

		memcpy(b, &i, sizeof(i));
		fill(b + 4, n - 4, i);
		evqueue_push(r->q, b, n);
	}
	return NULL;
}

static void test_threads_account_for_everything(void **state)
{
	struct race r = { .n = 200000 };
	struct evqueue_stats st;
	pthread_t t;
	uint64_t got = 0;
	uint32_t last = 0;
	bool first = true;

	(void)state;
	assert_int_equal(evqueue_new(&r.q, 64 * 1024), 0);
	assert_int_equal(pthread_create(&t, NULL, producer, &r), 0);
	for (;;) {
		size_t len;
		const unsigned char *p = evqueue_peek(r.q, &len, 50);
		uint32_t i;
		unsigned char want[600];

		if (!p) {
			evqueue_stats(r.q, &st);
			if (st.pushed + st.dropped == r.n && got == st.pushed)
				break;
			continue;
		}
		memcpy(&i, p, sizeof(i));
		assert_true(first || i > last);        /* in order, drops only skip */
		assert_int_equal(len, 8 + i % 590);
		fill(want, len - 4, i);
		assert_memory_equal(p + 4, want, len - 4);
		first = false;
		last = i;
		got++;
		evqueue_release(r.q);
	}
	pthread_join(t, NULL);
	evqueue_stats(r.q, &st);
	assert_int_equal(st.pushed + st.dropped, r.n);
	assert_int_equal(st.popped, got);
	evqueue_free(r.q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_wrap),
		cmocka_unit_test(test_full_drops_and_counts),
		cmocka_unit_test(test_threads_account_for_everything),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
