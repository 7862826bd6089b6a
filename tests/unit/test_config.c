/* Configuration: file (inih), command line over file, errors with file and
 * line, and the example file shipped under systemd/ parses. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "config.h"

static char path[64];

static const char *write_conf(const char *text)
{
	int fd;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/edisensor-conf-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static int load(struct config *c, const char *text, char *err, size_t len, int extra,
		char **extra_argv)
{
	char *argv[16] = { "edisensord", "-c", (char *)write_conf(text) };
	int argc = 3, r;

	for (int i = 0; i < extra; i++)
		argv[argc++] = extra_argv[i];
	r = config_load(c, argc, argv, err, len);
	unlink(path);
	return r;
}

static const char good[] =
	"; comment\n"
	"[sensor]\nid = gw-1\nuser = nobody\n"
	"[capture]\ninterfaces = eth1, eth2\nxdp_mode = native\nmode = tap\n"
	"ports = 9000 9001\n  4080\n"
	"cidrs = 192.0.2.0/24 2001:db8::/32\ntags = NAD RFF\nall_messages = yes\n"
	"[feeds]\nfiles = /etc/a.intel\nfiles = /etc/b.csv\n"
	"[outputs]\noutput = file:/var/lib/x.pb\noutput = json:-\nflush_timeout = 5\n"
	"[spool]\ndir = /var/lib/spool\n"
	"[limits]\nmax_flows = 4096\nringbuf_bytes = 1048576\nqueue_bytes = 131072\n"
	"cpu_priority = batch\n"
	"[metrics]\nlisten = [::1]:9999\n";

static void test_file_values(void **state)
{
	struct config c;
	char err[512] = "";

	(void)state;
	assert_int_equal(load(&c, good, err, sizeof(err), 0, NULL), 0);
	assert_string_equal(c.sensor_id, "gw-1");
	assert_string_equal(c.user, "nobody");
	assert_int_equal(c.n_interfaces, 2);
	assert_string_equal(c.interfaces[1], "eth2");
	assert_int_equal(c.xdp_mode, CONFIG_XDP_NATIVE);
	assert_true(c.tap_mode);
	assert_int_equal(c.n_ports, 3);         /* replaced the defaults, continuation line appended */
	assert_int_equal(c.ports[2], 4080);
	assert_int_equal(c.n_cidrs, 2);
	assert_int_equal(c.cidrs[1].family, 6);
	assert_int_equal(c.n_tags, 2);
	assert_true(c.all_messages);
	assert_int_equal(c.n_feeds, 2);
	assert_string_equal(c.feeds[1], "/etc/b.csv");
	assert_int_equal(c.n_outputs, 2);
	assert_int_equal(c.flush_timeout_ms, 5000);
	assert_string_equal(c.spool_dir, "/var/lib/spool");
	assert_int_equal(c.max_flows, 4096);
	assert_int_equal(c.ringbuf_bytes, 1048576);
	assert_int_equal(c.queue_bytes, 131072);
	assert_int_equal(c.cpu_priority, CPU_PRIORITY_BATCH);
	assert_string_equal(c.metrics_addr, "[::1]:9999");
	config_free(&c);
}

static void test_flags_override_file(void **state)
{
	char *extra[] = { "-i", "veth0", "--port", "7000", "--metrics-addr", "off",
			  "--xdp-mode", "generic", "--user", "root", "--cpu-priority", "normal" };
	struct config c;
	char err[512] = "";

	(void)state;
	assert_int_equal(load(&c, good, err, sizeof(err), 12, extra), 0);
	assert_int_equal(c.n_interfaces, 1);
	assert_string_equal(c.interfaces[0], "veth0");
	assert_int_equal(c.n_ports, 1);
	assert_int_equal(c.ports[0], 7000);
	assert_null(c.metrics_addr);
	assert_int_equal(c.xdp_mode, CONFIG_XDP_GENERIC);
	assert_null(c.user);
	assert_int_equal(c.cpu_priority, CPU_PRIORITY_NORMAL);
	assert_int_equal(c.n_feeds, 2);        /* not given on the command line: the file's */
	config_free(&c);
}

static void expect_error(const char *text, const char *needle, int line)
{
	struct config c;
	char err[512] = "", at[32];

	assert_int_equal(load(&c, text, err, sizeof(err), 0, NULL), -EINVAL);
	if (!strstr(err, needle))
		fail_msg("'%s' not in '%s'", needle, err);
	snprintf(at, sizeof(at), ":%d: ", line);
	if (line && !strstr(err, at))
		fail_msg("line %d not in '%s'", line, err);
	config_free(&c);
}

static void test_errors_name_file_and_line(void **state)
{
	(void)state;
	expect_error("[capture]\ninterfaces = eth0\nportz = 1\n", "unknown key 'portz' in [capture]", 3);
	expect_error("[capture]\ninterfaces = eth0\nports = 70000\n", "not a TCP port", 3);
	expect_error("[sensor]\nid = a\n[bogus]\nx = 1\n", "unknown section [bogus]", 4);
	expect_error("[capture]\ninterfaces = eth0\nxdp_mode = fast\n", "auto, native or generic", 3);
	expect_error("[capture]\ninterfaces = eth0\n[limits]\nringbuf_bytes = 1000000\n",
		     "power of two", 4);
	expect_error("[capture]\ninterfaces = eth0\n[metrics]\nlisten = localhost:80\n",
		     "numeric", 4);
	expect_error("[capture]\ninterfaces = eth0\nall_messages = maybe\n", "yes or no", 3);
	expect_error("[capture]\ninterfaces = eth0\n[limits]\ncpu_priority = low\n",
		     "idle, batch or normal", 4);
	expect_error("[capture]\nports = 9000\n", "nothing to capture", 0);
	expect_error("this is not ini\n", "not INI syntax", 1);
}

static void test_missing_file(void **state)
{
	char *argv[] = { "edisensord", "-c", "/nonexistent/edisensor.conf" };
	struct config c;
	char err[256];

	(void)state;
	assert_int_equal(config_load(&c, 3, argv, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/edisensor.conf"));
	config_free(&c);
}

static void test_quick_start_needs_no_file(void **state)
{
	char *argv[] = { "edisensord", "-i", "eth0", "-i", "eth1", "--port", "9000", "--feed",
			 "f.intel", "--output", "json:-" };
	struct config c;
	char err[256] = "";

	(void)state;
	assert_int_equal(config_load(&c, 11, argv, err, sizeof(err)), 0);
	assert_int_equal(c.n_interfaces, 2);
	assert_string_equal(c.metrics_addr, CONFIG_DEFAULT_METRICS);
	assert_int_equal(c.xdp_mode, CONFIG_XDP_AUTO);
	assert_false(c.tap_mode);
	assert_int_equal(c.cpu_priority, CPU_PRIORITY_IDLE);   /* the documented default */
	config_free(&c);
}

/* hook: a default in the file or --hook, per interface IFACE:HOOK; ingress
 * watched twice (xdp and tc-ingress) and tap with tc are refused. */
static void test_hooks(void **state)
{
	static const char file[] =
		"[capture]\ninterfaces = eth0 eth1:tc-egress gw0:tc eth1\nhook = xdp\n"
		"ports = 9000\n";
	char *cli[] = { "-i", "a0", "-i", "b0:xdp+tc-egress", "--hook", "tc-ingress" };
	struct config c;
	char err[512] = "", name[48];
	FILE *f;
	char *printed = NULL;
	size_t plen = 0;

	(void)state;
	assert_int_equal(load(&c, file, err, sizeof(err), 0, NULL), 0);
	assert_int_equal(c.n_interfaces, 3);
	assert_string_equal(c.interfaces[1], "eth1");
	assert_int_equal(config_iface_hooks(&c, 0), CONFIG_HOOK_XDP);
	assert_int_equal(config_iface_hooks(&c, 1), CONFIG_HOOK_XDP | CONFIG_HOOK_TC_EGRESS);
	assert_int_equal(config_iface_hooks(&c, 2), CONFIG_HOOK_TC);
	/* the printed configuration reads back the same */
	f = open_memstream(&printed, &plen);
	assert_non_null(f);
	config_print(f, &c);
	fclose(f);
	assert_non_null(strstr(printed, "interfaces = eth0 eth1 eth1:tc-egress gw0:tc\n"));
	free(printed);
	config_free(&c);

	assert_int_equal(load(&c, file, err, sizeof(err), 6, cli), 0);
	assert_int_equal(c.n_interfaces, 2);
	assert_int_equal(config_iface_hooks(&c, 0), CONFIG_HOOK_TC_INGRESS);
	assert_int_equal(config_iface_hooks(&c, 1), CONFIG_HOOK_XDP | CONFIG_HOOK_TC_EGRESS);
	assert_string_equal(config_hook_name(config_iface_hooks(&c, 1), name, sizeof(name)),
			    "xdp+tc-egress");
	assert_string_equal(config_hook_name(CONFIG_HOOK_TC | CONFIG_HOOK_XDP, name,
					     sizeof(name)), "xdp+tc");
	config_free(&c);

	expect_error("[capture]\ninterfaces = eth0\nhook = ebpf\nports = 1\n", "hook 'ebpf'", 3);
	expect_error("[capture]\ninterfaces = eth0:tc-\nports = 1\n", "hook 'tc-'", 2);
	expect_error("[capture]\ninterfaces = eth0:xdp+\nports = 1\n", "hook 'xdp+'", 2);
	expect_error("[capture]\ninterfaces = eth0 eth0:tc-ingress\nports = 1\n",
		     "xdp and tc-ingress both watch its ingress", 0);
	expect_error("[capture]\ninterfaces = eth0:tc\nmode = tap\nports = 1\n",
		     "use hook = xdp on mirror ports", 0);
}

/* reorder_slots: ES_REORDER_SLOTS by default, 0 (off) or 16..262144 in the
 * file, --reorder-slots over the file; out of range names the value. */
static void test_reorder_slots(void **state)
{
	static const char file[] =
		"[capture]\ninterfaces = eth0\n[limits]\nreorder_slots = 64\n";
	char *quick[] = { "edisensord", "-i", "eth0" };
	char *off[] = { "--reorder-slots", "0" };
	char *many[] = { "--reorder-slots", "262144" };
	char *few[] = { "--reorder-slots", "15" };
	char *huge[] = { "--reorder-slots", "262145" };
	struct config c;
	char err[512] = "";

	(void)state;
	assert_int_equal(config_load(&c, 3, quick, err, sizeof(err)), 0);
	assert_int_equal(c.reorder_slots, ES_REORDER_SLOTS);
	config_free(&c);
	assert_int_equal(load(&c, file, err, sizeof(err), 0, NULL), 0);
	assert_int_equal(c.reorder_slots, 64);
	config_free(&c);
	assert_int_equal(load(&c, file, err, sizeof(err), 2, off), 0);
	assert_int_equal(c.reorder_slots, 0);
	config_free(&c);
	assert_int_equal(load(&c, file, err, sizeof(err), 2, many), 0);
	assert_int_equal(c.reorder_slots, 262144);
	config_free(&c);
	assert_int_equal(load(&c, file, err, sizeof(err), 2, few), -EINVAL);
	assert_non_null(strstr(err, "reorder slots '15'"));
	config_free(&c);
	assert_int_equal(load(&c, file, err, sizeof(err), 2, huge), -EINVAL);
	assert_non_null(strstr(err, "reorder slots '262145'"));
	config_free(&c);
}

/* seek_depth: 1 MiB by default, bytes or K/M/G in the file, 0 = unlimited,
 * --seek-depth over the file, a bad value names the file and line. */
static void test_seek_depth(void **state)
{
	static const char file[] =
		"[capture]\ninterfaces = eth0\n[limits]\nseek_depth = 256k\n";
	char *quick[] = { "edisensord", "-i", "eth0" };
	char *zero[] = { "--seek-depth", "0" };
	char *bytes[] = { "--seek-depth", "4096" };
	char *bad[] = { "--seek-depth", "1X" };
	struct config c;
	char err[512] = "";
	uint64_t v;

	(void)state;
	assert_int_equal(config_load(&c, 3, quick, err, sizeof(err)), 0);
	assert_int_equal(c.seek_depth, 1u << 20);
	config_free(&c);
	assert_int_equal(load(&c, file, err, sizeof(err), 0, NULL), 0);
	assert_int_equal(c.seek_depth, 256u << 10);
	config_free(&c);
	assert_int_equal(load(&c, file, err, sizeof(err), 2, zero), 0);
	assert_int_equal(c.seek_depth, 0);
	config_free(&c);
	assert_int_equal(load(&c, file, err, sizeof(err), 2, bytes), 0);
	assert_int_equal(c.seek_depth, 4096);
	config_free(&c);
	assert_int_equal(load(&c, file, err, sizeof(err), 2, bad), -EINVAL);
	assert_non_null(strstr(err, "seek depth '1X'"));
	config_free(&c);

	assert_int_equal(config_parse_bytes("3G", 1ull << 40, &v), 0);
	assert_true(v == 3ull << 30);
	assert_int_equal(config_parse_bytes("2m", 1ull << 40, &v), 0);
	assert_true(v == 2ull << 20);
	assert_int_equal(config_parse_bytes("1025G", 1ull << 40, &v), -ERANGE);
	assert_int_equal(config_parse_bytes("K", 1ull << 40, &v), -EINVAL);
	assert_int_equal(config_parse_bytes("", 1ull << 40, &v), -EINVAL);
	assert_int_equal(config_parse_bytes("-1", 1ull << 40, &v), -EINVAL);
	assert_int_equal(config_parse_bytes("1 M", 1ull << 40, &v), -EINVAL);

	expect_error("[capture]\ninterfaces = eth0\n[limits]\nmax_flows = 4096\n"
		     "seek_depth = lots\n", "seek depth 'lots'", 5);
	expect_error("[capture]\ninterfaces = eth0\n[limits]\nseek_depth = -1\n",
		     "0 (unlimited) to 1T", 4);
	expect_error("[capture]\ninterfaces = eth0\n[limits]\nseek_depth = 2048G\n",
		     "seek depth '2048G'", 4);
}

/* The example shipped for operators must be valid as it stands. */
/* A bad value on the command line names the option as the user wrote it
 * (long, long with '=', short), never the value in its place. */
static void test_flag_errors_name_the_option(void **state)
{
	char *sep[] = { "edisensord", "-i", "eth0", "--max-flows", "x" };
	char *joined[] = { "edisensord", "-i", "eth0", "--max-flows=x" };
	char *shrt[] = { "edisensord", "-i", "eth0", "-p", "abc" };
	char *missing[] = { "edisensord", "-i", "eth0", "--max-flows" };
	struct config c;
	char err[512] = "";

	(void)state;
	assert_int_equal(config_load(&c, 5, sep, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--max-flows: max flows 'x'"));
	config_free(&c);
	assert_int_equal(config_load(&c, 4, joined, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--max-flows: max flows 'x'"));
	config_free(&c);
	assert_int_equal(config_load(&c, 5, shrt, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "-p: port 'abc'"));
	config_free(&c);
	assert_int_equal(config_load(&c, 4, missing, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--max-flows needs a value"));
	config_free(&c);
}

static void test_example_file_parses(void **state)
{
	char *argv[] = { "edisensord", "-c", "systemd/edisensor.conf" };
	struct config c;
	char err[512] = "";

	(void)state;
	if (access("systemd/edisensor.conf", R_OK)) {
		skip();
		return;
	}
	if (config_load(&c, 3, argv, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(c.n_interfaces > 0);
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_values),
		cmocka_unit_test(test_flags_override_file),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_quick_start_needs_no_file),
		cmocka_unit_test(test_example_file_parses),
		cmocka_unit_test(test_hooks),
		cmocka_unit_test(test_seek_depth),
		cmocka_unit_test(test_reorder_slots),
		cmocka_unit_test(test_flag_errors_name_the_option),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
