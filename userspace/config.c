#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "config_priv.h"
#include "extract.h"

/* A string the file parser copied; config_free() releases the chain. */
struct config_str {
	struct config_str *next;
	char s[];
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

const char *config_keep(struct config *c, const char *s)
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

int config_load(struct config *c, int argc, char **argv, char *errbuf, size_t errlen)
{
	const char *path;
	int r;

	config_defaults(c);
	config_find_path(argc, argv, &path);
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
