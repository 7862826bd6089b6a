/* cpu_priority: names, and that applying a priority changes the calling
 * thread only (the main thread, which feeds the watchdog, keeps its own). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <sched.h>
#include <cmocka.h>
#include "cpu_priority.h"

static void test_names(void **state)
{
	enum cpu_priority p;

	(void)state;
	for (int i = CPU_PRIORITY_IDLE; i <= CPU_PRIORITY_NORMAL; i++) {
		assert_int_equal(cpu_priority_parse(cpu_priority_name(i), &p), 0);
		assert_int_equal(p, i);
	}
	assert_int_equal(cpu_priority_parse("low", &p), -EINVAL);
	assert_int_equal(cpu_priority_parse("", &p), -EINVAL);
	assert_int_equal(cpu_priority_parse("IDLE", &p), -EINVAL);
}

struct probe {
	enum cpu_priority want;
	int rc, policy, nice_value;
};

static void *apply_in_thread(void *arg)
{
	struct probe *p = arg;

	p->rc = cpu_priority_apply_self(p->want);
	if (!p->rc)
		p->rc = cpu_priority_current(&p->policy, &p->nice_value);
	return NULL;
}

static void probe_thread(struct probe *p)
{
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, apply_in_thread, p), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(p->rc, 0);
}

static void test_applies_to_the_calling_thread_only(void **state)
{
	struct probe idle = { .want = CPU_PRIORITY_IDLE }, batch = { .want = CPU_PRIORITY_BATCH };
	struct probe normal = { .want = CPU_PRIORITY_NORMAL };
	int policy, nice_before, nice_after;

	(void)state;
	assert_int_equal(cpu_priority_current(&policy, &nice_before), 0);
	if (policy != SCHED_OTHER)
		skip();   /* the test runner itself runs under chrt: nothing to compare with */
	probe_thread(&idle);
	assert_int_equal(idle.policy, SCHED_IDLE);
	probe_thread(&batch);
	assert_int_equal(batch.policy, SCHED_BATCH);
	assert_int_equal(batch.nice_value, 19);
	probe_thread(&normal);
	assert_int_equal(normal.policy, SCHED_OTHER);     /* inherited, left alone */
	assert_int_equal(normal.nice_value, nice_before);
	assert_int_equal(cpu_priority_current(&policy, &nice_after), 0);
	assert_int_equal(policy, SCHED_OTHER);
	assert_int_equal(nice_after, nice_before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_applies_to_the_calling_thread_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
