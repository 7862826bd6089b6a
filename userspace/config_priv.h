/*
 * The configuration's parts (private to userspace/config*.c; the API is
 * config.h):
 *
 *   config.c          defaults, value parsers, load order (file, then the
 *                     command line over it), validation, --check-config print
 *   config_setters.c  one value into struct config, shared by the file and
 *                     the command line
 *   config_file.c     the INI file (inih): sections and keys
 *   config_args.c     the command line: options, --help
 */
#ifndef EDISENSOR_CONFIG_PRIV_H
#define EDISENSOR_CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include "config.h"

/* Lists a layer (file, command line) replaces on first use instead of
 * appending to what an earlier layer (defaults, file) put there. */
struct layer {
	bool ports, tags, cidrs, feeds, outputs, interfaces;
};

struct setter_err {
	char *buf;
	size_t len;
};

#define FIX(e, ...) do { snprintf((e)->buf, (e)->len, __VA_ARGS__); return -EINVAL; } while (0)

/* A setter of a list (each word; the layer decides append or replace) or
 * of one value. */
typedef int (*list_setter)(struct config *, struct layer *, const char *, struct setter_err *);
typedef int (*value_setter)(struct config *, const char *, struct setter_err *);

/* config.c: a copy of s that lives as long as c (config_free()); NULL
 * when out of memory */
const char *config_keep(struct config *c, const char *s);

/* config_setters.c: each takes one value, returns 0 or -EINVAL/-ENOSPC and
 * leaves a short "what to fix" in err. List setters append, or replace
 * what an earlier layer set on the layer's first use. */
int config_set_port(struct config *c, struct layer *l, const char *v, struct setter_err *e);
int config_set_cidr(struct config *c, struct layer *l, const char *v, struct setter_err *e);
int config_set_tag(struct config *c, struct layer *l, const char *v, struct setter_err *e);
int config_set_feed(struct config *c, struct layer *l, const char *v, struct setter_err *e);
int config_set_output(struct config *c, struct layer *l, const char *v, struct setter_err *e);
int config_set_interface(struct config *c, struct layer *l, const char *v,
			 struct setter_err *e);
int config_set_hook(struct config *c, const char *v, struct setter_err *e);
int config_set_xdp_mode(struct config *c, const char *v, struct setter_err *e);
int config_set_capture_mode(struct config *c, const char *v, struct setter_err *e);
int config_set_sensor_id(struct config *c, const char *v, struct setter_err *e);
int config_set_max_flows(struct config *c, const char *v, struct setter_err *e);
int config_set_ringbuf(struct config *c, const char *v, struct setter_err *e);
int config_set_seek_depth(struct config *c, const char *v, struct setter_err *e);
int config_set_reorder_slots(struct config *c, const char *v, struct setter_err *e);
int config_set_queue_bytes(struct config *c, const char *v, struct setter_err *e);
int config_set_cpu_priority(struct config *c, const char *v, struct setter_err *e);
int config_set_flush_timeout(struct config *c, const char *v, struct setter_err *e);
int config_set_metrics_addr(struct config *c, const char *v, struct setter_err *e);
int config_set_user(struct config *c, const char *v, struct setter_err *e);

/* config_args.c: only -c/--config from the command line (NULL: none) */
int config_find_path(int argc, char **argv, const char **path);

#endif
