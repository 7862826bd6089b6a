/* SIGHUP: re-read the configuration with the same file and flags, apply
 * what can change while running (ports, tags, feeds, ...), name what needs
 * a restart; feeds reload in the background. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "feeds.h"
#include "live_priv.h"
#include "log.h"
#include "notify.h"
#include "pipeline.h"
#include "sensor_bpf.h"


static bool same_strs(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return true;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Names what changed in the file but only takes effect after a restart. */
static void warn_restart_only(const struct config *o, const struct config *n)
{
	const char *what[16];
	size_t k = 0;

	if (!same_strs(o->interfaces, o->n_interfaces, n->interfaces, n->n_interfaces))
		what[k++] = "interfaces";
	if (o->xdp_mode != n->xdp_mode)
		what[k++] = "xdp_mode";
	if (o->hook != n->hook || memcmp(o->iface_hooks, n->iface_hooks, sizeof(o->iface_hooks)) ||
	    memcmp(o->iface_default, n->iface_default, sizeof(o->iface_default)))
		what[k++] = "hook";
	if (o->tap_mode != n->tap_mode)
		what[k++] = "mode";
	if (o->n_cidrs != n->n_cidrs || memcmp(o->cidrs, n->cidrs, sizeof(o->cidrs[0]) * o->n_cidrs))
		what[k++] = "cidrs";
	if (!same_strs(o->outputs, o->n_outputs, n->outputs, n->n_outputs))
		what[k++] = "outputs";
	if (!same_str(o->spool_dir, n->spool_dir))
		what[k++] = "spool";
	if (o->max_flows != n->max_flows || o->ringbuf_bytes != n->ringbuf_bytes ||
	    o->queue_bytes != n->queue_bytes || o->reorder_slots != n->reorder_slots)
		what[k++] = "limits";
	if (!same_str(o->metrics_addr, n->metrics_addr))
		what[k++] = "metrics";
	if (!same_str(o->user, n->user))
		what[k++] = "user";
	if (!same_str(o->sensor_id, n->sensor_id))
		what[k++] = "sensor id";
	for (size_t i = 0; i < k; i++)
		log_warn("reload: '%s' changed; it takes effect after a restart", what[i]);
}

/* The part of a new configuration that applies without a restart. */
static void adopt_reloadable(struct config *cur, const struct config *n)
{
	memcpy(cur->ports, n->ports, sizeof(cur->ports));
	cur->n_ports = n->n_ports;
	memcpy(cur->tags, n->tags, sizeof(cur->tags));
	cur->n_tags = n->n_tags;
	memcpy(cur->feeds, n->feeds, sizeof(cur->feeds));
	cur->n_feeds = n->n_feeds;
	cur->all_messages = n->all_messages;
	cur->verbosity = n->verbosity;
	cur->flush_timeout_ms = n->flush_timeout_ms;
}

static void log_feed_reject(void *ctx, const char *file, unsigned line, const char *reason)
{
	(void)ctx;
	if (line)
		log_warn("feed %s:%u: %s (line skipped)", file, line, reason);
	else
		log_error("feed %s: %s", file, reason);
}

static bool listed(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

/* Registers the feeds the new configuration adds and starts re-reading all
 * of them in the background (the pipeline keeps matching the old set). */
static int start_feeds_reload(struct live *l, const struct config *n)
{
	struct feeds *f = pipeline_feeds(l->pipe);
	int r;

	if (!f)
		return 0;
	for (size_t i = 0; i < n->n_feeds; i++) {
		if (listed(l->cfg->feeds, l->cfg->n_feeds, n->feeds[i]))
			continue;
		r = feeds_add(f, n->feeds[i]);
		if (r) {
			log_error("reload: feed %s: %s", n->feeds[i], strerror(-r));
			return r;
		}
		log_info("reload: feed %s added", n->feeds[i]);
	}
	for (size_t i = 0; i < l->cfg->n_feeds; i++)
		if (!listed(n->feeds, n->n_feeds, l->cfg->feeds[i]))
			log_warn("reload: feed %s left the configuration; it stays loaded until a "
				 "restart", l->cfg->feeds[i]);
	r = feeds_reload_async(f, log_feed_reject, NULL);
	if (r)
		log_error("reload: starting the feed reload: %s", strerror(-r));
	else
		l->feeds_reloading = true;
	return r;
}

int live_reload(struct live *l)
{
	struct old_config *nc = calloc(1, sizeof(*nc));
	char err[512] = "";
	int r;

	if (!nc)
		return -ENOMEM;
	r = config_load(&nc->cfg, l->argc, l->argv, err, sizeof(err));
	if (r) {
		log_error("reload: %s; the running configuration stays", err);
		goto refuse;
	}
	warn_restart_only(l->cfg, &nc->cfg);
	r = start_feeds_reload(l, &nc->cfg);
	if (r)
		goto refuse;
	pthread_mutex_lock(&l->pipe_lock);
	if (l->hooks && l->hooks->reload)
		r = l->hooks->reload(l->hooks->ctx, &nc->cfg, err, sizeof(err));
	if (r) {
		pthread_mutex_unlock(&l->pipe_lock);
		log_error("reload: %s", err);
		goto refuse;
	}
	r = sensor_bpf_set_ports(l->bpf, nc->cfg.ports, nc->cfg.n_ports);
	if (!r)
		r = sensor_bpf_set_tags(l->bpf, nc->cfg.tags, nc->cfg.n_tags);
	if (r)
		log_error("reload: updating the kernel's ports/tags: %s", strerror(-r));
	adopt_reloadable(l->cfg, &nc->cfg);
	pthread_mutex_unlock(&l->pipe_lock);
	log_set_level(l->cfg->verbosity ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	nc->next = l->old;
	l->old = nc;
	log_info("reload: configuration applied (%zu ports, %zu tags, %zu feeds)%s",
		 l->cfg->n_ports, l->cfg->n_tags, l->cfg->n_feeds,
		 l->feeds_reloading ? "; feeds reloading in the background" : "");
	if (!l->feeds_reloading)
		l->reloads++;
	return 0;
refuse:
	config_free(&nc->cfg);
	free(nc);
	l->reload_failures++;
	return r ? r : -EINVAL;
}

/* The background feed reload ended: count it, tell systemd the reload is over. */
void live_check_feeds_reload(struct live *l)
{
	struct feeds *f = pipeline_feeds(l->pipe);
	char status[160];
	int rc;

	if (!l->feeds_reloading || !f || !feeds_reload_done(f, &rc))
		return;
	l->feeds_reloading = false;
	if (rc) {
		l->reload_failures++;
		log_error("reload: feeds: %s; the loaded indicators stay active", strerror(-rc));
	} else {
		l->reloads++;
		log_info("reload: feeds reloaded");
	}
	live_status_line(l, status, sizeof(status));
	notify_ready(status);
}
