/* edisensord's settings: defaults, command line, (configuration file).
 * One struct the rest of the daemon reads; nothing else parses options. */
#ifndef EDISENSOR_CONFIG_H
#define EDISENSOR_CONFIG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "edisensor.h"
#include "sensor_bpf.h"

#define CONFIG_MAX_LIST 64

struct config {
	const char *replay_path;      /* --replay FILE */
	uint16_t ports[ES_MAX_PORTS];
	size_t n_ports;
	char tags[ES_MAX_TAGS][4];
	size_t n_tags;
	struct sensor_cidr cidrs[CONFIG_MAX_LIST];
	size_t n_cidrs;
	const char *feeds[CONFIG_MAX_LIST];
	size_t n_feeds;
	const char *outputs[CONFIG_MAX_LIST];
	size_t n_outputs;
	const char *sensor_id;
	const char *spool_dir;
	uint32_t max_flows;
	uint32_t ringbuf_bytes;
	bool tap_mode;
	bool all_messages;            /* emit every message, not only hits */
	bool debug_events;            /* print kernel events to stderr */
	int verbosity;                /* 0 info, 1 debug */
};

/* Fills c with the embedded defaults. */
void config_defaults(struct config *c);

/* Parses the command line into c. Returns 0 to run, 1 when --help or
 * --version was handled (exit 0), or -EINVAL with errbuf telling what to
 * fix. argv strings are referenced, not copied. */
int config_parse_args(struct config *c, int argc, char **argv, char *errbuf, size_t errlen);

/* Adds one tag ("NAD", "N1"): -EINVAL when it is not 2-3 letters/digits. */
int config_add_tag(struct config *c, const char *tag);

/* Parses "192.0.2.0/24" or "2001:db8::/32" (no prefix: a host). */
int config_parse_cidr(const char *s, struct sensor_cidr *out);

/* Parses a decimal in [min, max]; -EINVAL/-ERANGE otherwise. */
int config_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
