/* The live feed set: reload swaps stores, a reader keeps the store it
 * holds, a failed reload keeps the old store, change detection, counters,
 * and readers matching in a thread while reloads happen (never a
 * half-built store: every match set is entirely one version). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "feeds.h"
#include "test_match_fixture.h"
#include "../lib/tmpdir.h"

#define NOW 1800000000ull
#define PER_VERSION 50

static char dir[64];

static void path_in_dir(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

/* Writes a Zeek feed of PER_VERSION references "V<version>-<i>" and one
 * container, atomically (temporary file + rename) like a feed publisher. */
static void write_version(const char *name, int version)
{
	char tmp[160], path[128];
	FILE *f;

	path_in_dir(path, sizeof(path), name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	assert_non_null(f);
	fprintf(f, "#fields\tindicator\tindicator_type\tmeta.source\n");
	for (int i = 0; i < PER_VERSION; i++)
		fprintf(f, "V%d-%d\tEDI::REFERENCE\tv%d\n", version, i, version);
	fprintf(f, "MSKU9070323\tEDI::CONTAINER\tv%d\n", version);
	fprintf(f, "broken line\n");
	fclose(f);
	assert_int_equal(rename(tmp, path), 0);
}

static int setup(void **state)
{
	(void)state;
	return tmpdir_make(dir, sizeof(dir), "edisensor-feeds");
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(dir);
}

struct log {
	unsigned n;
	unsigned last_line;
	char last_reason[200];
};

static void on_reject(void *ctx, const char *file, unsigned line, const char *reason)
{
	struct log *l = ctx;

	(void)file;
	l->n++;
	l->last_line = line;
	snprintf(l->last_reason, sizeof(l->last_reason), "%s", reason);
}

/* A message carrying references of both versions and the container. */
static Edisensor__V1__Message *both_versions(void)
{
	Edisensor__V1__Message *m = fx_msg();
	char v[32];

	for (int version = 1; version <= 2; version++)
		for (int i = 0; i < PER_VERSION; i++) {
			snprintf(v, sizeof(v), "V%d-%d", version, i);
			fx_reference(m, "BM", v);
		}
	fx_equipment(m, "MSKU9070323");
	return m;
}

/* Which version a match set came from: 1 or 2, 0 when mixed or incomplete. */
static int version_of(const struct match_set *ms)
{
	int version = 0;

	if (ms->n_matches != PER_VERSION + 1)
		return 0;
	for (size_t i = 0; i < ms->n_matches; i++) {
		int v = ms->matches[i]->source[1] - '0';

		if (version && v != version)
			return 0;
		version = v;
	}
	return version;
}

static void test_reload_swaps_and_old_reader_survives(void **state)
{
	struct feeds *f = feeds_new();
	Edisensor__V1__Message *m = both_versions();
	const struct indicator_store *old, *cur;
	const struct feeds_stats *st = feeds_stats(f);
	struct match_set ms;
	struct log log = { 0 };
	char path[128];

	(void)state;
	match_set_init(&ms);
	write_version("a.intel", 1);
	path_in_dir(path, sizeof(path), "a.intel");
	assert_int_equal(feeds_add(f, path), 0);
	assert_true(feeds_changed(f));                  /* never loaded yet */
	assert_int_equal(feeds_reload(f, on_reject, &log), 0);
	assert_int_equal(log.n, 1);                     /* the broken line */
	assert_int_equal(log.last_line, PER_VERSION + 3);
	assert_false(feeds_changed(f));
	old = feeds_acquire(f);

	write_version("a.intel", 2);
	assert_true(feeds_changed(f));
	assert_int_equal(feeds_reload(f, on_reject, &log), 0);
	cur = feeds_acquire(f);
	assert_ptr_not_equal(cur, old);
	/* The old store still answers, with the old indicators. */
	assert_int_equal(indicator_store_match(old, m, NOW, &ms), PER_VERSION + 1);
	assert_int_equal(version_of(&ms), 1);
	assert_int_equal(indicator_store_match(cur, m, NOW, &ms), PER_VERSION + 1);
	assert_int_equal(version_of(&ms), 2);
	feeds_release(f, old);
	feeds_release(f, cur);

	assert_int_equal(feeds_match(f, m, NOW, &ms), PER_VERSION + 1);
	assert_int_equal(atomic_load(&st->reloads_ok), 2);
	assert_int_equal(atomic_load(&st->reloads_failed), 0);
	assert_int_equal(atomic_load(&st->rejected_lines), 2);
	assert_int_equal(atomic_load(&st->indicators), PER_VERSION + 1);
	assert_string_equal(st->feed[0].name, "a.intel");
	assert_int_equal(atomic_load(&st->feed[0].indicators[INDICATOR_REFERENCE]), PER_VERSION);
	assert_int_equal(atomic_load(&st->feed[0].indicators[INDICATOR_CONTAINER]), 1);
	assert_int_equal(atomic_load(&st->feed[0].hits[INDICATOR_REFERENCE]), PER_VERSION);
	assert_int_equal(atomic_load(&st->feed[0].hits[INDICATOR_CONTAINER]), 1);
	assert_int_equal(atomic_load(&st->feed[0].rejected_lines), 1);
	match_set_fini(&ms);
	fx_free(m);
	feeds_free(f);
}

static void test_failed_reload_keeps_store(void **state)
{
	struct feeds *f = feeds_new();
	Edisensor__V1__Message *m = both_versions();
	const struct feeds_stats *st = feeds_stats(f);
	const struct indicator_store *before, *after;
	struct match_set ms;
	struct log log = { 0 };
	char a[128], b[128];
	FILE *fp;

	(void)state;
	match_set_init(&ms);
	write_version("keep.intel", 1);
	write_version("second.intel", 2);
	path_in_dir(a, sizeof(a), "keep.intel");
	path_in_dir(b, sizeof(b), "second.intel");
	feeds_add(f, a);
	feeds_add(f, b);
	assert_int_equal(feeds_reload(f, on_reject, &log), 0);
	before = feeds_acquire(f);
	feeds_release(f, before);

	/* The second feed goes away: reload fails, the store stays. */
	assert_int_equal(unlink(b), 0);
	assert_true(feeds_changed(f));
	assert_int_equal(feeds_reload(f, on_reject, &log), -ENOENT);
	assert_int_equal(log.last_line, 0);
	assert_non_null(strstr(log.last_reason, "previous indicators stay active"));
	after = feeds_acquire(f);
	assert_ptr_equal(after, before);
	feeds_release(f, after);
	assert_int_equal(feeds_match(f, m, NOW, &ms), 2 * (PER_VERSION + 1));
	assert_int_equal(atomic_load(&st->reloads_failed), 1);
	assert_int_equal(atomic_load(&st->feed[1].read_failures), 1);

	/* Garbage instead of a feed: also a failure. */
	fp = fopen(b, "w");
	fputs("this is not\na feed\n", fp);
	fclose(fp);
	assert_int_equal(feeds_reload(f, on_reject, &log), -EBADMSG);
	assert_non_null(strstr(log.last_reason, "not a feed"));
	after = feeds_acquire(f);
	assert_ptr_equal(after, before);
	feeds_release(f, after);

	/* Back: the reload succeeds again. */
	write_version("second.intel", 2);
	assert_int_equal(feeds_reload(f, on_reject, &log), 0);
	assert_int_equal(atomic_load(&st->reloads_failed), 2);
	match_set_fini(&ms);
	fx_free(m);
	feeds_free(f);
}

static void test_inotify_wakes(void **state)
{
	struct feeds *f = feeds_new();
	struct pollfd pfd;
	char path[128];

	(void)state;
	write_version("watched.intel", 1);
	path_in_dir(path, sizeof(path), "watched.intel");
	feeds_add(f, path);
	assert_int_equal(feeds_reload(f, NULL, NULL), 0);
	pfd.fd = feeds_watch_fd(f);
	pfd.events = POLLIN;
	if (pfd.fd < 0) {
		feeds_free(f);
		skip();   /* no inotify here: feeds_changed still polls mtimes */
	}
	while (poll(&pfd, 1, 0) > 0 && feeds_changed(f) == false)
		;   /* drains events of the initial write */
	assert_false(feeds_changed(f));
	write_version("watched.intel", 2);
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	assert_true(feeds_changed(f));
	assert_int_equal(poll(&pfd, 1, 0), 0);      /* drained */
	assert_int_equal(feeds_reload(f, NULL, NULL), 0);
	assert_false(feeds_changed(f));
	feeds_free(f);
}

static void test_add_remove(void **state)
{
	struct feeds *f = feeds_new();
	Edisensor__V1__Message *m = both_versions();
	const struct feeds_stats *st = feeds_stats(f);
	struct match_set ms;
	char a[128], b[128];

	(void)state;
	match_set_init(&ms);
	write_version("one.intel", 1);
	write_version("two.intel", 2);
	path_in_dir(a, sizeof(a), "one.intel");
	path_in_dir(b, sizeof(b), "two.intel");
	assert_int_equal(feeds_add(f, a), 0);
	assert_int_equal(feeds_add(f, b), 0);
	assert_int_equal(feeds_add(f, a), 0);          /* again: no second copy */
	assert_int_equal(atomic_load(&st->n_feeds), 2);
	assert_int_equal(feeds_reload(f, NULL, NULL), 0);
	assert_int_equal(feeds_match(f, m, NOW, &ms), 2 * (PER_VERSION + 1));

	assert_int_equal(feeds_remove(f, a), 0);
	assert_int_equal(feeds_remove(f, "/nowhere"), -ENOENT);
	assert_false(atomic_load(&st->feed[0].active));
	/* Removed but not reloaded yet: still matching. */
	assert_int_equal(feeds_match(f, m, NOW, &ms), 2 * (PER_VERSION + 1));
	assert_int_equal(unlink(a), 0);                /* a removed feed need not exist */
	assert_false(feeds_changed(f));
	assert_int_equal(feeds_reload(f, NULL, NULL), 0);
	assert_int_equal(feeds_match(f, m, NOW, &ms), PER_VERSION + 1);
	assert_int_equal(version_of(&ms), 2);
	/* The remaining feed keeps its slot and counters. */
	assert_string_equal(ms.matches[0]->feed, "two.intel");
	assert_int_equal(ms.origins[0].feed, 1);
	assert_int_equal(atomic_load(&st->feed[0].indicators[INDICATOR_REFERENCE]), 0);
	assert_int_equal(atomic_load(&st->feed[1].indicators[INDICATOR_REFERENCE]), PER_VERSION);
	assert_int_equal(atomic_load(&st->feed[1].hits[INDICATOR_REFERENCE]), 3 * PER_VERSION);

	/* Back again, in the same slot. */
	write_version("one.intel", 1);
	assert_int_equal(feeds_add(f, a), 0);
	assert_true(feeds_changed(f));
	assert_int_equal(feeds_reload(f, NULL, NULL), 0);
	assert_int_equal(feeds_match(f, m, NOW, &ms), 2 * (PER_VERSION + 1));
	assert_int_equal(atomic_load(&st->n_feeds), 2);
	assert_true(atomic_load(&st->feed[0].active));
	match_set_fini(&ms);
	fx_free(m);
	feeds_free(f);
}

struct reader {
	struct feeds *f;
	Edisensor__V1__Message *m;
	atomic_bool stop;
	atomic_uint rounds, bad, seen[3];
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct match_set ms;

	match_set_init(&ms);
	while (!atomic_load(&r->stop)) {
		int v;

		feeds_match(r->f, r->m, NOW, &ms);
		v = version_of(&ms);
		if (v == 0)
			atomic_fetch_add(&r->bad, 1);
		else
			atomic_fetch_add(&r->seen[v], 1);
		atomic_fetch_add(&r->rounds, 1);
	}
	match_set_fini(&ms);
	return NULL;
}

static void test_reload_while_matching(void **state)
{
	struct reader r = { .f = feeds_new(), .m = both_versions() };
	pthread_t th[2];
	char path[128];

	(void)state;
	write_version("live.intel", 1);
	path_in_dir(path, sizeof(path), "live.intel");
	feeds_add(r.f, path);
	assert_int_equal(feeds_reload(r.f, NULL, NULL), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader_main, &r), 0);
	for (int i = 0; i < 60; i++) {
		unsigned before = atomic_load(&r.rounds);

		write_version("live.intel", 1 + (i + 1) % 2);
		assert_int_equal(feeds_reload(r.f, NULL, NULL), 0);
		while (atomic_load(&r.rounds) < before + 2)
			sched_yield();   /* let the readers see this version */
	}
	atomic_store(&r.stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(atomic_load(&r.bad), 0);
	assert_true(atomic_load(&r.seen[1]) > 0);
	assert_true(atomic_load(&r.seen[2]) > 0);
	assert_int_equal(atomic_load(&feeds_stats(r.f)->reloads_ok), 61);
	fx_free(r.m);
	feeds_free(r.f);
}

static void test_async_reload(void **state)
{
	struct feeds *f = feeds_new();
	Edisensor__V1__Message *m = both_versions();
	struct match_set ms;
	char path[128];
	int rc = 1, rounds = 0;

	(void)state;
	match_set_init(&ms);
	write_version("async.intel", 1);
	path_in_dir(path, sizeof(path), "async.intel");
	feeds_add(f, path);
	assert_false(feeds_reload_done(f, &rc));      /* nothing started */
	assert_int_equal(feeds_reload_async(f, NULL, NULL), 0);
	/* Matching goes on meanwhile: the empty store, then version 1. */
	while (!feeds_reload_done(f, &rc)) {
		int n = feeds_match(f, m, NOW, &ms);

		assert_true(n == 0 || version_of(&ms) == 1);
		rounds++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(feeds_match(f, m, NOW, &ms), PER_VERSION + 1);
	assert_int_equal(version_of(&ms), 1);
	assert_false(feeds_reload_done(f, &rc));      /* reported once */

	/* Two requests in a row: the second is queued, and the last version wins. */
	write_version("async.intel", 2);
	assert_int_equal(feeds_reload_async(f, NULL, NULL), 0);
	assert_int_equal(feeds_reload_async(f, NULL, NULL), 0);
	while (!feeds_reload_done(f, &rc))
		sched_yield();
	assert_int_equal(rc, 0);
	assert_true(atomic_load(&feeds_stats(f)->reloads_ok) >= 2);
	feeds_match(f, m, NOW, &ms);
	assert_int_equal(version_of(&ms), 2);

	/* A failing background reload reports the error and keeps the store. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(feeds_reload_async(f, NULL, NULL), 0);
	while (!feeds_reload_done(f, &rc))
		sched_yield();
	assert_int_equal(rc, -ENOENT);
	feeds_match(f, m, NOW, &ms);
	assert_int_equal(version_of(&ms), 2);
	(void)rounds;
	match_set_fini(&ms);
	fx_free(m);
	feeds_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reload_swaps_and_old_reader_survives),
		cmocka_unit_test(test_failed_reload_keeps_store),
		cmocka_unit_test(test_inotify_wakes),
		cmocka_unit_test(test_reload_while_matching),
		cmocka_unit_test(test_async_reload),
		cmocka_unit_test(test_add_remove),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
