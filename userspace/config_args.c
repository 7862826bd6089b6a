#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include "config.h"
#include "config_priv.h"
#include "version.h"

/* The command line: options over the file's values, --help, --version. */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: edisensord [OPTIONS]\n"
"Passive customs EDI sensor: XDP extracts UN/EDIFACT and X12 segments from TCP,\n"
"the daemon turns them into message metadata, matches indicator feeds and\n"
"writes every hit as a protobuf record.\n"
"\n"
"  edisensord -c /etc/edisensor/edisensor.conf      live, as configured\n"
"  edisensord -i eth1 --port 9000 --feed F --output file:hits.pb\n"
"  edisensord --replay capture.pcap --feed F       one capture, then exit\n"
"\n"
"  -c, --config FILE       configuration file (INI, see edisensor.conf(5));\n"
"                          flags given here override it\n"
"  -i, --interface IFACE   capture live on IFACE (repeatable); IFACE:HOOK\n"
"                          watches it at HOOK instead of the --hook default\n"
"      --hook HOOK         xdp (default), tc-ingress, tc-egress, tc (both\n"
"                          directions), or e.g. xdp+tc-egress\n"
"      --xdp-mode MODE     auto (native, else generic), native, generic\n"
"  -r, --replay FILE       run a pcap/pcapng capture through the XDP program\n"
"                          (BPF_PROG_TEST_RUN) and through the whole pipeline\n"
"  -p, --port N            monitored TCP port (repeatable; replaces the defaults\n"
"                          20 21 80 3305 4080 5080 8080 9000)\n"
"      --cidr NET          also monitor all TCP to/from NET (repeatable)\n"
"      --tag TAG           forward segments with this tag (repeatable; the first\n"
"                          use replaces the default set)\n"
"  -f, --feed FILE         indicator feed, Zeek intel TSV or CSV (repeatable)\n"
"  -o, --output SPEC       json:-  json:PATH  file:PATH  nats://HOST:PORT\n"
"                          (repeatable; default file:edisensor.pb for the daemon,\n"
"                          json:- for a replay)\n"
"      --all-messages      write every message record, not only hits\n"
"      --sensor-id ID      name of this sensor in records (default edisensor)\n"
"      --spool DIR         durable spool for network outputs\n"
"      --max-flows N       flow table entries per direction (default %u)\n"
"      --ringbuf-bytes N   ring buffer size, a power of two (default %u)\n"
"      --queue-bytes N     reader-to-pipeline queue size (default 16777216)\n"
"      --seek-depth BYTES  stop scanning a stream direction after BYTES without\n"
"                          an EDI header (K/M/G suffix; 0 = never; default 1M)\n"
"      --reorder-slots N   stream directions that may hold one early TCP segment\n"
"                          at once (0 = off; default %u)\n"
"      --cpu-priority P    reader and pipeline threads: idle (default), batch or\n"
"                          normal\n"
"      --tap               mirror-port mode: drop frames after inspection\n"
"      --metrics-addr A    Prometheus endpoint HOST:PORT or off\n"
"                          (default " CONFIG_DEFAULT_METRICS ")\n"
"      --user NAME         drop to NAME after attaching when started as root\n"
"                          (default " CONFIG_DEFAULT_USER "; root: stay root)\n"
"      --check-config      validate the configuration and exit\n"
"      --stats             print the metrics of a running daemon (--metrics-addr)\n"
"      --detach            remove edisensor programs a killed daemon left on the\n"
"                          interfaces, then exit\n"
"      --debug-events      print every kernel event to stderr\n"
"  -v, --verbose           debug logging\n"
"  -V, --version           print the version\n"
"  -h, --help              this help\n",
		ES_MAX_FLOWS, ES_RINGBUF_BYTES, ES_REORDER_SLOTS);
}

enum {
	OPT_CIDR = 256, OPT_TAG, OPT_ALL, OPT_SENSOR, OPT_SPOOL, OPT_FLOWS,
	OPT_RINGBUF, OPT_TAP, OPT_DEBUG_EVENTS, OPT_XDP_MODE, OPT_QUEUE,
	OPT_METRICS, OPT_USER, OPT_CHECK, OPT_STATS, OPT_DETACH, OPT_HOOK, OPT_SEEK_DEPTH,
	OPT_CPU_PRIORITY, OPT_REORDER_SLOTS,
};

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "interface", required_argument, NULL, 'i' },
	{ "xdp-mode", required_argument, NULL, OPT_XDP_MODE },
	{ "hook", required_argument, NULL, OPT_HOOK },
	{ "replay", required_argument, NULL, 'r' },
	{ "port", required_argument, NULL, 'p' },
	{ "cidr", required_argument, NULL, OPT_CIDR },
	{ "tag", required_argument, NULL, OPT_TAG },
	{ "feed", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "all-messages", no_argument, NULL, OPT_ALL },
	{ "sensor-id", required_argument, NULL, OPT_SENSOR },
	{ "spool", required_argument, NULL, OPT_SPOOL },
	{ "max-flows", required_argument, NULL, OPT_FLOWS },
	{ "ringbuf-bytes", required_argument, NULL, OPT_RINGBUF },
	{ "queue-bytes", required_argument, NULL, OPT_QUEUE },
	{ "seek-depth", required_argument, NULL, OPT_SEEK_DEPTH },
	{ "reorder-slots", required_argument, NULL, OPT_REORDER_SLOTS },
	{ "cpu-priority", required_argument, NULL, OPT_CPU_PRIORITY },
	{ "tap", no_argument, NULL, OPT_TAP },
	{ "metrics-addr", required_argument, NULL, OPT_METRICS },
	{ "user", required_argument, NULL, OPT_USER },
	{ "check-config", no_argument, NULL, OPT_CHECK },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "detach", no_argument, NULL, OPT_DETACH },
	{ "debug-events", no_argument, NULL, OPT_DEBUG_EVENTS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char short_opts[] = ":c:i:r:p:f:o:vVh";

/* Options whose value goes through a setter, as the file's keys do
 * (config_file.c's file_keys): a list (with the layer) or one value. */
static const struct opt_setter {
	int opt;
	list_setter list;
	value_setter value;
} opt_setters[] = {
	{ 'i', config_set_interface, NULL },
	{ OPT_XDP_MODE, NULL, config_set_xdp_mode },
	{ OPT_HOOK, NULL, config_set_hook },
	{ 'p', config_set_port, NULL },
	{ OPT_CIDR, config_set_cidr, NULL },
	{ OPT_TAG, config_set_tag, NULL },
	{ 'f', config_set_feed, NULL },
	{ 'o', config_set_output, NULL },
	{ OPT_SENSOR, NULL, config_set_sensor_id },
	{ OPT_FLOWS, NULL, config_set_max_flows },
	{ OPT_RINGBUF, NULL, config_set_ringbuf },
	{ OPT_QUEUE, NULL, config_set_queue_bytes },
	{ OPT_SEEK_DEPTH, NULL, config_set_seek_depth },
	{ OPT_REORDER_SLOTS, NULL, config_set_reorder_slots },
	{ OPT_CPU_PRIORITY, NULL, config_set_cpu_priority },
	{ OPT_METRICS, NULL, config_set_metrics_addr },
	{ OPT_USER, NULL, config_set_user },
};

/* An option without a setter: a flag, an action, or a path taken as given. */
static int apply_flag(struct config *c, int opt, const char *arg, const char *opt_name,
		      struct setter_err *e)
{
	switch (opt) {
	case 'c':
		c->config_path = arg;
		return 0;
	case 'r':
		c->replay_path = arg;
		return 0;
	case OPT_ALL:
		c->all_messages = true;
		return 0;
	case OPT_SPOOL:
		c->spool_dir = arg;
		return 0;
	case OPT_TAP:
		c->tap_mode = true;
		return 0;
	case OPT_CHECK:
		c->action = CONFIG_CHECK;
		return 0;
	case OPT_STATS:
		c->action = CONFIG_STATS;
		return 0;
	case OPT_DETACH:
		c->action = CONFIG_DETACH;
		return 0;
	case OPT_DEBUG_EVENTS:
		c->debug_events = true;
		return 0;
	case 'v':
		c->verbosity++;
		return 0;
	default:
		FIX(e, "unknown option %s (see --help)", opt_name);
	}
}

/* One option of the command line; opt_name is how the user wrote it. */
static int apply_opt(struct config *c, struct layer *l, int opt, const char *arg,
		     const char *opt_name, struct setter_err *e)
{
	char msg[400];
	struct setter_err inner = { msg, sizeof(msg) };

	for (size_t i = 0; i < sizeof(opt_setters) / sizeof(opt_setters[0]); i++) {
		const struct opt_setter *s = &opt_setters[i];
		int r;

		if (s->opt != opt)
			continue;
		r = s->list ? s->list(c, l, arg, &inner) : s->value(c, arg, &inner);
		if (r)
			FIX(e, "%s: %s", opt_name, msg);
		return 0;
	}
	return apply_flag(c, opt, arg, opt_name, e);
}

/*
 * The option as the user wrote it, for messages: argv[optind - 1] is the
 * value, not the option, when the value came as the next argument
 * ("--max-flows x", "-p 1"). Unknown options and missing values have no
 * value: there it is the option itself (as written, "--bogus", "-Z").
 */
static void opt_name(int opt, int longi, const char *last, char *buf, size_t len)
{
	if (longi >= 0)
		snprintf(buf, len, "--%s", long_opts[longi].name);
	else if (opt != '?' && opt != ':' && opt > 0 && opt < 128)
		snprintf(buf, len, "-%c", opt);
	else
		snprintf(buf, len, "%s", last);
}

int config_parse_args(struct config *c, int argc, char **argv, char *errbuf, size_t errlen)
{
	struct setter_err e = { errbuf, errlen };
	struct layer l = { 0 };
	char name[64];
	int opt, longi = -1;

	/* 0, not 1: glibc then also forgets where it was inside a cluster of
	 * short options (-Vv) from an earlier call, which would point into
	 * that call's argv. */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, short_opts, long_opts, &longi)) != -1) {
		opt_name(opt, longi, argv[optind - 1], name, sizeof(name));
		longi = -1;
		switch (opt) {
		case 'V':
			printf("edisensord %s\n", EDISENSOR_VERSION);
			return 1;
		case 'h':
			usage(stdout);
			return 1;
		case ':':
			FIX(&e, "%s needs a value (see --help)", argv[optind - 1]);
		default:
			if (apply_opt(c, &l, opt, optarg, name, &e))
				return -EINVAL;
		}
	}
	if (optind < argc)
		FIX(&e, "unexpected argument '%s' (see --help)", argv[optind]);
	return 0;
}

/* Only -c/--config (and --help/--version) from the command line: the file
 * is read before the other flags so that they override it. */
int config_find_path(int argc, char **argv, const char **path)
{
	int opt;

	optind = 0;   /* full getopt reset, as in config_parse_args() */
	opterr = 0;
	*path = NULL;
	while ((opt = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1)
		if (opt == 'c')
			*path = optarg;
	return 0;
}
