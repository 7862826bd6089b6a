#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "version.h"

/* Segments worth forwarding beyond the service segments: parties,
 * references, equipment, places, transport, goods, dates (DOMAIN.md). */
static const char *const default_tags[] = {
	"NAD", "RFF", "EQD", "SEL", "LOC", "TDT", "GID", "FTX", "CST", "PIA",
	"MEA", "CNT", "DTM", "BGM", "DOC", "TOD", "CTA", "COM", "GDS", "PCI",
	"N1", "N2", "N3", "N4", "N9", "N10", "M10", "M11", "M12", "P4", "R4",
	"V1", "V9", "VID", "N7", "L0", "L5", "Q2", "B4", "B3", "B2", "H1",
	"LX", "BX", "Y3", "W09", "X1",
};
static const uint16_t default_ports[] = { ES_DEFAULT_PORTS };

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < sizeof(default_ports) / sizeof(default_ports[0]); i++)
		c->ports[c->n_ports++] = default_ports[i];
	for (size_t i = 0; i < sizeof(default_tags) / sizeof(default_tags[0]); i++)
		config_add_tag(c, default_tags[i]);
	c->sensor_id = "edisensor";
	c->max_flows = ES_MAX_FLOWS;
	c->ringbuf_bytes = ES_RINGBUF_BYTES;
}

int config_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return errno == ERANGE ? -ERANGE : -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int config_add_tag(struct config *c, const char *tag)
{
	size_t n = strlen(tag);

	if (n < 2 || n > 3)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!((tag[i] >= 'A' && tag[i] <= 'Z') || (tag[i] >= '0' && tag[i] <= '9')))
			return -EINVAL;
	for (size_t i = 0; i < c->n_tags; i++)
		if (!strncmp(c->tags[i], tag, 4))
			return 0;
	if (c->n_tags >= ES_MAX_TAGS)
		return -ENOSPC;
	memset(c->tags[c->n_tags], 0, 4);
	memcpy(c->tags[c->n_tags], tag, n);
	c->n_tags++;
	return 0;
}

int config_parse_cidr(const char *s, struct sensor_cidr *out)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	uint64_t prefix;

	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, out->addr) == 1)
		out->family = 4;
	else if (inet_pton(AF_INET6, buf, out->addr) == 1)
		out->family = 6;
	else
		return -EINVAL;
	prefix = out->family == 4 ? 32 : 128;
	if (slash && config_parse_u64(slash + 1, 0, prefix, &prefix))
		return -EINVAL;
	out->prefix = (uint8_t)prefix;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: edisensord [OPTIONS]\n"
"Passive customs EDI sensor: XDP extracts UN/EDIFACT and X12 segments from TCP,\n"
"the daemon turns them into message metadata, matches indicator feeds and\n"
"writes every hit as a protobuf record.\n"
"\n"
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
"      --tap               mirror-port mode: drop frames after inspection\n"
"      --debug-events      print every kernel event to stderr\n"
"  -v, --verbose           debug logging\n"
"  -V, --version           print the version\n"
"  -h, --help              this help\n",
		ES_MAX_FLOWS, ES_RINGBUF_BYTES);
}

enum {
	OPT_CIDR = 256, OPT_TAG, OPT_ALL, OPT_SENSOR, OPT_SPOOL, OPT_FLOWS,
	OPT_RINGBUF, OPT_TAP, OPT_DEBUG_EVENTS,
};

static const struct option long_opts[] = {
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
	{ "tap", no_argument, NULL, OPT_TAP },
	{ "debug-events", no_argument, NULL, OPT_DEBUG_EVENTS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int add_str(const char **list, size_t *n, const char *s)
{
	if (*n >= CONFIG_MAX_LIST)
		return -ENOSPC;
	list[(*n)++] = s;
	return 0;
}

#define BAD(...) do { snprintf(errbuf, errlen, __VA_ARGS__); return -EINVAL; } while (0)

int config_parse_args(struct config *c, int argc, char **argv, char *errbuf, size_t errlen)
{
	bool ports_given = false, tags_given = false;
	uint64_t v;
	int opt;

	/* 0, not 1: glibc then also forgets where it was inside a cluster of
	 * short options (-Vv) from an earlier call, which would point into
	 * that call's argv. */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":r:p:f:o:vVh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			c->replay_path = optarg;
			break;
		case 'p':
			if (!ports_given)
				c->n_ports = 0;
			ports_given = true;
			if (config_parse_u64(optarg, 1, 65535, &v))
				BAD("--port %s: not a TCP port (1-65535)", optarg);
			if (c->n_ports >= ES_MAX_PORTS)
				BAD("--port: at most %d ports", ES_MAX_PORTS);
			c->ports[c->n_ports++] = (uint16_t)v;
			break;
		case OPT_CIDR:
			if (c->n_cidrs >= CONFIG_MAX_LIST)
				BAD("--cidr: at most %d networks", CONFIG_MAX_LIST);
			if (config_parse_cidr(optarg, &c->cidrs[c->n_cidrs]))
				BAD("--cidr %s: not an IPv4/IPv6 address or network", optarg);
			c->n_cidrs++;
			break;
		case OPT_TAG:
			if (!tags_given)
				c->n_tags = 0;
			tags_given = true;
			if (config_add_tag(c, optarg))
				BAD("--tag %s: a tag is 2-3 upper-case letters or digits", optarg);
			break;
		case 'f':
			if (add_str(c->feeds, &c->n_feeds, optarg))
				BAD("--feed: at most %d feeds", CONFIG_MAX_LIST);
			break;
		case 'o':
			if (add_str(c->outputs, &c->n_outputs, optarg))
				BAD("--output: at most %d outputs", CONFIG_MAX_LIST);
			break;
		case OPT_ALL:
			c->all_messages = true;
			break;
		case OPT_SENSOR:
			if (!*optarg || strlen(optarg) > 64 || strpbrk(optarg, " .*>\t"))
				BAD("--sensor-id '%s': 1-64 characters without spaces, '.', '*', '>'", optarg);
			c->sensor_id = optarg;
			break;
		case OPT_SPOOL:
			c->spool_dir = optarg;
			break;
		case OPT_FLOWS:
			if (config_parse_u64(optarg, 16, 1u << 24, &v))
				BAD("--max-flows %s: a number from 16 to %u", optarg, 1u << 24);
			c->max_flows = (uint32_t)v;
			break;
		case OPT_RINGBUF:
			if (config_parse_u64(optarg, 1u << 16, 1u << 30, &v) || (v & (v - 1)))
				BAD("--ringbuf-bytes %s: a power of two from 65536 to 2^30", optarg);
			c->ringbuf_bytes = (uint32_t)v;
			break;
		case OPT_TAP:
			c->tap_mode = true;
			break;
		case OPT_DEBUG_EVENTS:
			c->debug_events = true;
			break;
		case 'v':
			c->verbosity++;
			break;
		case 'V':
			printf("edisensord %s\n", EDISENSOR_VERSION);
			return 1;
		case 'h':
			usage(stdout);
			return 1;
		case ':':
			BAD("%s needs a value (see --help)", argv[optind - 1]);
		default:
			BAD("unknown option %s (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		BAD("unexpected argument '%s' (see --help)", argv[optind]);
	return 0;
}
