/* Fuzz target: the configuration as a command line (config_parse_args and
 * the value parsers it uses: CIDR, bounded integers, tags) and as an INI
 * file (config_parse_file, then config_validate and config_print). For the
 * command line the input is split at NUL bytes into argv[1..]; every
 * element is also parsed as a CIDR and a number.
 * Invariants: the counts stay within their arrays, prefixes within the
 * family's width, errors come with a message, and a later parse of an
 * plain command line gives exactly the defaults plus that line whatever
 * came before (the parser keeps no state between calls). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
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

/* After any parse, the whole start-up order (config_load) over a plain
 * command line must give the defaults plus that line. */
static void no_leftover_state(void)
{
	static struct config want, got;
	char name[] = "edisensord", opt[] = "--replay", path[] = "x.pcap";
	char *argv[] = { name, opt, path, NULL };
	char errbuf[256];

	config_defaults(&want);
	want.replay_path = path;
	if (config_load(&got, 3, argv, errbuf, sizeof(errbuf)) != 0 ||
	    memcmp(&want, &got, sizeof(want)))
		abort();
	config_free(&got);
}

/* The input as an edisensor.conf. */
static void parse_as_file(const uint8_t *data, size_t size)
{
	static struct config c;
	char path[64], errbuf[512] = "", *printed = NULL;
	size_t printed_len = 0;
	int fd = memfd_create("edisensor.conf", MFD_CLOEXEC);
	FILE *out;
	int r;

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	config_defaults(&c);
	r = config_parse_file(&c, path, errbuf, sizeof(errbuf));
	close(fd);
	if (r < 0 && !errbuf[0])
		abort();
	check_config(&c);
	(void)config_validate(&c, errbuf, sizeof(errbuf));
	out = open_memstream(&printed, &printed_len);
	if (!out)
		abort();
	config_print(out, &c);
	fclose(out);
	free(printed);
	config_free(&c);
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
	config_free(&c);   /* the strings the parser copied (interface names) */
	/* The arguments stay alive meanwhile, so state kept from them shows
	 * as a wrong result in every build, not only as a use after free. */
	no_leftover_state();
	free(copy);
	parse_as_file(data, size);
	return 0;
}
