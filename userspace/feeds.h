/* Indicator feeds: the live set the daemon matches messages against.
 *
 * API summary (modules underneath: feed_parse.h parses files,
 * indicator_store.h indexes indicators, match.h matches a message):
 *
 *   struct feeds *f = feeds_new();
 *   feeds_add(f, "/etc/edisensor/feeds/brand.intel");     // per --feed, before the first load
 *   feeds_remove(f, path);                                 // a feed leaving the configuration
 *   feeds_reload(f, log_reject, log_ctx);                  // initial load; again on SIGHUP
 *   poll(feeds_watch_fd(f)) ... if (feeds_changed(f)) feeds_reload(f, ...);
 *   or without blocking the loop (a 1M-indicator feed takes about a second):
 *       on SIGHUP / change: feeds_reload_async(f, log_reject, log_ctx);
 *       each loop turn:     if (feeds_reload_done(f, &rc)) log the result (rc as feeds_reload);
 *
 *   per message (any thread):
 *       struct match_set ms;  match_set_init(&ms) once per thread
 *       int n = feeds_match(f, msg, now_s, &ms);            // acquire + match + count + release
 *       Edisensor__V1__Hit hit = EDISENSOR__V1__HIT__INIT;
 *       if (n > 0 && match_build_hit(&hit, msg, &ms)) emit(&hit);
 *   or by hand: s = feeds_acquire(f); indicator_store_match(s, ...); feeds_count_hits(f, &ms);
 *               feeds_release(f, s);
 *
 *   metrics: const struct feeds_stats *st = feeds_stats(f);  (atomic counters)
 *   feeds_free(f) at shutdown (after every reader released).
 *
 * Reload: every feed file is parsed into a new store off to the side while
 * readers go on with the current one; then one pointer swap under a short
 * lock. A reader holds a reference from feeds_acquire to feeds_release, so
 * a store is freed only when the last reader of it lets go: a match never
 * sees a half-built or freed store. Lines that do not parse are reported
 * through the reject callback (file, line, reason) and skipped. A feed that
 * cannot be read at all (missing, unreadable, not a feed) fails the whole
 * reload: the previous store stays active, the callback is told (line 0),
 * reloads_failed counts it. feeds_reload may run in another thread than the
 * readers; reloads are serialised among themselves.
 *
 * Change detection: feeds_watch_fd() is an inotify descriptor (non-blocking)
 * watching the feeds' directories, or -1 when inotify is unavailable;
 * feeds_changed() drains it and compares each file's inode, size and mtime
 * with the last load, so calling it on a timer without the fd works too
 * (mtime polling). Replace feeds atomically (write a temporary file,
 * rename it over the old one) so a reload never reads a half-written file. */
#ifndef EDISENSOR_FEEDS_H
#define EDISENSOR_FEEDS_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "edisensor.pb-c.h"
#include "feed_parse.h"
#include "indicator.h"
#include "indicator_store.h"
#include "match.h"

struct feeds;

struct feeds_feed_stats {
	char name[64];                                     /* base name of the file */
	_Atomic uint64_t indicators[INDICATOR_TYPE_COUNT]; /* in the active store */
	_Atomic uint64_t hits[INDICATOR_TYPE_COUNT];       /* matches counted so far */
	_Atomic uint64_t rejected_lines;                   /* in the last load */
	_Atomic uint64_t read_failures;                    /* loads that could not read it */
	_Atomic bool active;                               /* false once feeds_remove'd */
};

struct feeds_stats {
	_Atomic uint64_t reloads_ok;
	_Atomic uint64_t reloads_failed;
	_Atomic uint64_t rejected_lines;    /* over all loads */
	_Atomic uint64_t indicators;        /* in the active store */
	_Atomic uint64_t findings;          /* findings counted (CONTAINER_CHECK_DIGIT...) */
	_Atomic unsigned n_feeds;       /* slots used in feed[], removed feeds included */
	struct feeds_feed_stats feed[INDICATOR_FEEDS_MAX];
};

/* NULL on ENOMEM. The set starts with an empty store. */
struct feeds *feeds_new(void);
/* NULL is fine. Every store must have been released; waits for a
 * background reload to end. */
void feeds_free(struct feeds *f);

/* Registers a feed file; -E2BIG past INDICATOR_FEEDS_MAX, -ENOMEM. Takes
 * effect at the next feeds_reload. Adding a path already registered is a
 * no-op, adding a removed one brings it back (in its old counter slot). */
int feeds_add(struct feeds *f, const char *path);
/* Drops a feed from the next reload on (its indicators stay until then,
 * its counters stay, with active false). -ENOENT when not registered. */
int feeds_remove(struct feeds *f, const char *path);

/* Rebuilds the store from every registered file and swaps it in. 0, or the
 * negative errno of the first feed that could not be read (old store kept),
 * or -ENOMEM (old store kept). */
int feeds_reload(struct feeds *f, feed_reject_fn on_reject, void *ctx);

/* Runs feeds_reload in a background thread so the caller's loop keeps
 * matching (against the old store) meanwhile. When a background reload is
 * already running, another one is queued to run after it (a change that
 * arrives during a reload is not lost). The callback runs in that thread.
 * 0, or -errno when the thread cannot be started. */
int feeds_reload_async(struct feeds *f, feed_reject_fn on_reject, void *ctx);
/* True once when a background reload (and any queued after it) has
 * finished; *rc is the last feeds_reload result. Does not block. */
bool feeds_reload_done(struct feeds *f, int *rc);

/* The active store, referenced until feeds_release. Never NULL. */
const struct indicator_store *feeds_acquire(struct feeds *f);
void feeds_release(struct feeds *f, const struct indicator_store *s);

/* Adds a match set's matches and findings to the hit counters. The set
 * must come from a store of this feeds object (feed indices line up). */
void feeds_count_hits(struct feeds *f, const struct match_set *ms);

/* Acquire, indicator_store_match, count, release. Returns what
 * indicator_store_match returns. */
int feeds_match(struct feeds *f, const Edisensor__V1__Message *msg, uint64_t now_s,
		struct match_set *ms);

int feeds_watch_fd(const struct feeds *f);
/* True when a feed file changed (or appeared, or went away) since it was
 * last loaded. */
bool feeds_changed(struct feeds *f);

const struct feeds_stats *feeds_stats(const struct feeds *f);

#endif
