/* edisensord's settings: defaults, then the configuration file (INI, read
 * with inih), then the command line, which overrides the file. One struct
 * the rest of the daemon reads; nothing else parses options. Every key is
 * documented in systemd/edisensor.conf and man/edisensor.conf.5. */
#ifndef EDISENSOR_CONFIG_H
#define EDISENSOR_CONFIG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "cpu_priority.h"
#include "edisensor.h"
#include "sensor_bpf.h"

#define CONFIG_MAX_LIST 64
#define CONFIG_MAX_IFACES 32
#define CONFIG_DEFAULT_METRICS "127.0.0.1:9477"
#define CONFIG_DEFAULT_USER "edisensor"
#define CONFIG_DEFAULT_CONF "/etc/edisensor/edisensor.conf"
/* Payload bytes a direction is sought through without an EDI header before
 * the kernel stops scanning it (Suricata's stream.reassembly.depth default). */
#define CONFIG_DEFAULT_SEEK_DEPTH (1ull << 20)
#define CONFIG_MAX_SEEK_DEPTH (1ull << 40)

enum config_xdp_mode {
	CONFIG_XDP_AUTO = 0,          /* native, falling back to generic with a warning */
	CONFIG_XDP_NATIVE,
	CONFIG_XDP_GENERIC,
};

/* Where an interface is watched: a mask of hooks. Ingress is either XDP or
 * tc ingress, never both (config_validate): a direction two hooks saw
 * would cost twice for nothing (the shared flow table scans it once). */
enum config_hook {
	CONFIG_HOOK_XDP        = 1u << 0,
	CONFIG_HOOK_TC_INGRESS = 1u << 1,
	CONFIG_HOOK_TC_EGRESS  = 1u << 2,
	CONFIG_HOOK_TC         = CONFIG_HOOK_TC_INGRESS | CONFIG_HOOK_TC_EGRESS,
};

/* What the command line asked edisensord to do. */
enum config_action {
	CONFIG_RUN = 0,               /* live capture, or a replay with --replay */
	CONFIG_CHECK,                 /* --check-config: validate and exit */
	CONFIG_STATS,                 /* --stats: print a running daemon's metrics */
	CONFIG_DETACH,                /* --detach: remove edisensor programs left by a killed daemon */
};

struct config_str;

struct config {
	enum config_action action;
	const char *config_path;      /* -c FILE, NULL: none */
	const char *replay_path;      /* --replay FILE */
	const char *interfaces[CONFIG_MAX_IFACES];
	size_t n_interfaces;
	/* Per interface: hooks named with it (IFACE:HOOK), and whether it was
	 * also listed bare, which means the default hook. Read them through
	 * config_iface_hooks(). */
	uint8_t iface_hooks[CONFIG_MAX_IFACES];
	bool iface_default[CONFIG_MAX_IFACES];
	uint8_t hook;                 /* default hook: [capture] hook, --hook */
	enum config_xdp_mode xdp_mode;
	const char *metrics_addr;     /* HOST:PORT, NULL: no metrics server */
	const char *user;             /* drop to this user when started as root; NULL: stay */
	bool user_explicit;           /* set in the file or on the command line, not the default */
	uint32_t queue_bytes;         /* reader -> pipeline queue size */
	enum cpu_priority cpu_priority;   /* of the reader and pipeline threads */
	uint32_t flush_timeout_ms;    /* how long SIGTERM waits for outputs */
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
	uint64_t seek_depth;          /* bytes, 0 = unlimited (sensor_bpf_opts) */
	uint32_t reorder_slots;       /* directions holding an early TCP segment at
					 once; 0 = off (sensor_bpf_opts.reorder_off) */
	bool tap_mode;
	bool all_messages;            /* emit every message, not only hits */
	bool debug_events;            /* print kernel events to stderr */
	int verbosity;                /* 0 info, 1 debug */
	struct config_str *owned;     /* strings read from the file, freed by config_free */
};

/* Fills c with the embedded defaults. */
void config_defaults(struct config *c);

/* Parses the command line into c. Returns 0 to run, 1 when --help or
 * --version was handled (exit 0), or -EINVAL with errbuf telling what to
 * fix. argv strings are referenced, not copied. */
int config_parse_args(struct config *c, int argc, char **argv, char *errbuf, size_t errlen);

/* Reads an INI configuration file into c (on top of what c holds).
 * -EINVAL with "FILE:LINE: what to fix" in errbuf, -errno when it cannot
 * be read, -ENOTSUP when built without inih. */
int config_parse_file(struct config *c, const char *path, char *errbuf, size_t errlen);

/* The whole start-up order: defaults, the file named by -c/--config, then
 * the command line again so flags override the file. Same returns as
 * config_parse_args. Call config_free() on c afterwards, also on error. */
int config_load(struct config *c, int argc, char **argv, char *errbuf, size_t errlen);

/* Frees the strings the file parser copied. */
void config_free(struct config *c);

/* Checks what only makes sense for the whole configuration (live capture
 * needs an interface, replay none...). -EINVAL with errbuf. */
int config_validate(const struct config *c, char *errbuf, size_t errlen);

/* Prints the effective configuration in the file's own format. */
void config_print(FILE *f, const struct config *c);

const char *config_xdp_mode_name(enum config_xdp_mode m);

/* The hooks (enum config_hook mask) interface i is watched at. */
unsigned config_iface_hooks(const struct config *c, size_t i);

/* "xdp", "tc-ingress", "tc-egress", "tc", combinations joined by '+'
 * ("xdp+tc-egress") -> mask; -EINVAL otherwise. */
int config_parse_hook(const char *s, unsigned *mask);

/* Writes the mask in the form config_parse_hook() reads. */
const char *config_hook_name(unsigned mask, char *buf, size_t len);

/* Adds one tag ("NAD", "N1"): -EINVAL when it is not 2-3 letters/digits. */
int config_add_tag(struct config *c, const char *tag);

/* Parses "192.0.2.0/24" or "2001:db8::/32" (no prefix: a host). */
int config_parse_cidr(const char *s, struct sensor_cidr *out);

/* Parses a decimal in [min, max]; -EINVAL/-ERANGE otherwise. */
int config_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Parses a byte count: a decimal with an optional K, M or G suffix (1024
 * based, case-insensitive), at most max; -EINVAL/-ERANGE otherwise. */
int config_parse_bytes(const char *s, uint64_t max, uint64_t *out);

#endif
