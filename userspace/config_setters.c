#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "config_priv.h"

/* Setters shared by the file and the command line: each takes one value,
 * returns 0 or -EINVAL/-ENOSPC and leaves a short "what to fix" in err. */

static int add_str(const char **list, size_t *n, size_t max, const char *s)
{
	if (*n >= max)
		return -ENOSPC;
	list[(*n)++] = s;
	return 0;
}

int config_set_port(struct config *c, struct layer *l, const char *v, struct setter_err *e)
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

int config_set_cidr(struct config *c, struct layer *l, const char *v, struct setter_err *e)
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

int config_set_tag(struct config *c, struct layer *l, const char *v, struct setter_err *e)
{
	if (!l->tags)
		c->n_tags = 0;
	l->tags = true;
	if (config_add_tag(c, v))
		FIX(e, "tag '%s': a tag is 2-3 upper-case letters or digits (at most %d tags)",
		    v, ES_MAX_TAGS);
	return 0;
}

int config_set_feed(struct config *c, struct layer *l, const char *v, struct setter_err *e)
{
	if (!l->feeds)
		c->n_feeds = 0;
	l->feeds = true;
	if (!*v || add_str(c->feeds, &c->n_feeds, CONFIG_MAX_LIST, v))
		FIX(e, "feed '%s': a file name, at most %d feeds", v, CONFIG_MAX_LIST);
	return 0;
}

int config_set_output(struct config *c, struct layer *l, const char *v, struct setter_err *e)
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
int config_set_interface(struct config *c, struct layer *l, const char *v, struct setter_err *e)
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
		const char *kept = colon ? config_keep(c, name) : v;

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

int config_set_hook(struct config *c, const char *v, struct setter_err *e)
{
	unsigned mask;

	if (config_parse_hook(v, &mask))
		FIX(e, "hook '%s': xdp, tc-ingress, tc-egress, tc (both directions), or a "
		    "combination such as xdp+tc-egress", v);
	c->hook = (uint8_t)mask;
	return 0;
}

int config_set_xdp_mode(struct config *c, const char *v, struct setter_err *e)
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

int config_set_capture_mode(struct config *c, const char *v, struct setter_err *e)
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

int config_set_sensor_id(struct config *c, const char *v, struct setter_err *e)
{
	if (!*v || strlen(v) > 64 || strpbrk(v, " .*>\t"))
		FIX(e, "sensor id '%s': 1-64 characters without spaces, '.', '*', '>'", v);
	c->sensor_id = v;
	return 0;
}

int config_set_max_flows(struct config *c, const char *v, struct setter_err *e)
{
	uint64_t n;

	if (config_parse_u64(v, 16, 1u << 24, &n))
		FIX(e, "max flows '%s': a number from 16 to %u", v, 1u << 24);
	c->max_flows = (uint32_t)n;
	return 0;
}

int config_set_ringbuf(struct config *c, const char *v, struct setter_err *e)
{
	uint64_t n;

	if (config_parse_u64(v, 1u << 16, 1u << 30, &n) || (n & (n - 1)))
		FIX(e, "ring buffer bytes '%s': a power of two from 65536 to 1073741824", v);
	c->ringbuf_bytes = (uint32_t)n;
	return 0;
}

int config_set_seek_depth(struct config *c, const char *v, struct setter_err *e)
{
	if (config_parse_bytes(v, CONFIG_MAX_SEEK_DEPTH, &c->seek_depth))
		FIX(e, "seek depth '%s': bytes from 0 (unlimited) to 1T, optionally with a "
		    "K, M or G suffix (1024-based), such as 1M", v);
	return 0;
}

/* 0 (off) or 16 .. 262144 slots: each a preallocated ES_HOLD_BYTES + ~120
 * bytes of kernel memory (262144: ~570 MB) */
#define CONFIG_MAX_REORDER_SLOTS (1u << 18)

int config_set_reorder_slots(struct config *c, const char *v, struct setter_err *e)
{
	uint64_t n;

	if (config_parse_u64(v, 0, CONFIG_MAX_REORDER_SLOTS, &n) || (n && n < 16))
		FIX(e, "reorder slots '%s': 0 (off) or a number from 16 to %u", v,
		    CONFIG_MAX_REORDER_SLOTS);
	c->reorder_slots = (uint32_t)n;
	return 0;
}

int config_set_queue_bytes(struct config *c, const char *v, struct setter_err *e)
{
	uint64_t n;

	if (config_parse_u64(v, 1u << 16, 1u << 30, &n))
		FIX(e, "queue bytes '%s': a number from 65536 to 1073741824", v);
	c->queue_bytes = (uint32_t)n;
	return 0;
}

int config_set_cpu_priority(struct config *c, const char *v, struct setter_err *e)
{
	if (cpu_priority_parse(v, &c->cpu_priority))
		FIX(e, "cpu priority '%s': idle, batch or normal", v);
	return 0;
}

int config_set_flush_timeout(struct config *c, const char *v, struct setter_err *e)
{
	uint64_t n;

	if (config_parse_u64(v, 0, 3600, &n))
		FIX(e, "flush timeout '%s': seconds from 0 to 3600", v);
	c->flush_timeout_ms = (uint32_t)(n * 1000);
	return 0;
}

/* HOST:PORT with a numeric IPv4 host or [IPv6]:PORT; "off" or "" disables. */
int config_set_metrics_addr(struct config *c, const char *v, struct setter_err *e)
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

int config_set_user(struct config *c, const char *v, struct setter_err *e)
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
