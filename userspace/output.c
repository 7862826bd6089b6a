/* The outputs set: opens sinks from specs, numbers and encodes each record
 * once, writes it to every sink, turns spool drops into Loss records, and
 * runs the fsync policy. */
#include "output.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "output_sequence.h"
#include "output_sink.h"
#include "output_time.h"
#include "recordio.h"

/* A Loss record can itself push records out of a full spool; after this
 * many rounds the rest is left in the counters. */
#define MAX_LOSS_ROUNDS 4

struct sink_slot {
	struct output_sink *sink;
	char *spec;
	unsigned unsynced;	/* records since the last fsync */
};

struct outputs {
	pthread_mutex_t lock;
	struct sink_slot *slots;
	size_t n;
	char *sensor_id;
	struct outputs_options opts;
	struct output_sequence seq;
	struct recordio_buf frame;

	pthread_t syncer;
	bool syncer_running;
	bool stopping;
	pthread_cond_t stop_cond;
};

void outputs_options_default(struct outputs_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->spool_max_bytes = 256ull << 20;
	opts->rotate_bytes = 64ull << 20;
	opts->fsync_interval_ms = 1000;
}

bool outputs_spec_network(const char *spec)
{
	return !strncmp(spec, "nats://", 7) || !strncmp(spec, "tls://", 6);
}

static int sink_open(const char *spec, const struct outputs_options *opts,
		     struct output_sink **s)
{
	if (!strncmp(spec, "json:", 5))
		return output_json_open(s, spec + 5, opts);
	if (!strncmp(spec, "file:", 5))
		return output_file_open(s, spec + 5, opts);
	if (outputs_spec_network(spec))
		return output_nats_open(s, spec, opts);
	return -EINVAL;
}

bool outputs_spec_valid(const char *spec)
{
	if ((!strncmp(spec, "json:", 5) || !strncmp(spec, "file:", 5)) && spec[5])
		return true;
#ifdef HAVE_NATS
	if (outputs_spec_network(spec))
		return true;
#endif
	return false;
}

static void sync_fd_of(struct output_sink *s)
{
	int fd = s->ops->dup_fd(s);

	if (fd >= 0) {
		fdatasync(fd);	/* EINVAL on a pipe or terminal: nothing to do */
		close(fd);
	}
}

/* Background fsync for the interval policy: descriptors are duplicated
 * under the lock and synced outside it, so emit never waits for a disk. */
static void *syncer_main(void *arg)
{
	struct outputs *o = arg;
	struct timespec ts;

	pthread_mutex_lock(&o->lock);
	while (!o->stopping) {
		output_deadline_in(&ts, (int)o->opts.fsync_interval_ms);
		pthread_cond_timedwait(&o->stop_cond, &o->lock, &ts);
		for (size_t i = 0; i < o->n && !o->stopping; i++) {
			if (!o->slots[i].unsynced)
				continue;
			o->slots[i].unsynced = 0;
			int fd = o->slots[i].sink->ops->dup_fd(o->slots[i].sink);
			if (fd < 0)
				continue;
			pthread_mutex_unlock(&o->lock);
			fdatasync(fd);
			close(fd);
			pthread_mutex_lock(&o->lock);
		}
	}
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

/* Network sinks first: a record in a local file was then spooled before,
 * so whatever a reader saw locally is also on its way to the network. */
static int cmp_network_first(const void *a, const void *b)
{
	const struct sink_slot *x = a, *y = b;
	return (int)y->sink->network - (int)x->sink->network;
}

int outputs_open(struct outputs **out, const char *const *specs, size_t n,
		 const struct outputs_options *opts)
{
	struct outputs *o;
	int err = 0;

	if (!opts->sensor_id || !*opts->sensor_id || !n)
		return -EINVAL;
	if (opts->state_dir && mkdir(opts->state_dir, 0750) && errno != EEXIST)
		return -errno;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->stop_cond, NULL);
	o->opts = *opts;
	o->sensor_id = strdup(opts->sensor_id);
	o->slots = calloc(n, sizeof(*o->slots));
	if (!o->sensor_id || !o->slots) {
		err = -ENOMEM;
		goto fail;
	}
	o->opts.sensor_id = o->sensor_id;
	err = output_sequence_open(&o->seq, opts->state_dir);
	if (err)
		goto fail;
	for (; o->n < n; o->n++) {
		struct sink_slot *slot = &o->slots[o->n];

		slot->spec = strdup(specs[o->n]);
		if (!slot->spec) {
			err = -ENOMEM;
			goto fail;
		}
		err = sink_open(specs[o->n], &o->opts, &slot->sink);
		if (err) {
			free(slot->spec);
			goto fail;
		}
	}
	qsort(o->slots, o->n, sizeof(*o->slots), cmp_network_first);
	if (opts->fsync_interval_ms) {
		err = -pthread_create(&o->syncer, NULL, syncer_main, o);
		if (err)
			goto fail;
		o->syncer_running = true;
	}
	*out = o;
	return 0;
fail:
	outputs_close(o);
	return err;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Losses waiting to be reported; the same stage and reason merge. */
#define MAX_PENDING_LOSSES 8
struct loss_list {
	struct output_loss v[MAX_PENDING_LOSSES];
	size_t n;
};

static void range_merge(struct spool_drop *into, const struct spool_drop *d)
{
	if (!into->count || d->first_sequence < into->first_sequence)
		into->first_sequence = d->first_sequence;
	if (d->last_sequence > into->last_sequence)
		into->last_sequence = d->last_sequence;
	into->count += d->count;
}

void output_unwritten_failed(struct output_unwritten *u, uint64_t seq)
{
	struct spool_drop one = { 1, seq, seq };

	range_merge(&u->range, &one);
	u->recovered = false;
}

void output_unwritten_written(struct output_unwritten *u)
{
	u->recovered = u->range.count > 0;
}

void output_unwritten_take(struct output_unwritten *u, const char *stage,
			   struct output_loss *loss)
{
	if (!u->recovered)
		return;
	loss->stage = stage;
	loss->reason = "write failed (disk full or I/O error)";
	loss->range = u->range;
	memset(u, 0, sizeof(*u));
}

static void loss_add(struct loss_list *l, const struct output_loss *x)
{
	size_t i;

	if (!x->range.count)
		return;
	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].stage, x->stage) && !strcmp(l->v[i].reason, x->reason))
			break;
	if (i == l->n) {
		if (l->n == MAX_PENDING_LOSSES)
			i = l->n - 1;	/* still counted, under the last kind */
		else
			l->v[l->n++] = (struct output_loss){ x->stage, x->reason, { 0, 0, 0 } };
	}
	range_merge(&l->v[i].range, &x->range);
}

/* Numbers, encodes and writes one record to every sink. */
static int emit_locked(struct outputs *o, Edisensor__V1__Record *rec, struct loss_list *losses)
{
	char *caller_sensor_id = rec->sensor_id;
	struct output_record r;
	uint64_t seq;
	ssize_t len;
	int err, first_err = 0;

	err = output_sequence_next(&o->seq, &seq);
	if (err)
		return err;
	rec->sequence = seq;
	if (!rec->time_ns)
		rec->time_ns = now_ns();
	rec->sensor_id = o->sensor_id;
	o->frame.len = 0;
	len = recordio_append(&o->frame, &rec->base);
	if (len < 0) {
		rec->sensor_id = caller_sensor_id;
		return (int)len;
	}
	r = (struct output_record){ rec, o->frame.data, o->frame.len };
	for (size_t i = 0; i < o->n; i++) {
		struct sink_slot *slot = &o->slots[i];
		struct output_loss loss = { "", "", { 0, 0, 0 } };

		err = slot->sink->ops->write(slot->sink, &r, &loss);
		loss_add(losses, &loss);
		if (err && !first_err)
			first_err = err;
		if (err)
			continue;
		slot->unsynced++;
		if (o->opts.fsync_every && slot->unsynced >= o->opts.fsync_every) {
			slot->unsynced = 0;
			sync_fd_of(slot->sink);
		}
	}
	rec->sensor_id = caller_sensor_id;
	return first_err;
}

/* Losses sinks found on their own (sender threads). */
static void collect_losses(struct outputs *o, struct loss_list *losses)
{
	for (size_t i = 0; i < o->n; i++) {
		struct output_loss loss = { "", "", { 0, 0, 0 } };

		if (o->slots[i].sink->ops->take_loss) {
			o->slots[i].sink->ops->take_loss(o->slots[i].sink, &loss);
			loss_add(losses, &loss);
		}
	}
}

/* Writes one Loss record per pending loss, to every sink: what a sink gave
 * up is reported, never silent. Returns how many were written. */
static size_t report_losses(struct outputs *o, struct loss_list *losses)
{
	size_t written = 0;

	collect_losses(o, losses);
	for (int round = 0; losses->n && round < MAX_LOSS_ROUNDS; round++) {
		struct loss_list now = *losses;

		losses->n = 0;
		for (size_t i = 0; i < now.n; i++) {
			Edisensor__V1__Record lrec = EDISENSOR__V1__RECORD__INIT;
			Edisensor__V1__Loss loss = EDISENSOR__V1__LOSS__INIT;

			loss.stage = (char *)now.v[i].stage;
			loss.reason = (char *)now.v[i].reason;
			loss.count = now.v[i].range.count;
			loss.first_sequence = now.v[i].range.first_sequence;
			loss.last_sequence = now.v[i].range.last_sequence;
			lrec.kind_case = EDISENSOR__V1__RECORD__KIND_LOSS;
			lrec.loss = &loss;
			emit_locked(o, &lrec, losses);
			written++;
		}
	}
	return written;
}

int outputs_emit(struct outputs *o, Edisensor__V1__Record *rec)
{
	struct loss_list losses = { .n = 0 };
	int err;

	pthread_mutex_lock(&o->lock);
	err = emit_locked(o, rec, &losses);
	report_losses(o, &losses);
	pthread_mutex_unlock(&o->lock);
	return err;
}

static int flush_once(struct outputs *o, int64_t deadline)
{
	int err = 0;

	pthread_mutex_lock(&o->lock);
	for (size_t i = 0; i < o->n; i++) {
		sync_fd_of(o->slots[i].sink);
		o->slots[i].unsynced = 0;
	}
	pthread_mutex_unlock(&o->lock);
	/* Network sinks wait for acknowledgements without the lock: emit
	 * from another thread goes on meanwhile. */
	for (size_t i = 0; i < o->n; i++) {
		int64_t left = deadline - output_mono_ms();
		int e = o->slots[i].sink->ops->flush(o->slots[i].sink, left > 0 ? (int)left : 0);
		if (e && !err)
			err = e;
	}
	return err;
}

int outputs_flush(struct outputs *o, int timeout_ms)
{
	int64_t deadline = output_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int err;

	/* A loss found while flushing is itself a record to deliver. */
	for (int round = 0;; round++) {
		struct loss_list losses = { .n = 0 };
		size_t reported;

		err = flush_once(o, deadline);
		if (err || round == MAX_LOSS_ROUNDS)
			break;
		pthread_mutex_lock(&o->lock);
		reported = report_losses(o, &losses);
		pthread_mutex_unlock(&o->lock);
		if (!reported)
			break;
	}
	return err;
}

size_t outputs_stats(struct outputs *o, struct output_stats *stats, size_t max)
{
	size_t i;

	pthread_mutex_lock(&o->lock);
	for (i = 0; i < o->n && i < max; i++) {
		memset(&stats[i], 0, sizeof(stats[i]));
		o->slots[i].sink->ops->stats(o->slots[i].sink, &stats[i]);
		stats[i].spec = o->slots[i].spec;
	}
	pthread_mutex_unlock(&o->lock);
	return i;
}

void outputs_close(struct outputs *o)
{
	if (!o)
		return;
	if (o->syncer_running) {
		pthread_mutex_lock(&o->lock);
		o->stopping = true;
		pthread_cond_broadcast(&o->stop_cond);
		pthread_mutex_unlock(&o->lock);
		pthread_join(o->syncer, NULL);
	}
	if (o->n) {
		/* Last chance to report, at least into the spools and files. */
		struct loss_list losses = { .n = 0 };
		pthread_mutex_lock(&o->lock);
		report_losses(o, &losses);
		pthread_mutex_unlock(&o->lock);
	}
	for (size_t i = 0; i < o->n; i++) {
		o->slots[i].sink->ops->close(o->slots[i].sink);
		free(o->slots[i].spec);
	}
	output_sequence_close(&o->seq);
	recordio_buf_free(&o->frame);
	pthread_cond_destroy(&o->stop_cond);
	pthread_mutex_destroy(&o->lock);
	free(o->slots);
	free(o->sensor_id);
	free(o);
}
