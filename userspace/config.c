#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef HAVE_INIH
#include <ini.h>
#endif
#include "config.h"
#include "extract.h"
#include "version.h"

/* A string the file parser copied; config_free() releases the chain. */
struct config_str {
	struct config_str *next;
	char s[];
};

/* Lists a layer (file, command line) replaces on first use instead of
 * appending to what an earlier layer (defaults, file) put there. */
struct layer {
	bool ports, tags, cidrs, feeds, outputs, interfaces;
};

/* Segments worth forwarding beyond the service segments: parties,
 * references, equipment, places, transport, goods, dates (DOMAIN.md).
 * Every tag an extraction table reads is added too (add_table_tags), so
 * this list cannot drift from the tables. */
static const char *const default_tags[] = {
	"NAD", "RFF", "EQD", "SEL", "LOC", "TDT", "GID", "FTX", "CST", "PIA",
	"MEA", "CNT", "DTM", "BGM", "DOC", "TOD", "CTA", "COM", "GDS", "PCI",
	"N1", "N2", "N3", "N4", "N9", "N10", "M10", "M11", "M12", "P4", "R4",
	"V1", "V9", "VID", "N7", "L0", "L5", "Q2", "B4", "B3", "B2", "H1",
	"LX", "BX", "Y3", "W09", "X1",
};
static const uint16_t default_ports[] = { ES_DEFAULT_PORTS };

static void add_table_tags(struct config *c)
{
	static const int syntaxes[] = { ES_SYNTAX_EDIFACT, ES_SYNTAX_X12 };
	char tags[ES_MAX_TAGS][EDI_TAG_MAX + 1];

	for (size_t s = 0; s < sizeof(syntaxes) / sizeof(syntaxes[0]); s++) {
		size_t n = extract_wanted_tags(syntaxes[s], tags, ES_MAX_TAGS);

		for (size_t i = 0; i < n; i++)
			config_add_tag(c, tags[i]);
	}
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < sizeof(default_ports) / sizeof(default_ports[0]); i++)
		c->ports[c->n_ports++] = default_ports[i];
	for (size_t i = 0; i < sizeof(default_tags) / sizeof(default_tags[0]); i++)
		config_add_tag(c, default_tags[i]);
	add_table_tags(c);
	c->sensor_id = "edisensor";
	c->max_flows = ES_MAX_FLOWS;
	c->ringbuf_bytes = ES_RINGBUF_BYTES;
	c->seek_depth = CONFIG_DEFAULT_SEEK_DEPTH;
	c->reorder_slots = ES_REORDER_SLOTS;
	c->metrics_addr = CONFIG_DEFAULT_METRICS;
	c->user = CONFIG_DEFAULT_USER;
	c->queue_bytes = 16u << 20;
	c->cpu_priority = CPU_PRIORITY_IDLE;
	c->flush_timeout_ms = 30000;
	c->hook = CONFIG_HOOK_XDP;
}

void config_free(struct config *c)
{
	struct config_str *n = c->owned, *next;

	for (; n; n = next) {
		next = n->next;
		free(n);
	}
	c->owned = NULL;
}

static const char *keep(struct config *c, const char *s)
{
	size_t n = strlen(s) + 1;
	struct config_str *cs = malloc(sizeof(*cs) + n);

	if (!cs)
		return NULL;
	memcpy(cs->s, s, n);
	cs->next = c->owned;
	c->owned = cs;
	return cs->s;
}

const char *config_xdp_mode_name(enum config_xdp_mode m)
{
	switch (m) {
	case CONFIG_XDP_NATIVE:
		return "native";
	case CONFIG_XDP_GENERIC:
		return "generic";
	default:
		return "auto";
	}
}

static const struct {
	const char *name;
	unsigned mask;
} hook_names[] = {
	{ "xdp", CONFIG_HOOK_XDP },
	{ "tc-ingress", CONFIG_HOOK_TC_INGRESS },
	{ "tc-egress", CONFIG_HOOK_TC_EGRESS },
	{ "tc", CONFIG_HOOK_TC },
};

int config_parse_hook(const char *s, unsigned *mask)
{
	*mask = 0;
	while (*s) {
		size_t n = strcspn(s, "+");
		size_t i;

		for (i = 0; i < sizeof(hook_names) / sizeof(hook_names[0]); i++)
			if (strlen(hook_names[i].name) == n && !strncmp(s, hook_names[i].name, n))
				break;
		if (i == sizeof(hook_names) / sizeof(hook_names[0]))
			return -EINVAL;
		*mask |= hook_names[i].mask;
		s += n;
		if (*s == '+' && !*++s)
			return -EINVAL;
	}
	return *mask ? 0 : -EINVAL;
}

const char *config_hook_name(unsigned mask, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	if ((mask & CONFIG_HOOK_TC) == CONFIG_HOOK_TC)
		mask = (mask & ~CONFIG_HOOK_TC) | 0x80;   /* "tc", not its two halves */
	for (size_t i = 0; i < sizeof(hook_names) / sizeof(hook_names[0]); i++) {
		unsigned m = hook_names[i].mask == CONFIG_HOOK_TC ? 0x80 : hook_names[i].mask;

		if ((mask & m) && at < len)
			at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? "+" : "",
					       hook_names[i].name);
	}
	return buf;
}

unsigned config_iface_hooks(const struct config *c, size_t i)
{
	return c->iface_hooks[i] | (c->iface_default[i] ? c->hook : 0);
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

int config_parse_bytes(const char *s, uint64_t max, uint64_t *out)
{
	static const char units[] = "kmg";
	char num[24];
	size_t n = s ? strlen(s) : 0;
	const char *u;
	unsigned shift = 0;
	uint64_t v;
	int r;

	if (n && (u = strchr(units, s[n - 1] | 0x20))) {
		shift = 10u * (unsigned)(u - units + 1);
		n--;
	}
	if (!n || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n);
	num[n] = '\0';
	r = config_parse_u64(num, 0, max >> shift, &v);
	if (r)
		return r;
	*out = v << shift;
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


/* ---- setters shared by the file and the command line --------------------
 * Each takes one value, returns 0 or -EINVAL/-ENOSPC and leaves a short
 * "what to fix" in err. */

struct setter_err {
	char *buf;
	size_t len;
};

#define FIX(e, ...) do { snprintf((e)->buf, (e)->len, __VA_ARGS__); return -EINVAL; } while (0)

static int add_str(const char **list, size_t *n, size_t max, const char *s)
{
	if (*n >= max)
		return -ENOSPC;
	list[(*n)++] = s;
	return 0;
}

static int set_port(struct config *c, struct layer *l, const char *v, struct setter_err *e)
{
	uint64_t port;

	if (!l->ports)
		c->n_ports = 0;
	l->ports = true;
	if (config_parse_u64(v, 1, 65535, &port))
		FIX(e, "port '%s': not a TCP port (1-65535)", v);
	for (size_t i = 0; i < c->n_ports; i++)
		if (c->ports[i] == port)
			return 0;
	if (c->n_ports >= ES_MAX_PORTS)
		FIX(e, "ports: at most %d", ES_MAX_PORTS);
	c->ports[c->n_ports++] = (uint16_t)port;
	return 0;
}

static int set_cidr(struct config *c, struct layer *l, const char *v, struct setter_err *e)
{
	if (!l->cidrs)
		c->n_cidrs = 0;
	l->cidrs = true;
	if (c->n_cidrs >= CONFIG_MAX_LIST)
		FIX(e, "cidrs: at most %d networks", CONFIG_MAX_LIST);
	if (config_parse_cidr(v, &c->cidrs[c->n_cidrs]))
		FIX(e, "cidr '%s': not an IPv4/IPv6 address or ADDRESS/PREFIX network", v);
	c->n_cidrs++;
	return 0;
}

static int set_tag(struct config *c, struct layer *l, const char *v, struct setter_err *e)
{
	if (!l->tags)
		c->n_tags = 0;
	l->tags = true;
	if (config_add_tag(c, v))
		FIX(e, "tag '%s': a tag is 2-3 upper-case letters or digits (at most %d tags)",
		    v, ES_MAX_TAGS);
	return 0;
}

static int set_feed(struct config *c, struct layer *l, const char *v, struct setter_err *e)
{
	if (!l->feeds)
		c->n_feeds = 0;
	l->feeds = true;
	if (!*v || add_str(c->feeds, &c->n_feeds, CONFIG_MAX_LIST, v))
		FIX(e, "feed '%s': a file name, at most %d feeds", v, CONFIG_MAX_LIST);
	return 0;
}

static int set_output(struct config *c, struct layer *l, const char *v, struct setter_err *e)
{
	if (!l->outputs)
		c->n_outputs = 0;
	l->outputs = true;
	if (!*v || add_str(c->outputs, &c->n_outputs, CONFIG_MAX_LIST, v))
		FIX(e, "output '%s': a SPEC (file:PATH json:PATH nats://HOST:PORT), at most %d",
		    v, CONFIG_MAX_LIST);
	return 0;
}

/* IFACE or IFACE:HOOK; an interface listed again adds hooks. */
static int set_interface(struct config *c, struct layer *l, const char *v, struct setter_err *e)
{
	const char *colon = strchr(v, ':');
	size_t n = colon ? (size_t)(colon - v) : strlen(v);
	unsigned mask = 0;
	char name[IF_NAMESIZE];
	size_t i;

	if (!l->interfaces)
		c->n_interfaces = 0;
	l->interfaces = true;
	if (!n || n >= IF_NAMESIZE || strcspn(v, "/ \t") < n)
		FIX(e, "interface '%s': a network interface name (1-%d characters), "
		    "optionally :HOOK", v, IF_NAMESIZE - 1);
	if (colon && config_parse_hook(colon + 1, &mask))
		FIX(e, "interface '%s': hook '%s': xdp, tc-ingress, tc-egress, tc, or a "
		    "combination such as xdp+tc-egress", v, colon + 1);
	memcpy(name, v, n);
	name[n] = '\0';
	for (i = 0; i < c->n_interfaces; i++)
		if (!strcmp(c->interfaces[i], name))
			break;
	if (i == c->n_interfaces) {
		const char *kept = colon ? keep(c, name) : v;

		if (!kept)
			FIX(e, "out of memory");
		if (add_str(c->interfaces, &c->n_interfaces, CONFIG_MAX_IFACES, kept))
			FIX(e, "interfaces: at most %d", CONFIG_MAX_IFACES);
		c->iface_hooks[i] = 0;
		c->iface_default[i] = false;
	}
	c->iface_hooks[i] |= (uint8_t)mask;
	if (!colon)
		c->iface_default[i] = true;
	return 0;
}

static int set_hook(struct config *c, const char *v, struct setter_err *e)
{
	unsigned mask;

	if (config_parse_hook(v, &mask))
		FIX(e, "hook '%s': xdp, tc-ingress, tc-egress, tc (both directions), or a "
		    "combination such as xdp+tc-egress", v);
	c->hook = (uint8_t)mask;
	return 0;
}

static int set_xdp_mode(struct config *c, const char *v, struct setter_err *e)
{
	if (!strcmp(v, "auto"))
		c->xdp_mode = CONFIG_XDP_AUTO;
	else if (!strcmp(v, "native") || !strcmp(v, "drv"))
		c->xdp_mode = CONFIG_XDP_NATIVE;
	else if (!strcmp(v, "generic") || !strcmp(v, "skb"))
		c->xdp_mode = CONFIG_XDP_GENERIC;
	else
		FIX(e, "xdp mode '%s': auto, native or generic", v);
	return 0;
}

static int set_capture_mode(struct config *c, const char *v, struct setter_err *e)
{
	if (!strcmp(v, "inline"))
		c->tap_mode = false;
	else if (!strcmp(v, "tap"))
		c->tap_mode = true;
	else
		FIX(e, "mode '%s': inline (pass every frame, the default) or tap (mirror port: "
		    "drop after inspection)", v);
	return 0;
}

static int set_sensor_id(struct config *c, const char *v, struct setter_err *e)
{
	if (!*v || strlen(v) > 64 || strpbrk(v, " .*>\t"))
		FIX(e, "sensor id '%s': 1-64 characters without spaces, '.', '*', '>'", v);
	c->sensor_id = v;
	return 0;
}

static int set_max_flows(struct config *c, const char *v, struct setter_err *e)
{
	uint64_t n;

	if (config_parse_u64(v, 16, 1u << 24, &n))
		FIX(e, "max flows '%s': a number from 16 to %u", v, 1u << 24);
	c->max_flows = (uint32_t)n;
	return 0;
}

static int set_ringbuf(struct config *c, const char *v, struct setter_err *e)
{
	uint64_t n;

	if (config_parse_u64(v, 1u << 16, 1u << 30, &n) || (n & (n - 1)))
		FIX(e, "ring buffer bytes '%s': a power of two from 65536 to 1073741824", v);
	c->ringbuf_bytes = (uint32_t)n;
	return 0;
}

static int set_seek_depth(struct config *c, const char *v, struct setter_err *e)
{
	if (config_parse_bytes(v, CONFIG_MAX_SEEK_DEPTH, &c->seek_depth))
		FIX(e, "seek depth '%s': bytes from 0 (unlimited) to 1T, optionally with a "
		    "K, M or G suffix (1024-based), such as 1M", v);
	return 0;
}

/* 0 (off) or 16 .. 262144 slots: each a preallocated ES_HOLD_BYTES + ~120
 * bytes of kernel memory (262144: ~570 MB) */
#define CONFIG_MAX_REORDER_SLOTS (1u << 18)

static int set_reorder_slots(struct config *c, const char *v, struct setter_err *e)
{
	uint64_t n;

	if (config_parse_u64(v, 0, CONFIG_MAX_REORDER_SLOTS, &n) || (n && n < 16))
		FIX(e, "reorder slots '%s': 0 (off) or a number from 16 to %u", v,
		    CONFIG_MAX_REORDER_SLOTS);
	c->reorder_slots = (uint32_t)n;
	return 0;
}

static int set_queue_bytes(struct config *c, const char *v, struct setter_err *e)
{
	uint64_t n;

	if (config_parse_u64(v, 1u << 16, 1u << 30, &n))
		FIX(e, "queue bytes '%s': a number from 65536 to 1073741824", v);
	c->queue_bytes = (uint32_t)n;
	return 0;
}

static int set_cpu_priority(struct config *c, const char *v, struct setter_err *e)
{
	if (cpu_priority_parse(v, &c->cpu_priority))
		FIX(e, "cpu priority '%s': idle, batch or normal", v);
	return 0;
}

static int set_flush_timeout(struct config *c, const char *v, struct setter_err *e)
{
	uint64_t n;

	if (config_parse_u64(v, 0, 3600, &n))
		FIX(e, "flush timeout '%s': seconds from 0 to 3600", v);
	c->flush_timeout_ms = (uint32_t)(n * 1000);
	return 0;
}

/* HOST:PORT with a numeric IPv4 host or [IPv6]:PORT; "off" or "" disables. */
static int set_metrics_addr(struct config *c, const char *v, struct setter_err *e)
{
	char host[64];
	const char *colon;
	uint64_t port;
	unsigned char addr[16];

	if (!*v || !strcmp(v, "off") || !strcmp(v, "no")) {
		c->metrics_addr = NULL;
		return 0;
	}
	colon = strrchr(v, ':');
	if (!colon || (size_t)(colon - v) >= sizeof(host) || colon == v)
		FIX(e, "metrics address '%s': HOST:PORT such as 127.0.0.1:9477 or [::1]:9477, "
		    "or off", v);
	memcpy(host, v, colon - v);
	host[colon - v] = '\0';
	if (config_parse_u64(colon + 1, 1, 65535, &port))
		FIX(e, "metrics address '%s': the port must be 1-65535", v);
	if (host[0] == '[') {
		size_t n = strlen(host);

		if (n < 3 || host[n - 1] != ']')
			FIX(e, "metrics address '%s': write IPv6 as [ADDR]:PORT", v);
		host[n - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, addr) != 1)
			FIX(e, "metrics address '%s': not a numeric IPv6 address", v);
	} else if (inet_pton(AF_INET, host, addr) != 1) {
		FIX(e, "metrics address '%s': the host must be a numeric address", v);
	}
	c->metrics_addr = v;
	return 0;
}

static int set_user(struct config *c, const char *v, struct setter_err *e)
{
	if (!*v || !strcmp(v, "root")) {
		c->user = NULL;    /* stay: an explicit choice of the operator */
		c->user_explicit = true;
		return 0;
	}
	if (strlen(v) > 32 || strpbrk(v, " :/\t"))
		FIX(e, "user '%s': a user name (1-32 characters)", v);
	c->user = v;
	c->user_explicit = true;
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* ---- the configuration file ---------------------------------------------- */

typedef int (*list_setter)(struct config *, struct layer *, const char *, struct setter_err *);
typedef int (*value_setter)(struct config *, const char *, struct setter_err *);

struct file_ctx {
	struct config *c;
	struct layer layer;
	struct setter_err err;
	bool failed;
};

/* Calls set on every word of v (space or comma separated lists). Words
 * are copied: inih's buffer is reused for the next line. */
static int each_word(struct file_ctx *fx, const char *v, list_setter set)
{
	char word[256];

	while (*v) {
		size_t n;

		while (*v == ' ' || *v == ',' || *v == '\t')
			v++;
		n = strcspn(v, " ,\t");
		if (!n)
			break;
		if (n >= sizeof(word))
			FIX(&fx->err, "value '%.40s...' is too long", v);
		memcpy(word, v, n);
		word[n] = '\0';
		const char *kept = keep(fx->c, word);

		if (!kept)
			FIX(&fx->err, "out of memory");
		int r = set(fx->c, &fx->layer, kept, &fx->err);

		if (r)
			return r;
		v += n;
	}
	return 0;
}

static int one_value(struct file_ctx *fx, const char *v, value_setter set)
{
	const char *kept = keep(fx->c, v);

	if (!kept)
		FIX(&fx->err, "out of memory");
	return set(fx->c, kept, &fx->err);
}

/* Keys only the file has (the command line has flags for them or none). */
static int set_log_level(struct config *c, const char *v, struct setter_err *e)
{
	if (!strcmp(v, "info"))
		c->verbosity = 0;
	else if (!strcmp(v, "debug"))
		c->verbosity = 1;
	else
		FIX(e, "'%s': info or debug", v);
	return 0;
}

static int set_all_messages(struct config *c, const char *v, struct setter_err *e)
{
	if (parse_bool(v, &c->all_messages))
		FIX(e, "'%s': yes or no", v);
	return 0;
}

static int set_spool_dir(struct config *c, const char *v, struct setter_err *e)
{
	(void)e;
	c->spool_dir = *v ? v : NULL;
	return 0;
}

/* Every key of the file: a list (each word through list) or one value. */
static const struct file_key_def {
	const char *section, *key;
	list_setter list;
	value_setter value;
} file_keys[] = {
	{ "sensor", "id", NULL, set_sensor_id },
	{ "sensor", "user", NULL, set_user },
	{ "sensor", "log_level", NULL, set_log_level },
	{ "capture", "interfaces", set_interface, NULL },
	{ "capture", "xdp_mode", NULL, set_xdp_mode },
	{ "capture", "mode", NULL, set_capture_mode },
	{ "capture", "hook", NULL, set_hook },
	{ "capture", "ports", set_port, NULL },
	{ "capture", "cidrs", set_cidr, NULL },
	{ "capture", "tags", set_tag, NULL },
	{ "capture", "all_messages", NULL, set_all_messages },
	{ "feeds", "files", set_feed, NULL },
	{ "feeds", "file", set_feed, NULL },
	{ "outputs", "output", set_output, NULL },
	{ "outputs", "flush_timeout", NULL, set_flush_timeout },
	{ "spool", "dir", NULL, set_spool_dir },
	{ "limits", "max_flows", NULL, set_max_flows },
	{ "limits", "ringbuf_bytes", NULL, set_ringbuf },
	{ "limits", "queue_bytes", NULL, set_queue_bytes },
	{ "limits", "seek_depth", NULL, set_seek_depth },
	{ "limits", "reorder_slots", NULL, set_reorder_slots },
	{ "limits", "cpu_priority", NULL, set_cpu_priority },
	{ "metrics", "listen", NULL, set_metrics_addr },
};

static int file_key(struct file_ctx *fx, const char *sec, const char *key, const char *v)
{
	static const char *const sections[] = {
		"sensor", "capture", "feeds", "outputs", "spool", "limits", "metrics",
	};

	for (size_t i = 0; i < sizeof(file_keys) / sizeof(file_keys[0]); i++) {
		const struct file_key_def *k = &file_keys[i];

		if (strcmp(sec, k->section) || strcmp(key, k->key))
			continue;
		return k->list ? each_word(fx, v, k->list) : one_value(fx, v, k->value);
	}
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (!strcmp(sec, sections[i]))
			FIX(&fx->err, "unknown key '%s' in [%s] (see edisensor.conf(5))", key, sec);
	if (!*sec)
		FIX(&fx->err, "key '%s' outside a section: put it under [sensor], [capture], ...", key);
	FIX(&fx->err, "unknown section [%s]: sensor, capture, feeds, outputs, spool, limits, "
	    "metrics", sec);
}

#ifdef HAVE_INIH
static int ini_cb(void *user, const char *sec, const char *key, const char *v)
{
	struct file_ctx *fx = user;

	if (fx->failed)
		return 0;          /* keep the first error: its line is the one reported */
	if (!key)
		return 1;          /* a section header alone */
	if (file_key(fx, sec, key, v)) {
		fx->failed = true;
		return 0;
	}
	return 1;
}
#endif

int config_parse_file(struct config *c, const char *path, char *errbuf, size_t errlen)
{
#ifdef HAVE_INIH
	char msg[400] = "";
	struct file_ctx fx = { .c = c, .err = { msg, sizeof(msg) } };
	FILE *f = fopen(path, "re");
	int line;

	if (!f) {
		int err = -errno;

		snprintf(errbuf, errlen, "%s: %s", path, strerror(-err));
		return err;
	}
	line = ini_parse_file(f, ini_cb, &fx);
	fclose(f);
	if (line > 0) {
		snprintf(errbuf, errlen, "%s:%d: %s", path, line,
			 fx.failed ? msg : "not INI syntax ([section] or key = value; "
			 "lines at most 200 characters, continue a list on an indented line)");
		return -EINVAL;
	}
	if (line < 0) {
		snprintf(errbuf, errlen, "%s: cannot be read", path);
		return -EIO;
	}
	return 0;
#else
	(void)c;
	snprintf(errbuf, errlen, "%s: this build has no configuration file support (inih)", path);
	return -ENOTSUP;
#endif
}

/* ---- the command line -------------------------------------------------- */

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

/* One option of the command line; opt_name is how the user wrote it. */
static int apply_opt(struct config *c, struct layer *l, int opt, const char *arg,
		     const char *opt_name, struct setter_err *e)
{
	char msg[400];
	struct setter_err inner = { msg, sizeof(msg) };
	int r = 0;

	switch (opt) {
	case 'c':
		c->config_path = arg;
		return 0;
	case 'i':
		r = set_interface(c, l, arg, &inner);
		break;
	case OPT_XDP_MODE:
		r = set_xdp_mode(c, arg, &inner);
		break;
	case OPT_HOOK:
		r = set_hook(c, arg, &inner);
		break;
	case 'r':
		c->replay_path = arg;
		return 0;
	case 'p':
		r = set_port(c, l, arg, &inner);
		break;
	case OPT_CIDR:
		r = set_cidr(c, l, arg, &inner);
		break;
	case OPT_TAG:
		r = set_tag(c, l, arg, &inner);
		break;
	case 'f':
		r = set_feed(c, l, arg, &inner);
		break;
	case 'o':
		r = set_output(c, l, arg, &inner);
		break;
	case OPT_ALL:
		c->all_messages = true;
		return 0;
	case OPT_SENSOR:
		r = set_sensor_id(c, arg, &inner);
		break;
	case OPT_SPOOL:
		c->spool_dir = arg;
		return 0;
	case OPT_FLOWS:
		r = set_max_flows(c, arg, &inner);
		break;
	case OPT_RINGBUF:
		r = set_ringbuf(c, arg, &inner);
		break;
	case OPT_QUEUE:
		r = set_queue_bytes(c, arg, &inner);
		break;
	case OPT_SEEK_DEPTH:
		r = set_seek_depth(c, arg, &inner);
		break;
	case OPT_REORDER_SLOTS:
		r = set_reorder_slots(c, arg, &inner);
		break;
	case OPT_CPU_PRIORITY:
		r = set_cpu_priority(c, arg, &inner);
		break;
	case OPT_TAP:
		c->tap_mode = true;
		return 0;
	case OPT_METRICS:
		r = set_metrics_addr(c, arg, &inner);
		break;
	case OPT_USER:
		r = set_user(c, arg, &inner);
		break;
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
	if (r)
		FIX(e, "%s: %s", opt_name, msg);
	return 0;
}

int config_parse_args(struct config *c, int argc, char **argv, char *errbuf, size_t errlen)
{
	struct setter_err e = { errbuf, errlen };
	struct layer l = { 0 };
	int opt;

	/* 0, not 1: glibc then also forgets where it was inside a cluster of
	 * short options (-Vv) from an earlier call, which would point into
	 * that call's argv. */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
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
			if (apply_opt(c, &l, opt, optarg, argv[optind - 1], &e))
				return -EINVAL;
		}
	}
	if (optind < argc)
		FIX(&e, "unexpected argument '%s' (see --help)", argv[optind]);
	return 0;
}

/* Only -c/--config (and --help/--version) from the command line: the file
 * is read before the other flags so that they override it. */
static int find_config_path(int argc, char **argv, const char **path)
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

int config_load(struct config *c, int argc, char **argv, char *errbuf, size_t errlen)
{
	const char *path;
	int r;

	config_defaults(c);
	find_config_path(argc, argv, &path);
	if (path) {
		r = config_parse_file(c, path, errbuf, errlen);
		if (r)
			return r == -ENOTSUP || r == -EINVAL ? -EINVAL : r;
	}
	r = config_parse_args(c, argc, argv, errbuf, errlen);
	if (r)
		return r;
	if (c->action == CONFIG_RUN || c->action == CONFIG_CHECK)
		return config_validate(c, errbuf, errlen);
	return 0;
}

int config_validate(const struct config *c, char *errbuf, size_t errlen)
{
	struct setter_err e = { errbuf, errlen };

	if (!c->replay_path && !c->n_interfaces)
		FIX(&e, "nothing to capture: give -i IFACE, 'interfaces =' in [capture], or "
		    "--replay FILE");
	if (!c->n_ports && !c->n_cidrs)
		FIX(&e, "nothing monitored: give ports or cidrs");
	for (size_t i = 0; i < c->n_interfaces; i++) {
		unsigned h = config_iface_hooks(c, i);

		if ((h & CONFIG_HOOK_XDP) && (h & CONFIG_HOOK_TC_INGRESS))
			FIX(&e, "interface %s: xdp and tc-ingress both watch its ingress; "
			    "pick one (xdp+tc-egress or tc cover both directions)",
			    c->interfaces[i]);
		if (c->tap_mode && (h & CONFIG_HOOK_TC))
			FIX(&e, "interface %s: mode = tap drops mirrored frames at XDP, the tc "
			    "hook never drops: use hook = xdp on mirror ports", c->interfaces[i]);
	}
	return 0;
}

static void print_interfaces(FILE *f, const struct config *c)
{
	char h[48];

	fprintf(f, "interfaces =");
	for (size_t i = 0; i < c->n_interfaces; i++) {
		if (c->iface_default[i])
			fprintf(f, " %s", c->interfaces[i]);
		if (c->iface_hooks[i])
			fprintf(f, " %s:%s", c->interfaces[i],
				config_hook_name(c->iface_hooks[i], h, sizeof(h)));
	}
	fputc('\n', f);
}

static void print_list(FILE *f, const char *key, const char *const *v, size_t n)
{
	fprintf(f, "%s =", key);
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %s", v[i]);
	fputc('\n', f);
}

void config_print(FILE *f, const struct config *c)
{
	char addr[INET6_ADDRSTRLEN], hook[48];

	fprintf(f, "[sensor]\nid = %s\nuser = %s\nlog_level = %s\n\n", c->sensor_id,
		c->user ? c->user : "root", c->verbosity ? "debug" : "info");
	fprintf(f, "[capture]\n");
	print_interfaces(f, c);
	fprintf(f, "xdp_mode = %s\nmode = %s\nhook = %s\nports =",
		config_xdp_mode_name(c->xdp_mode), c->tap_mode ? "tap" : "inline",
		config_hook_name(c->hook, hook, sizeof(hook)));
	for (size_t i = 0; i < c->n_ports; i++)
		fprintf(f, " %u", c->ports[i]);
	fprintf(f, "\ncidrs =");
	for (size_t i = 0; i < c->n_cidrs; i++) {
		inet_ntop(c->cidrs[i].family == 4 ? AF_INET : AF_INET6, c->cidrs[i].addr,
			  addr, sizeof(addr));
		fprintf(f, " %s/%u", addr, c->cidrs[i].prefix);
	}
	fprintf(f, "\ntags =");
	for (size_t i = 0; i < c->n_tags; i++)
		fprintf(f, " %.4s", c->tags[i]);
	fprintf(f, "\nall_messages = %s\n\n[feeds]\n", c->all_messages ? "yes" : "no");
	print_list(f, "files", c->feeds, c->n_feeds);
	fprintf(f, "\n[outputs]\n");
	print_list(f, "output", c->outputs, c->n_outputs);
	fprintf(f, "flush_timeout = %u\n\n[spool]\ndir = %s\n\n", c->flush_timeout_ms / 1000,
		c->spool_dir ? c->spool_dir : "");
	fprintf(f, "[limits]\nmax_flows = %u\nringbuf_bytes = %u\nqueue_bytes = %u\n"
		"seek_depth = %llu\nreorder_slots = %u\ncpu_priority = %s\n\n", c->max_flows,
		c->ringbuf_bytes, c->queue_bytes, (unsigned long long)c->seek_depth,
		c->reorder_slots, cpu_priority_name(c->cpu_priority));
	fprintf(f, "[metrics]\nlisten = %s\n", c->metrics_addr ? c->metrics_addr : "off");
}
