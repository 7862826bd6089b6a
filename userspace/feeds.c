#include "feeds.h"

#include <errno.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

/* One store and the readers still holding it. */
struct generation {
	struct indicator_store *store;
	unsigned refs;                 /* readers; under feeds.lock */
	struct generation *next;       /* retired list */
};

/* What a feed file looked like when it was last loaded. */
struct file_sig {
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

/* A feed's slot never moves: its index is the feed index in every store
 * and in the counters; a removed feed keeps its slot, loaded as empty. */
struct feed_file {
	char *path;
	bool active;
	struct file_sig sig;
};

struct feeds {
	pthread_mutex_t lock;          /* current, retired, refs: held for a few instructions */
	pthread_mutex_t reload_lock;   /* one reload at a time; feeds_add waits for it */
	pthread_mutex_t files_lock;    /* n_files and the signatures, briefly: feeds_changed
					* must not wait for a reload running in the background */
	struct generation *current;
	struct generation *retired;    /* swapped out, still referenced */
	struct feed_file files[INDICATOR_FEEDS_MAX];
	unsigned n_files;
	int inotify_fd;
	struct feeds_stats stats;
	/* Background reload: worker state under async_lock. */
	pthread_mutex_t async_lock;
	pthread_t worker;
	bool worker_started;    /* joinable thread exists */
	bool worker_active;     /* still reloading */
	bool pending;           /* another reload requested meanwhile */
	int worker_rc;
	feed_reject_fn async_fn;
	void *async_ctx;
};

static struct generation *generation_new(struct indicator_store *s)
{
	struct generation *g = calloc(1, sizeof(*g));

	if (g)
		g->store = s;
	return g;
}

static void generation_free(struct generation *g)
{
	if (!g)
		return;
	indicator_store_free(g->store);
	free(g);
}

struct feeds *feeds_new(void)
{
	struct feeds *f = calloc(1, sizeof(*f));
	struct indicator_store *empty;

	if (!f)
		return NULL;
	pthread_mutex_init(&f->lock, NULL);
	pthread_mutex_init(&f->reload_lock, NULL);
	pthread_mutex_init(&f->files_lock, NULL);
	pthread_mutex_init(&f->async_lock, NULL);
	f->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	empty = indicator_store_empty();
	f->current = empty ? generation_new(empty) : NULL;
	if (!f->current) {
		indicator_store_free(empty);
		feeds_free(f);
		return NULL;
	}
	return f;
}

void feeds_free(struct feeds *f)
{
	if (!f)
		return;
	if (f->worker_started)
		pthread_join(f->worker, NULL);
	generation_free(f->current);
	while (f->retired) {
		struct generation *g = f->retired;

		f->retired = g->next;
		generation_free(g);
	}
	for (unsigned i = 0; i < f->n_files; i++)
		free(f->files[i].path);
	if (f->inotify_fd >= 0)
		close(f->inotify_fd);
	pthread_mutex_destroy(&f->lock);
	pthread_mutex_destroy(&f->reload_lock);
	pthread_mutex_destroy(&f->files_lock);
	pthread_mutex_destroy(&f->async_lock);
	free(f);
}

/* Watches the directory: feeds are replaced by rename, which a watch on
 * the old file's inode would not see. */
static void watch_dir(struct feeds *f, const char *path)
{
	char *copy = strdup(path);

	if (f->inotify_fd >= 0 && copy)
		inotify_add_watch(f->inotify_fd, dirname(copy),
				  IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
					  IN_DELETE | IN_ATTRIB);
	free(copy);
}

static struct feed_file *find_file(struct feeds *f, const char *path)
{
	for (unsigned i = 0; i < f->n_files; i++)
		if (strcmp(f->files[i].path, path) == 0)
			return &f->files[i];
	return NULL;
}

static void set_active(struct feeds *f, struct feed_file *ff, bool active)
{
	ff->active = active;
	atomic_store(&f->stats.feed[ff - f->files].active, active);
}

int feeds_add(struct feeds *f, const char *path)
{
	struct feed_file *ff;
	const char *base = strrchr(path, '/');
	int rc = 0;

	pthread_mutex_lock(&f->reload_lock);
	ff = find_file(f, path);
	if (ff) {
		set_active(f, ff, true);
	} else if (f->n_files == INDICATOR_FEEDS_MAX) {
		rc = -E2BIG;
	} else {
		ff = &f->files[f->n_files];
		memset(ff, 0, sizeof(*ff));
		ff->path = strdup(path);
		if (!ff->path) {
			rc = -ENOMEM;
		} else {
			snprintf(f->stats.feed[f->n_files].name, sizeof(f->stats.feed[0].name), "%s",
				 base ? base + 1 : path);
			set_active(f, ff, true);
			pthread_mutex_lock(&f->files_lock);
			f->n_files++;
			pthread_mutex_unlock(&f->files_lock);
			atomic_store(&f->stats.n_feeds, f->n_files);
			watch_dir(f, path);
		}
	}
	pthread_mutex_unlock(&f->reload_lock);
	return rc;
}

int feeds_remove(struct feeds *f, const char *path)
{
	struct feed_file *ff;

	pthread_mutex_lock(&f->reload_lock);
	ff = find_file(f, path);
	if (ff) {
		set_active(f, ff, false);
		pthread_mutex_lock(&f->files_lock);
		memset(&ff->sig, 0, sizeof(ff->sig));
		pthread_mutex_unlock(&f->files_lock);
	}
	pthread_mutex_unlock(&f->reload_lock);
	return ff ? 0 : -ENOENT;
}

static void stat_sig(const char *path, struct file_sig *sig)
{
	struct stat st;

	memset(sig, 0, sizeof(*sig));
	if (stat(path, &st) < 0)
		return;
	sig->exists = true;
	sig->dev = st.st_dev;
	sig->ino = st.st_ino;
	sig->size = st.st_size;
	sig->mtime = st.st_mtim;
}

static bool sig_equal(const struct file_sig *a, const struct file_sig *b)
{
	return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino &&
	       a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* ---- reload ------------------------------------------------------------------- */

/* Counts rejected lines for the feed being loaded, then passes them on. */
struct reject_relay {
	feed_reject_fn fn;
	void *ctx;
	uint64_t count;
};

static void relay_reject(void *ctx, const char *file, unsigned line, const char *reason)
{
	struct reject_relay *r = ctx;

	r->count++;
	if (r->fn)
		r->fn(r->ctx, file, line, reason);
}

static void report_unreadable(struct reject_relay *r, const char *path, int err)
{
	char reason[200];

	if (err == -EBADMSG)
		snprintf(reason, sizeof(reason),
			 "not a feed (no #fields or CSV header); previous indicators stay active");
	else
		snprintf(reason, sizeof(reason), "cannot read feed: %s; previous indicators stay active",
			 strerror(-err));
	if (r->fn)
		r->fn(r->ctx, path, 0, reason);
}

/* Parses every feed into a new store; NULL and *err when one cannot be read. */
static struct indicator_store *build(struct feeds *f, struct reject_relay *relay,
				     uint64_t *rejected, int *err)
{
	struct indicator_builder *b = indicator_builder_new();

	*err = -ENOMEM;
	if (!b)
		return NULL;
	for (unsigned i = 0; i < f->n_files; i++) {
		struct feed_parse_result res;
		int rc;

		struct file_sig sig;

		if (!f->files[i].active) {
			/* Keeps feed index == slot index in the store. */
			if (indicator_builder_add_feed(b, f->files[i].path) < 0) {
				indicator_builder_free(b);
				return NULL;
			}
			rejected[i] = 0;
			continue;
		}
		relay->count = 0;
		stat_sig(f->files[i].path, &sig);
		pthread_mutex_lock(&f->files_lock);
		f->files[i].sig = sig;
		pthread_mutex_unlock(&f->files_lock);
		rc = indicator_builder_load(b, f->files[i].path, relay_reject, relay, &res);
		rejected[i] = relay->count;
		if (rc < 0) {
			atomic_fetch_add(&f->stats.feed[i].read_failures, 1);
			if (rc != -ENOMEM)
				report_unreadable(relay, f->files[i].path, rc);
			indicator_builder_free(b);
			*err = rc;
			return NULL;
		}
	}
	*err = 0;
	return indicator_builder_finish(b);
}

static void publish_counts(struct feeds *f, const struct indicator_store *s, const uint64_t *rejected)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < f->n_files; i++) {
		for (int t = 0; t < INDICATOR_TYPE_COUNT; t++)
			atomic_store(&f->stats.feed[i].indicators[t],
				     indicator_store_feed_count(s, i, (enum indicator_type)t));
		atomic_store(&f->stats.feed[i].rejected_lines, rejected[i]);
		total += rejected[i];
	}
	atomic_fetch_add(&f->stats.rejected_lines, total);
	atomic_store(&f->stats.indicators, indicator_store_count(s));
}

/* The swap: readers that already hold the old store keep it; it is freed
 * by the last feeds_release. */
static void swap_in(struct feeds *f, struct generation *g)
{
	struct generation *old;

	pthread_mutex_lock(&f->lock);
	old = f->current;
	f->current = g;
	if (old->refs) {
		old->next = f->retired;
		f->retired = old;
		old = NULL;
	}
	pthread_mutex_unlock(&f->lock);
	generation_free(old);
}

int feeds_reload(struct feeds *f, feed_reject_fn on_reject, void *ctx)
{
	struct reject_relay relay = { on_reject, ctx, 0 };
	uint64_t *rejected = calloc(INDICATOR_FEEDS_MAX, sizeof(uint64_t));
	struct indicator_store *s = NULL;
	struct generation *g = NULL;
	int err = -ENOMEM;

	pthread_mutex_lock(&f->reload_lock);
	if (rejected)
		s = build(f, &relay, rejected, &err);
	if (s)
		g = generation_new(s);
	if (!g) {
		indicator_store_free(s);
		atomic_fetch_add(&f->stats.reloads_failed, 1);
		pthread_mutex_unlock(&f->reload_lock);
		free(rejected);
		return err ? err : -ENOMEM;
	}
	publish_counts(f, s, rejected);
	swap_in(f, g);
	atomic_fetch_add(&f->stats.reloads_ok, 1);
	pthread_mutex_unlock(&f->reload_lock);
	free(rejected);
	return 0;
}

static void *reload_worker(void *arg)
{
	struct feeds *f = arg;

	pthread_mutex_lock(&f->async_lock);
	while (f->pending) {
		feed_reject_fn fn = f->async_fn;
		void *ctx = f->async_ctx;
		int rc;

		f->pending = false;
		pthread_mutex_unlock(&f->async_lock);
		rc = feeds_reload(f, fn, ctx);
		pthread_mutex_lock(&f->async_lock);
		f->worker_rc = rc;
	}
	f->worker_active = false;
	pthread_mutex_unlock(&f->async_lock);
	return NULL;
}

int feeds_reload_async(struct feeds *f, feed_reject_fn on_reject, void *ctx)
{
	int rc = 0;

	pthread_mutex_lock(&f->async_lock);
	f->pending = true;
	f->async_fn = on_reject;
	f->async_ctx = ctx;
	if (!f->worker_active) {
		if (f->worker_started)
			pthread_join(f->worker, NULL);   /* finished: only reaps it */
		f->worker_started = false;
		rc = -pthread_create(&f->worker, NULL, reload_worker, f);
		f->worker_started = rc == 0;
		f->worker_active = rc == 0;
		if (rc)
			f->pending = false;
	}
	pthread_mutex_unlock(&f->async_lock);
	return rc;
}

bool feeds_reload_done(struct feeds *f, int *rc)
{
	bool done = false;

	pthread_mutex_lock(&f->async_lock);
	if (f->worker_started && !f->worker_active) {
		pthread_join(f->worker, NULL);
		f->worker_started = false;
		*rc = f->worker_rc;
		done = true;
	}
	pthread_mutex_unlock(&f->async_lock);
	return done;
}

/* ---- readers ------------------------------------------------------------------ */

const struct indicator_store *feeds_acquire(struct feeds *f)
{
	const struct indicator_store *s;

	pthread_mutex_lock(&f->lock);
	f->current->refs++;
	s = f->current->store;
	pthread_mutex_unlock(&f->lock);
	return s;
}

void feeds_release(struct feeds *f, const struct indicator_store *s)
{
	struct generation *dead = NULL;

	pthread_mutex_lock(&f->lock);
	if (f->current->store == s) {
		f->current->refs--;
	} else {
		for (struct generation **p = &f->retired; *p; p = &(*p)->next) {
			if ((*p)->store != s)
				continue;
			if (--(*p)->refs == 0) {
				dead = *p;
				*p = dead->next;
			}
			break;
		}
	}
	pthread_mutex_unlock(&f->lock);
	generation_free(dead);
}

void feeds_count_hits(struct feeds *f, const struct match_set *ms)
{
	for (size_t i = 0; i < ms->n_matches; i++) {
		const struct match_origin *o = &ms->origins[i];

		if (o->feed < INDICATOR_FEEDS_MAX && o->type < INDICATOR_TYPE_COUNT)
			atomic_fetch_add(&f->stats.feed[o->feed].hits[o->type], 1);
	}
	if (ms->n_findings)
		atomic_fetch_add(&f->stats.findings, ms->n_findings);
}

int feeds_match(struct feeds *f, const Edisensor__V1__Message *msg, uint64_t now_s,
		struct match_set *ms)
{
	const struct indicator_store *s = feeds_acquire(f);
	int rc = indicator_store_match(s, msg, now_s, ms);

	feeds_count_hits(f, ms);
	feeds_release(f, s);
	return rc;
}

/* ---- change detection ------------------------------------------------------- */

int feeds_watch_fd(const struct feeds *f)
{
	return f->inotify_fd;
}

bool feeds_changed(struct feeds *f)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;

	if (f->inotify_fd >= 0)
		while (read(f->inotify_fd, buf, sizeof(buf)) > 0)
			;   /* the events only wake us; the stat comparison decides */
	pthread_mutex_lock(&f->files_lock);
	for (unsigned i = 0; i < f->n_files && !changed; i++) {
		struct file_sig now;

		if (!f->files[i].active)
			continue;
		stat_sig(f->files[i].path, &now);
		changed = !sig_equal(&now, &f->files[i].sig);
	}
	pthread_mutex_unlock(&f->files_lock);
	return changed;
}

const struct feeds_stats *feeds_stats(const struct feeds *f)
{
	return &f->stats;
}
