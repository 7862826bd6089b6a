// SPDX-License-Identifier: GPL-2.0
/* netdev_driver(): errors for bad and missing interfaces; the veth case is
 * shown end to end (tests/e2e/test_live_modes.sh). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "netdev_driver.h"

static void test_bad_arguments(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(netdev_driver(NULL, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(netdev_driver("lo", NULL, sizeof(buf)), -EINVAL);
	assert_int_equal(netdev_driver("lo", buf, 0), -EINVAL);
	assert_int_equal(netdev_driver("a-name-longer-than-ifnamsiz", buf, sizeof(buf)), -EINVAL);
}

static void test_missing_interface(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(netdev_driver("es-no-such0", buf, sizeof(buf)), -ENODEV);
}

/* lo either names its driver or says it has none: never garbage */
static void test_loopback(void **state)
{
	char buf[4];
	int r = netdev_driver("lo", buf, sizeof(buf));

	(void)state;
	if (r == 0)
		assert_true(strlen(buf) < sizeof(buf));
	else
		assert_int_equal(r, -EOPNOTSUPP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_missing_interface),
		cmocka_unit_test(test_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
