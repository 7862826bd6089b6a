#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#ifdef HAVE_INIH
#include <ini.h>
#endif
#include "config.h"
#include "config_priv.h"

/* The configuration file (INI through inih): every key, a bad one as
 * FILE:LINE: what to fix. */

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
		const char *kept = config_keep(fx->c, word);

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
	const char *kept = config_keep(fx->c, v);

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
	{ "sensor", "id", NULL, config_set_sensor_id },
	{ "sensor", "user", NULL, config_set_user },
	{ "sensor", "log_level", NULL, set_log_level },
	{ "capture", "interfaces", config_set_interface, NULL },
	{ "capture", "xdp_mode", NULL, config_set_xdp_mode },
	{ "capture", "mode", NULL, config_set_capture_mode },
	{ "capture", "hook", NULL, config_set_hook },
	{ "capture", "ports", config_set_port, NULL },
	{ "capture", "cidrs", config_set_cidr, NULL },
	{ "capture", "tags", config_set_tag, NULL },
	{ "capture", "all_messages", NULL, set_all_messages },
	{ "feeds", "files", config_set_feed, NULL },
	{ "feeds", "file", config_set_feed, NULL },
	{ "outputs", "output", config_set_output, NULL },
	{ "outputs", "flush_timeout", NULL, config_set_flush_timeout },
	{ "spool", "dir", NULL, set_spool_dir },
	{ "limits", "max_flows", NULL, config_set_max_flows },
	{ "limits", "ringbuf_bytes", NULL, config_set_ringbuf },
	{ "limits", "queue_bytes", NULL, config_set_queue_bytes },
	{ "limits", "seek_depth", NULL, config_set_seek_depth },
	{ "limits", "reorder_slots", NULL, config_set_reorder_slots },
	{ "limits", "cpu_priority", NULL, config_set_cpu_priority },
	{ "metrics", "listen", NULL, config_set_metrics_addr },
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
