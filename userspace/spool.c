/* Durable spool: segment files of length-delimited records plus an
 * acknowledgement cursor. See spool.h for the model. */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "output_time.h"
#include "recordio.h"

#define SEG_SUFFIX ".seg"
#define SEG_NAME_LEN (16 + sizeof(SEG_SUFFIX))	/* with the NUL */
#define CURSOR_NAME "acked"
#define CURSOR_LEN 34				/* "%016x %016x\n" */
#define MIN_SEGMENT_BYTES 4096
#define EMPTY_RESET_BYTES (64u << 10)	/* see reset_if_empty */
#define READAHEAD_BYTES (64u << 10)

struct seg {
	uint64_t num;
	uint64_t size;
};

struct spool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int dirfd;
	int wfd;		/* active (last) segment, appending */
	int rfd;		/* segment being read */
	uint64_t rfd_seg;
	uint8_t *ra;		/* read-ahead of segment ra_seg from ra_off */
	size_t ra_cap;
	size_t ra_len;		/* 0: empty */
	uint64_t ra_seg;
	uint64_t ra_off;
	int cursor_fd;
	struct seg *segs;
	size_t nsegs;
	size_t segcap;
	struct spool_pos rpos;	/* next record to hand out */
	struct spool_pos apos;	/* everything before is acknowledged */
	uint64_t max_bytes;
	uint64_t segment_bytes;
	uint64_t total;
	struct spool_stats st;
	unsigned wakeups;
};

static int pos_cmp(struct spool_pos a, struct spool_pos b)
{
	if (a.seg != b.seg)
		return a.seg < b.seg ? -1 : 1;
	if (a.off != b.off)
		return a.off < b.off ? -1 : 1;
	return 0;
}

static void seg_name(char name[SEG_NAME_LEN], uint64_t num)
{
	snprintf(name, SEG_NAME_LEN, "%016" PRIx64 SEG_SUFFIX, num);
}

static struct seg *seg_find(struct spool *sp, uint64_t num)
{
	for (size_t i = 0; i < sp->nsegs; i++)
		if (sp->segs[i].num == num)
			return &sp->segs[i];
	return NULL;
}

static struct seg *seg_last(struct spool *sp)
{
	return &sp->segs[sp->nsegs - 1];
}

static struct spool_pos end_pos(struct spool *sp)
{
	return (struct spool_pos){ seg_last(sp)->num, seg_last(sp)->size };
}

static void cursor_store(struct spool *sp)
{
	char line[CURSOR_LEN + 1];

	snprintf(line, sizeof(line), "%016" PRIx64 " %016" PRIx64 "\n", sp->apos.seg, sp->apos.off);
	/* Losing this write only means re-sending, which the receiver
	 * deduplicates: no error path needed. */
	if (pwrite(sp->cursor_fd, line, CURSOR_LEN, 0) != CURSOR_LEN)
		return;
}

static int cursor_load(struct spool *sp, struct spool_pos *pos)
{
	char line[CURSOR_LEN + 1] = { 0 };
	ssize_t n = pread(sp->cursor_fd, line, CURSOR_LEN, 0);

	if (n != CURSOR_LEN || sscanf(line, "%16" SCNx64 " %16" SCNx64, &pos->seg, &pos->off) != 2)
		return -ENOENT;
	return 0;
}

static int seg_push(struct spool *sp, uint64_t num, uint64_t size)
{
	if (sp->nsegs == sp->segcap) {
		size_t cap = sp->segcap ? sp->segcap * 2 : 16;
		struct seg *s = realloc(sp->segs, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		sp->segs = s;
		sp->segcap = cap;
	}
	sp->segs[sp->nsegs++] = (struct seg){ num, size };
	sp->total += size;
	return 0;
}

/* Removes the oldest segment from the list and from disk. */
static void seg_delete_first(struct spool *sp)
{
	char name[SEG_NAME_LEN];

	seg_name(name, sp->segs[0].num);
	unlinkat(sp->dirfd, name, 0);
	if (sp->rfd >= 0 && sp->rfd_seg == sp->segs[0].num) {
		close(sp->rfd);
		sp->rfd = -1;
	}
	if (sp->ra_seg == sp->segs[0].num)
		sp->ra_len = 0;
	sp->total -= sp->segs[0].size;
	memmove(sp->segs, sp->segs + 1, (sp->nsegs - 1) * sizeof(*sp->segs));
	sp->nsegs--;
}

static int open_segment_fd(struct spool *sp, uint64_t num, int flags)
{
	char name[SEG_NAME_LEN];
	int fd;

	seg_name(name, num);
	fd = openat(sp->dirfd, name, flags | O_CLOEXEC, 0600);
	return fd < 0 ? -errno : fd;
}

/* Starts a new active segment after the last one. */
static int seg_start(struct spool *sp, uint64_t num)
{
	int fd = open_segment_fd(sp, num, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC);
	int err;

	if (fd < 0)
		return fd;
	err = seg_push(sp, num, 0);
	if (err) {
		close(fd);
		return err;
	}
	if (sp->wfd >= 0) {
		fdatasync(sp->wfd);	/* a finished segment is on disk */
		close(sp->wfd);
	}
	sp->wfd = fd;
	return 0;
}

/* Counts the records of segment s from offset off; first and last
 * sequence go to drop (added to what it holds). */
static void seg_count_from(struct spool *sp, const struct seg *s, uint64_t off,
			   struct spool_drop *drop)
{
	struct recordio_reader r;
	struct record_peek pk;
	const uint8_t *data;
	size_t len;
	int fd = open_segment_fd(sp, s->num, O_RDONLY);

	if (fd < 0)
		return;
	if (lseek(fd, (off_t)off, SEEK_SET) == (off_t)off) {
		recordio_reader_init(&r, fd);
		while (r.offset < s->size - off && recordio_next(&r, &data, &len) == 1) {
			if (record_peek(data, len, &pk))
				pk.sequence = 0;
			if (!drop->count || pk.sequence < drop->first_sequence)
				drop->first_sequence = pk.sequence;
			if (pk.sequence > drop->last_sequence)
				drop->last_sequence = pk.sequence;
			drop->count++;
		}
		recordio_reader_fini(&r);
	}
	close(fd);
}

/* ---- open / close ------------------------------------------------------ */

static int cmp_seg(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;
	return x->num < y->num ? -1 : x->num > y->num;
}

static int list_segments(struct spool *sp)
{
	int fd = dup(sp->dirfd);
	DIR *d;
	struct dirent *e;
	int err = 0;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while (!err && (e = readdir(d))) {
		uint64_t num;
		char tail[8];
		struct stat st;

		if (strlen(e->d_name) != SEG_NAME_LEN - 1 ||
		    sscanf(e->d_name, "%16" SCNx64 "%7s", &num, tail) != 2 ||
		    strcmp(tail, SEG_SUFFIX))
			continue;
		if (fstatat(sp->dirfd, e->d_name, &st, 0))
			continue;
		err = seg_push(sp, num, (uint64_t)st.st_size);
	}
	closedir(d);
	if (sp->nsegs)   /* an empty spool has no array: qsort(NULL) is undefined */
		qsort(sp->segs, sp->nsegs, sizeof(*sp->segs), cmp_seg);
	return err;
}

/* Cuts a torn record at the end of the last segment (a crash mid-write)
 * and opens it for appending. */
static int recover_last(struct spool *sp)
{
	struct seg *s = seg_last(sp);
	uint64_t good;
	int fd = open_segment_fd(sp, s->num, O_RDWR | O_APPEND);
	int err;

	if (fd < 0)
		return fd;
	err = recordio_scan(fd, &good, NULL);
	if (!err && good < s->size) {
		if (ftruncate(fd, (off_t)good))
			err = -errno;
		sp->total -= s->size - good;
		s->size = good;
	}
	if (err) {
		close(fd);
		return err;
	}
	sp->wfd = fd;
	return 0;
}

/* Places the acknowledgement cursor inside what exists and deletes
 * segments wholly acknowledged. */
static void settle_cursor(struct spool *sp, struct spool_pos saved, bool have_saved)
{
	struct seg *first = &sp->segs[0], *last = seg_last(sp);

	if (!have_saved || saved.seg < first->num)
		sp->apos = (struct spool_pos){ first->num, 0 };
	else if (saved.seg > last->num)
		sp->apos = end_pos(sp);
	else
		sp->apos = saved;
	while (sp->nsegs > 1 && sp->segs[0].num < sp->apos.seg)
		seg_delete_first(sp);
	struct seg *s = seg_find(sp, sp->apos.seg);
	if (!s)
		sp->apos = (struct spool_pos){ sp->segs[0].num, 0 };
	else if (sp->apos.off > s->size)
		sp->apos.off = s->size;
	sp->rpos = sp->apos;
}

/* Spool depth at open: the records the previous run did not see
 * acknowledged (after the cursor). */
static uint64_t count_unacked(struct spool *sp)
{
	struct spool_drop pending = { 0 };

	for (size_t i = 0; i < sp->nsegs; i++)
		if (sp->segs[i].num >= sp->apos.seg)
			seg_count_from(sp, &sp->segs[i],
				       sp->segs[i].num == sp->apos.seg ? sp->apos.off : 0, &pending);
	return pending.count;
}

int spool_open(struct spool **out, const char *dir, const struct spool_options *opts)
{
	struct spool *sp;
	struct spool_pos saved = { 0, 0 };
	bool have_saved;
	int err;

	if (!opts->max_bytes)
		return -EINVAL;
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return -ENOMEM;
	pthread_mutex_init(&sp->lock, NULL);
	pthread_cond_init(&sp->cond, NULL);
	sp->wfd = sp->rfd = sp->cursor_fd = sp->dirfd = -1;
	sp->max_bytes = opts->max_bytes;
	sp->segment_bytes = opts->segment_bytes ? opts->segment_bytes : opts->max_bytes / 8;
	if (sp->segment_bytes < MIN_SEGMENT_BYTES)
		sp->segment_bytes = MIN_SEGMENT_BYTES;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		err = -errno;
		goto fail;
	}
	sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->dirfd < 0) {
		err = -errno;
		goto fail;
	}
	sp->cursor_fd = openat(sp->dirfd, CURSOR_NAME, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (sp->cursor_fd < 0) {
		err = -errno;
		goto fail;
	}
	/* One process per spool: a second one would send and truncate
	 * under the first. The lock goes with the process, SIGKILL included. */
	if (flock(sp->cursor_fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		goto fail;
	}
	have_saved = cursor_load(sp, &saved) == 0;
	err = list_segments(sp);
	if (err)
		goto fail;
	if (sp->nsegs == 0) {
		err = seg_start(sp, saved.seg + 1);
		if (err)
			goto fail;
		have_saved = false;
	} else {
		err = recover_last(sp);
		if (err)
			goto fail;
	}
	settle_cursor(sp, saved, have_saved);
	sp->st.pending = count_unacked(sp);
	cursor_store(sp);
	*out = sp;
	return 0;
fail:
	spool_close(sp);
	return err;
}

void spool_close(struct spool *sp)
{
	if (!sp)
		return;
	if (sp->wfd >= 0) {
		fdatasync(sp->wfd);
		close(sp->wfd);
	}
	if (sp->rfd >= 0)
		close(sp->rfd);
	if (sp->cursor_fd >= 0)
		close(sp->cursor_fd);
	if (sp->dirfd >= 0)
		close(sp->dirfd);
	pthread_mutex_destroy(&sp->lock);
	pthread_cond_destroy(&sp->cond);
	free(sp->segs);
	free(sp->ra);
	free(sp);
}

/* ---- append ------------------------------------------------------------ */

/* Deletes the oldest segment to make room; its unacknowledged records are
 * added to drop. The read and acknowledgement positions move past it. */
static void drop_oldest(struct spool *sp, struct spool_drop *drop)
{
	struct seg *s = &sp->segs[0];
	struct spool_drop lost = { 0 };

	if (sp->apos.seg <= s->num)
		seg_count_from(sp, s, sp->apos.seg == s->num ? sp->apos.off : 0, &lost);
	seg_delete_first(sp);
	struct spool_pos next = { sp->segs[0].num, 0 };
	if (pos_cmp(sp->apos, next) < 0)
		sp->apos = next;
	if (pos_cmp(sp->rpos, next) < 0)
		sp->rpos = next;
	cursor_store(sp);
	if (lost.count) {
		if (!drop->count || lost.first_sequence < drop->first_sequence)
			drop->first_sequence = lost.first_sequence;
		if (lost.last_sequence > drop->last_sequence)
			drop->last_sequence = lost.last_sequence;
		drop->count += lost.count;
		sp->st.dropped += lost.count;
		sp->st.pending -= lost.count < sp->st.pending ? lost.count : sp->st.pending;
	}
}

int spool_append(struct spool *sp, const uint8_t *framed, size_t len, struct spool_drop *drop)
{
	int err = 0;

	memset(drop, 0, sizeof(*drop));
	if (len > sp->max_bytes)
		return -EMSGSIZE;
	pthread_mutex_lock(&sp->lock);
	struct seg *last = seg_last(sp);
	if (last->size && last->size + len > sp->segment_bytes)
		err = seg_start(sp, last->num + 1);
	while (!err && sp->total + len > sp->max_bytes && sp->nsegs > 1)
		drop_oldest(sp, drop);
	if (!err)
		err = recordio_write_all(sp->wfd, framed, len);
	if (!err) {
		seg_last(sp)->size += len;
		sp->total += len;
		sp->st.appended++;
		sp->st.pending++;
		pthread_cond_broadcast(&sp->cond);
	} else if (err != -ENOMEM) {
		/* A partial write would tear the framing: cut it off. */
		if (ftruncate(sp->wfd, (off_t)seg_last(sp)->size))
			err = -errno;
	}
	pthread_mutex_unlock(&sp->lock);
	return err;
}

/* ---- read / ack -------------------------------------------------------- */

static int pread_all(int fd, uint8_t *p, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Makes bytes [off, off + n) of segment s readable at *out, from the
 * read-ahead buffer (one pread serves many small records). Only bytes below
 * the segment's known size are read: those records are complete. */
static int spool_readahead(struct spool *sp, const struct seg *s, uint64_t off, size_t n,
		     const uint8_t **out)
{
	if (sp->ra_seg == s->num && off >= sp->ra_off && off + n <= sp->ra_off + sp->ra_len) {
		*out = sp->ra + (off - sp->ra_off);
		return 0;
	}
	if (sp->rfd < 0 || sp->rfd_seg != s->num) {
		if (sp->rfd >= 0)
			close(sp->rfd);
		sp->rfd = open_segment_fd(sp, s->num, O_RDONLY);
		if (sp->rfd < 0)
			return sp->rfd;
		sp->rfd_seg = s->num;
	}
	size_t want = n > READAHEAD_BYTES ? n : READAHEAD_BYTES;
	if (want > s->size - off)
		want = (size_t)(s->size - off);
	if (want > sp->ra_cap) {
		uint8_t *p = realloc(sp->ra, want);
		if (!p)
			return -ENOMEM;
		sp->ra = p;
		sp->ra_cap = want;
	}
	sp->ra_len = 0;
	int err = pread_all(sp->rfd, sp->ra, want, off);
	if (err)
		return err;
	sp->ra_seg = s->num;
	sp->ra_off = off;
	sp->ra_len = want;
	*out = sp->ra;
	return 0;
}

static int read_at(struct spool *sp, const struct seg *s, uint8_t **buf, size_t *cap,
		   size_t *len, struct spool_pos *end)
{
	size_t hlen = s->size - sp->rpos.off < RECORDIO_VARINT_MAX ? s->size - sp->rpos.off
								    : RECORDIO_VARINT_MAX;
	const uint8_t *p;
	uint64_t size;
	size_t used;
	int err;

	err = spool_readahead(sp, s, sp->rpos.off, hlen, &p);
	if (!err && (recordio_get_varint(p, hlen, &size, &used) ||
		     size > s->size - sp->rpos.off - used))
		err = -EBADMSG;
	if (!err)
		err = spool_readahead(sp, s, sp->rpos.off + used, (size_t)size, &p);
	if (err)
		return err;
	if (*cap < size) {
		uint8_t *nb = realloc(*buf, size ? size : 1);
		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = size;
	}
	memcpy(*buf, p, (size_t)size);
	*len = (size_t)size;
	sp->rpos.off += used + size;
	*end = sp->rpos;
	return 1;
}

int spool_read(struct spool *sp, uint8_t **buf, size_t *cap, size_t *len, struct spool_pos *end)
{
	int rc = 0;

	pthread_mutex_lock(&sp->lock);
	for (;;) {
		struct seg *s = seg_find(sp, sp->rpos.seg);

		if (!s) {
			sp->rpos = sp->apos;
			s = seg_find(sp, sp->rpos.seg);
			if (!s)
				break;
		}
		if (sp->rpos.off < s->size) {
			rc = read_at(sp, s, buf, cap, len, end);
			if (rc == -EBADMSG) {
				/* Unreadable rest of a segment (disk corruption):
				 * skip to the next one rather than stall forever. */
				sp->rpos.off = s->size;
				continue;
			}
			break;
		}
		if (s == seg_last(sp))
			break;
		sp->rpos = (struct spool_pos){ s[1].num, 0 };
	}
	pthread_mutex_unlock(&sp->lock);
	return rc;
}

/* Everything acknowledged and the active segment grown: empty it, so the
 * spool's size is its backlog. Truncated before the cursor is stored: a
 * crash in between leaves a cursor past the end, which open clamps. */
static void reset_if_empty(struct spool *sp)
{
	struct seg *last = seg_last(sp);

	if (sp->nsegs != 1 || last->size < EMPTY_RESET_BYTES ||
	    pos_cmp(sp->apos, end_pos(sp)) != 0 || ftruncate(sp->wfd, 0))
		return;
	sp->total -= last->size;
	last->size = 0;
	sp->ra_len = 0;		/* the same offsets will hold new records */
	sp->apos = sp->rpos = (struct spool_pos){ last->num, 0 };
}

void spool_ack(struct spool *sp, struct spool_pos end, uint64_t n)
{
	pthread_mutex_lock(&sp->lock);
	if (pos_cmp(end, sp->apos) > 0 && seg_find(sp, end.seg)) {
		sp->apos = end;
		sp->st.acked += n;
		sp->st.pending -= n < sp->st.pending ? n : sp->st.pending;
		/* Segments before the cursor, and the cursor's own once read to
		 * its end and no longer written, are done. */
		while (sp->nsegs > 1 && (sp->segs[0].num < sp->apos.seg ||
					 sp->apos.off >= sp->segs[0].size)) {
			if (sp->segs[0].num == sp->apos.seg)
				sp->apos = (struct spool_pos){ sp->segs[1].num, 0 };
			seg_delete_first(sp);
		}
		if (pos_cmp(sp->rpos, sp->apos) < 0)
			sp->rpos = sp->apos;
		reset_if_empty(sp);
		cursor_store(sp);
		pthread_cond_broadcast(&sp->cond);
	}
	pthread_mutex_unlock(&sp->lock);
}

void spool_rewind(struct spool *sp)
{
	pthread_mutex_lock(&sp->lock);
	sp->rpos = sp->apos;
	pthread_mutex_unlock(&sp->lock);
}

/* ---- waiting ----------------------------------------------------------- */

int spool_wait_readable(struct spool *sp, int timeout_ms)
{
	struct timespec ts;
	int rc;

	output_deadline_in(&ts, timeout_ms);
	pthread_mutex_lock(&sp->lock);
	unsigned wakeups = sp->wakeups;
	while (pos_cmp(sp->rpos, end_pos(sp)) >= 0 && wakeups == sp->wakeups)
		if (pthread_cond_timedwait(&sp->cond, &sp->lock, &ts) == ETIMEDOUT)
			break;
	rc = pos_cmp(sp->rpos, end_pos(sp)) < 0;
	pthread_mutex_unlock(&sp->lock);
	return rc;
}

int spool_wait_empty(struct spool *sp, int timeout_ms)
{
	struct timespec ts;
	int rc = 0;

	output_deadline_in(&ts, timeout_ms);
	pthread_mutex_lock(&sp->lock);
	while (pos_cmp(sp->apos, end_pos(sp)) < 0) {
		if (pthread_cond_timedwait(&sp->cond, &sp->lock, &ts) == ETIMEDOUT) {
			rc = pos_cmp(sp->apos, end_pos(sp)) < 0 ? -ETIMEDOUT : 0;
			break;
		}
	}
	pthread_mutex_unlock(&sp->lock);
	return rc;
}

void spool_wake(struct spool *sp)
{
	pthread_mutex_lock(&sp->lock);
	sp->wakeups++;
	pthread_cond_broadcast(&sp->cond);
	pthread_mutex_unlock(&sp->lock);
}

int spool_dup_fd(struct spool *sp)
{
	int fd;

	pthread_mutex_lock(&sp->lock);
	fd = sp->wfd >= 0 ? fcntl(sp->wfd, F_DUPFD_CLOEXEC, 0) : -1;
	pthread_mutex_unlock(&sp->lock);
	return fd < 0 ? -errno : fd;
}

void spool_get_stats(struct spool *sp, struct spool_stats *st)
{
	pthread_mutex_lock(&sp->lock);
	*st = sp->st;
	st->bytes = sp->total;
	pthread_mutex_unlock(&sp->lock);
}
