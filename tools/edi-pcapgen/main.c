/* edi-pcapgen: writes a pcap of customs EDI traffic over TCP and a JSON
 * lines manifest of every message in it (docs/MANIFEST.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "edisensor.h"
#include "gen.h"

static const uint16_t default_ports[] = { ES_DEFAULT_PORTS };

static void usage(FILE *f)
{
	fprintf(f,
"Usage: edi-pcapgen -o FILE.pcap [-m FILE.jsonl] [options]\n"
"Writes a capture of customs EDI over TCP (UN/EDIFACT CUSCAR CUSDEC CUSRES IFTMIN\n"
"IFCSUM BAPLIE COPRAR, X12 309 350 315 310) and a ground-truth manifest (JSON\n"
"lines, docs/MANIFEST.md). Same seed and flags: byte-identical output.\n"
"Shares P are probabilities 0..1.\n"
"\n"
"Output\n"
"  -o, --output FILE          capture to write (\"-\" = stdout)\n"
"  -m, --manifest FILE        manifest to write (default: FILE.pcap -> FILE.jsonl)\n"
"  -s, --seed N               random seed (default 1)\n"
"  -n, --packets N            open no new connection after N frames (default 1000;\n"
"                             0 = no limit); open connections finish, so a few\n"
"                             more frames follow\n"
"      --connections N        ... or after N EDI connections (default 0 = no limit)\n"
"      --start-time SECONDS   timestamp of the first frame (default 1767225600)\n"
"\n"
"Content\n"
"      --types LIST           message types, comma separated (default all):\n"
"                             CUSCAR,CUSDEC,CUSRES,IFTMIN,IFCSUM,BAPLIE,COPRAR,\n"
"                             309,350,315,310\n"
"      --x12-share P          share of interchanges in X12 (default 0.4)\n"
"      --messages MIN-MAX     messages per interchange (default 1-4)\n"
"      --interchanges MIN-MAX interchanges per connection (default 1-3)\n"
"      --una-share P          EDIFACT interchanges with a UNA (default 0.5)\n"
"      --odd-separators-share P  non-default separators (UNA / ISA) (default 0.3)\n"
"      --ung-share P          interchanges with UNG (EDIFACT) or several GS groups\n"
"                             (X12) (default 0.3)\n"
"      --oneline-share P      interchanges without CR/LF after terminators (0.3)\n"
"      --bad-check-digit-share P  containers with a wrong ISO 6346 check digit (0.05)\n"
"      --test-share P         interchanges with the test indicator (default 0.1)\n"
"      --isa-nonfixed-share P X12 ISA with unpadded sender/recipient ids, so the\n"
"                             fixed ISA offsets do not hold (default 0.05)\n"
"\n"
"Transport\n"
"      --ports LIST           EDI server ports (default the sensor's monitored\n"
"                             defaults: 20,21,80,3305,4080,5080,8080,9000)\n"
"      --transport MODE       auto (default: HTTP POST on 80/8080, FTP-like banner\n"
"                             on 21, raw elsewhere), raw, http, ftp or\n"
"                             http-base64 (AS2-like POSTs whose body is the\n"
"                             interchange in base64, CRLF every 76 characters,\n"
"                             half of them as a MIME part; docs/MANIFEST.md)\n"
"      --concurrency N        EDI connections open at once, interleaved (default 4)\n"
"      --mss N                largest TCP payload per frame (default 1460)\n"
"      --cut-share P          segments cut at a random length below the MSS (0.5)\n"
"      --server-edi-share P   raw connections where the server also sends EDI (0.3)\n"
"      --ipv6-share P         connections over IPv6 (default 0.2)\n"
"      --vlan-share P         connections with VLAN-tagged frames (default 0.2)\n"
"      --qinq-share P         of those, double tagged 802.1ad + 802.1Q (default 0.3)\n"
"      --rst-share P          connections closed by RST instead of FIN (0.2)\n"
"      --background P         share of frames that are non-EDI background: HTTP,\n"
"                             TLS-like records (monitored and other ports), DNS\n"
"                             over UDP (default 0.1)\n"
"\n"
"Pathologies (all off by default; recorded in the manifest)\n"
"      --retransmit P         data segments sent twice (new IP id)\n"
"      --duplicate P          frames duplicated byte for byte\n"
"      --reorder P            segments sent after their successor\n"
"      --gap P                segments missing from the capture\n"
"      --midstream P          connections without handshake, starting mid-stream\n"
"      --truncate P           interchanges cut before the last trailer (UNT/SE)\n"
"      --garbage P            garbage bytes before raw interchanges\n"
"      --bare P               EDIFACT messages sent without UNA/UNB/UNZ (UNH first)\n"
"      --pathologies          all of the above: 0.02 per segment, 0.1 per\n"
"                             interchange or connection\n"
"  -h, --help                 this text\n");
}

static int parse_share(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0.0 && v <= 1.0))
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_range(const char *s, unsigned max, unsigned *lo, unsigned *hi)
{
	char a[24];
	const char *dash = strchr(s, '-');
	uint64_t x, y;

	if (!dash) {
		if (config_parse_u64(s, 1, max, &x))
			return -EINVAL;
		*lo = *hi = (unsigned)x;
		return 0;
	}
	if ((size_t)(dash - s) >= sizeof(a))
		return -EINVAL;
	memcpy(a, s, (size_t)(dash - s));
	a[dash - s] = '\0';
	if (config_parse_u64(a, 1, max, &x) || config_parse_u64(dash + 1, 1, max, &y) || x > y)
		return -EINVAL;
	*lo = (unsigned)x;
	*hi = (unsigned)y;
	return 0;
}

static int parse_types(const char *s, struct ichg_cfg *c)
{
	char buf[256], *save = NULL, *tok;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	c->edifact_types = c->x12_types = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int t = edifact_type_from_name(tok);

		if (t >= 0) {
			c->edifact_types |= 1u << t;
			continue;
		}
		t = x12_type_from_name(tok);
		if (t < 0)
			return -EINVAL;
		c->x12_types |= 1u << t;
	}
	return c->edifact_types || c->x12_types ? 0 : -EINVAL;
}

static int parse_ports(const char *s, struct gen_cfg *c)
{
	char buf[512], *save = NULL, *tok;
	uint64_t v;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	c->nports = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (c->nports == GEN_MAX_PORTS || config_parse_u64(tok, 1, 65535, &v))
			return -EINVAL;
		c->ports[c->nports++] = (uint16_t)v;
	}
	return c->nports ? 0 : -EINVAL;
}

static void defaults(struct gen_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->seed = 1;
	c->packets = 1000;
	c->concurrency = 4;
	c->mss = 1460;
	c->cut_share = 0.5;
	c->ipv6_share = 0.2;
	c->vlan_share = 0.2;
	c->qinq_share = 0.3;
	c->rst_share = 0.2;
	c->server_edi_share = 0.3;
	c->x12_share = 0.4;
	c->ichg_min = 1;
	c->ichg_max = 3;
	c->background = 0.1;
	c->start_us = 1767225600ULL * 1000000ULL;
	for (unsigned i = 0; i < sizeof(default_ports) / sizeof(default_ports[0]); i++)
		c->ports[c->nports++] = default_ports[i];
	c->ichg.msgs_min = 1;
	c->ichg.msgs_max = 4;
	c->ichg.una_share = 0.5;
	c->ichg.odd_seps_share = 0.3;
	c->ichg.ung_share = 0.3;
	c->ichg.oneline_share = 0.3;
	c->ichg.bad_check_share = 0.05;
	c->ichg.test_share = 0.1;
	c->ichg.isa_nonfixed_share = 0.05;
	c->ichg.edifact_types = (1u << ET_COUNT) - 1;
	c->ichg.x12_types = (1u << XT_COUNT) - 1;
}

enum {
	O_CONNECTIONS = 256, O_START, O_TYPES, O_X12, O_MESSAGES, O_INTERCHANGES, O_UNA, O_ODD,
	O_UNG, O_ONELINE, O_BADCD, O_TEST, O_PORTS, O_TRANSPORT, O_CONC, O_MSS, O_CUT, O_SRVEDI,
	O_IPV6, O_VLAN, O_QINQ, O_RST, O_BG, O_RETR, O_DUP, O_REORDER, O_GAP, O_MID, O_TRUNC,
	O_GARBAGE, O_ALL, O_BARE, O_NONFIXED,
};

static const struct option options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "manifest", required_argument, NULL, 'm' },
	{ "seed", required_argument, NULL, 's' },
	{ "packets", required_argument, NULL, 'n' },
	{ "connections", required_argument, NULL, O_CONNECTIONS },
	{ "start-time", required_argument, NULL, O_START },
	{ "types", required_argument, NULL, O_TYPES },
	{ "x12-share", required_argument, NULL, O_X12 },
	{ "messages", required_argument, NULL, O_MESSAGES },
	{ "interchanges", required_argument, NULL, O_INTERCHANGES },
	{ "una-share", required_argument, NULL, O_UNA },
	{ "odd-separators-share", required_argument, NULL, O_ODD },
	{ "ung-share", required_argument, NULL, O_UNG },
	{ "oneline-share", required_argument, NULL, O_ONELINE },
	{ "bad-check-digit-share", required_argument, NULL, O_BADCD },
	{ "test-share", required_argument, NULL, O_TEST },
	{ "ports", required_argument, NULL, O_PORTS },
	{ "transport", required_argument, NULL, O_TRANSPORT },
	{ "concurrency", required_argument, NULL, O_CONC },
	{ "mss", required_argument, NULL, O_MSS },
	{ "cut-share", required_argument, NULL, O_CUT },
	{ "server-edi-share", required_argument, NULL, O_SRVEDI },
	{ "ipv6-share", required_argument, NULL, O_IPV6 },
	{ "vlan-share", required_argument, NULL, O_VLAN },
	{ "qinq-share", required_argument, NULL, O_QINQ },
	{ "rst-share", required_argument, NULL, O_RST },
	{ "background", required_argument, NULL, O_BG },
	{ "retransmit", required_argument, NULL, O_RETR },
	{ "duplicate", required_argument, NULL, O_DUP },
	{ "reorder", required_argument, NULL, O_REORDER },
	{ "gap", required_argument, NULL, O_GAP },
	{ "midstream", required_argument, NULL, O_MID },
	{ "truncate", required_argument, NULL, O_TRUNC },
	{ "garbage", required_argument, NULL, O_GARBAGE },
	{ "bare", required_argument, NULL, O_BARE },
	{ "isa-nonfixed-share", required_argument, NULL, O_NONFIXED },
	{ "pathologies", no_argument, NULL, O_ALL },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char *option_name(int opt)
{
	for (const struct option *o = options; o->name; o++)
		if (o->val == opt)
			return o->name;
	return "?";
}

/* Where each share option stores its value. */
static double *share_target(struct gen_cfg *c, int opt)
{
	switch (opt) {
	case O_X12: return &c->x12_share;
	case O_UNA: return &c->ichg.una_share;
	case O_ODD: return &c->ichg.odd_seps_share;
	case O_UNG: return &c->ichg.ung_share;
	case O_ONELINE: return &c->ichg.oneline_share;
	case O_BADCD: return &c->ichg.bad_check_share;
	case O_TEST: return &c->ichg.test_share;
	case O_CUT: return &c->cut_share;
	case O_SRVEDI: return &c->server_edi_share;
	case O_IPV6: return &c->ipv6_share;
	case O_VLAN: return &c->vlan_share;
	case O_QINQ: return &c->qinq_share;
	case O_RST: return &c->rst_share;
	case O_BG: return &c->background;
	case O_RETR: return &c->p_retransmit;
	case O_DUP: return &c->p_duplicate;
	case O_REORDER: return &c->p_reorder;
	case O_GAP: return &c->p_gap;
	case O_MID: return &c->p_midstream;
	case O_TRUNC: return &c->p_truncate;
	case O_GARBAGE: return &c->p_garbage;
	case O_BARE: return &c->ichg.bare_share;
	case O_NONFIXED: return &c->ichg.isa_nonfixed_share;
	default: return NULL;
	}
}

static int parse_args(int argc, char **argv, struct gen_cfg *c, const char **out,
		      const char **manifest)
{
	int opt;
	uint64_t v;

	while ((opt = getopt_long(argc, argv, "o:m:s:n:h", options, NULL)) != -1) {
		double *share = share_target(c, opt);
		int err = 0;

		if (share) {
			err = parse_share(optarg, share);
		} else {
			switch (opt) {
			case 'o': *out = optarg; break;
			case 'm': *manifest = optarg; break;
			case 's': err = config_parse_u64(optarg, 0, UINT64_MAX, &c->seed); break;
			case 'n': err = config_parse_u64(optarg, 0, UINT64_MAX, &c->packets); break;
			case O_CONNECTIONS: err = config_parse_u64(optarg, 0, UINT64_MAX, &c->connections); break;
			case O_START:
				err = config_parse_u64(optarg, 0, 4000000000ULL, &v);
				c->start_us = v * 1000000ULL;
				break;
			case O_TYPES: err = parse_types(optarg, &c->ichg); break;
			case O_MESSAGES:
				err = parse_range(optarg, 50, &c->ichg.msgs_min, &c->ichg.msgs_max);
				break;
			case O_INTERCHANGES: err = parse_range(optarg, 1000, &c->ichg_min, &c->ichg_max); break;
			case O_PORTS: err = parse_ports(optarg, c); break;
			case O_TRANSPORT:
				if (!strcmp(optarg, "auto")) c->transport = TM_AUTO;
				else if (!strcmp(optarg, "raw")) c->transport = TM_RAW;
				else if (!strcmp(optarg, "http")) c->transport = TM_HTTP;
				else if (!strcmp(optarg, "ftp")) c->transport = TM_FTP;
				else if (!strcmp(optarg, "http-base64")) c->transport = TM_HTTP_B64;
				else err = -EINVAL;
				break;
			case O_CONC:
				err = config_parse_u64(optarg, 1, GEN_MAX_CONCURRENCY, &v);
				c->concurrency = (unsigned)v;
				break;
			case O_MSS:
				err = config_parse_u64(optarg, 1, 8960, &v);
				c->mss = (unsigned)v;
				break;
			case O_ALL:
				c->p_retransmit = c->p_duplicate = c->p_reorder = c->p_gap = 0.02;
				c->p_midstream = c->p_truncate = c->p_garbage = 0.1;
				c->ichg.bare_share = 0.1;
				break;
			case 'h': usage(stdout); exit(0);
			default: usage(stderr); return -EINVAL;
			}
		}
		if (err) {
			fprintf(stderr, "edi-pcapgen: invalid value for --%s: %s\n",
				option_name(opt), optarg);
			return -EINVAL;
		}
	}
	if (optind != argc || !*out) {
		usage(stderr);
		return -EINVAL;
	}
	if (c->packets == 0 && c->connections == 0) {
		fprintf(stderr, "edi-pcapgen: -n 0 needs --connections N (else it never ends)\n");
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct gen g;
	const char *out = NULL, *manifest = NULL;
	char mpath[4096];
	int err, cerr;

	defaults(&g.cfg);
	if (parse_args(argc, argv, &g.cfg, &out, &manifest))
		return 2;
	if (!manifest) {
		size_t n = strlen(out);

		if (!strcmp(out, "-") ) {
			fprintf(stderr, "edi-pcapgen: --manifest is needed with -o -\n");
			return 2;
		}
		if (n > 5 && !strcmp(out + n - 5, ".pcap"))
			n -= 5;
		snprintf(mpath, sizeof(mpath), "%.*s.jsonl", (int)n, out);
		manifest = mpath;
	}
	rng_seed(&g.rng, g.cfg.seed);
	ebuf_init(&g.tmp);
	ebuf_init(&g.line);
	err = pcapw_open(&g.pcap, out, FRAME_MAX);
	if (err) {
		fprintf(stderr, "edi-pcapgen: %s: %s\n", out, strerror(-err));
		return 1;
	}
	g.manifest = fopen(manifest, "w");
	if (!g.manifest) {
		fprintf(stderr, "edi-pcapgen: %s: %s\n", manifest, strerror(errno));
		return 1;
	}
	setvbuf(g.manifest, NULL, _IOFBF, 1 << 16);
	err = gen_run(&g);
	if (!err)
		manifest_summary(&g);
	cerr = pcapw_close(&g.pcap);
	if (fclose(g.manifest) != 0 && !err)
		err = -EIO;
	if (!err)
		err = cerr;
	ebuf_free(&g.tmp);
	ebuf_free(&g.line);
	if (err) {
		fprintf(stderr, "edi-pcapgen: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
