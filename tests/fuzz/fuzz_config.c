/* Fuzz target: the command line (config_parse_args) and the value parsers
 * it uses (CIDR, bounded integers, tags). The input is split at NUL bytes
 * into argv[1..]; every element is also parsed as a CIDR and a number.
 * Invariants: the counts stay within their arrays, prefixes within the
 * family's width, errors come with a message, and a later parse of an
 * empty command line gives exactly the defaults whatever came before (the
 * parser keeps no state between calls). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

#define MAX_ARGS 64

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* --help and --version print to stdout: keep the runs quiet. */
	if (!freopen("/dev/null", "w", stdout))
		abort();
	return 0;
}

static void check_config(const struct config *c)
{
	if (c->n_ports > ES_MAX_PORTS || c->n_tags > ES_MAX_TAGS ||
	    c->n_cidrs > CONFIG_MAX_LIST || c->n_feeds > CONFIG_MAX_LIST ||
	    c->n_outputs > CONFIG_MAX_LIST)
		abort();
	for (size_t i = 0; i < c->n_cidrs; i++)
		if (c->cidrs[i].prefix > (c->cidrs[i].family == 4 ? 32 : 128))
			abort();
	if (c->ringbuf_bytes & (c->ringbuf_bytes - 1))
		abort();
}

static void parse_values(const char *s)
{
	struct sensor_cidr cidr;
	uint64_t v;

	if (!config_parse_cidr(s, &cidr) &&
	    ((cidr.family != 4 && cidr.family != 6) ||
	     cidr.prefix > (cidr.family == 4 ? 32 : 128)))
		abort();
	if (!config_parse_u64(s, 16, 1u << 24, &v) && (v < 16 || v > (1u << 24)))
		abort();
}

/* After any parse, no arguments must mean the defaults. */
static void no_leftover_state(void)
{
	static struct config want, got;
	char name[] = "edisensord";
	char *argv[] = { name, NULL };
	char errbuf[256];

	config_defaults(&want);
	config_defaults(&got);
	if (config_parse_args(&got, 1, argv, errbuf, sizeof(errbuf)) != 0 ||
	    memcmp(&want, &got, sizeof(want)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config c;
	char *copy = malloc(size + 1);
	char *argv[MAX_ARGS + 2] = { "edisensord" };
	char errbuf[256] = "";
	int argc = 1, r;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (size_t i = 0; i <= size && argc <= MAX_ARGS; ) {
		argv[argc++] = copy + i;
		i += strlen(copy + i) + 1;
	}
	argv[argc] = NULL;
	for (int i = 1; i < argc; i++)
		parse_values(argv[i]);
	config_defaults(&c);
	r = config_parse_args(&c, argc, argv, errbuf, sizeof(errbuf));
	if (r < 0 && !errbuf[0])
		abort();   /* an error must say what to fix */
	check_config(&c);
	free(copy);
	no_leftover_state();
	return 0;
}
