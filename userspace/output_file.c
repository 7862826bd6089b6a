/* file:PATH sink: length-delimited Records appended with one write(2) per
 * record, so a reader (edisensor-cat -f) sees each record as soon as it is
 * written and a crash leaves at most one torn record, cut on the next open.
 * Size-based rotation renames PATH to PATH.N and starts a new PATH. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output_sink.h"
#include "recordio.h"

struct file_sink {
	struct output_sink base;
	char *path;
	int fd;
	uint64_t size;
	uint64_t rotate_bytes;
	unsigned keep;
	unsigned long next_index;	/* suffix of the next rotated file */
	uint64_t records, bytes, errors;
	struct output_unwritten unwritten;
};

static struct file_sink *file_sink(struct output_sink *s)
{
	return (struct file_sink *)s;
}

unsigned long output_file_rotated(const char *path, const struct stat *match,
				  unsigned long *found)
{
	char dirbuf[4096], basebuf[4096], name[8192];
	unsigned long max = 0;
	struct stat st;
	struct dirent *e;
	DIR *d;

	if (found)
		*found = 0;
	snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	snprintf(basebuf, sizeof(basebuf), "%s", path);
	const char *dir = dirname(dirbuf), *base = basename(basebuf);
	size_t blen = strlen(base);

	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char *end;
		if (strncmp(e->d_name, base, blen) || e->d_name[blen] != '.' ||
		    !e->d_name[blen + 1])
			continue;
		errno = 0;
		unsigned long n = strtoul(e->d_name + blen + 1, &end, 10);
		if (errno || *end)
			continue;
		if (n > max)
			max = n;
		if (!match || !found)
			continue;
		snprintf(name, sizeof(name), "%s/%s", dir, e->d_name);
		if (!stat(name, &st) && st.st_ino == match->st_ino && st.st_dev == match->st_dev)
			*found = n;
	}
	closedir(d);
	return max;
}

/* Opens PATH for appending after cutting a torn tail a crash left. */
static int open_current(struct file_sink *f)
{
	uint64_t good;
	struct stat st;
	int fd = open(f->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	int err;

	if (fd < 0)
		return -errno;
	err = recordio_scan(fd, &good, NULL);
	if (!err && fstat(fd, &st))
		err = -errno;
	if (!err && (uint64_t)st.st_size > good && ftruncate(fd, (off_t)good))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	f->fd = fd;
	f->size = good;
	return 0;
}

static void remove_old_rotated(struct file_sink *f)
{
	char old[4200];

	if (!f->keep || f->next_index <= f->keep)
		return;
	snprintf(old, sizeof(old), "%s.%lu", f->path, f->next_index - f->keep - 1);
	unlink(old);
}

static int rotate(struct file_sink *f)
{
	char target[4200];

	fdatasync(f->fd);
	for (;;) {
		snprintf(target, sizeof(target), "%s.%lu", f->path, f->next_index++);
		if (!renameat2(AT_FDCWD, f->path, AT_FDCWD, target, RENAME_NOREPLACE))
			break;
		if (errno != EEXIST)
			return -errno;
	}
	close(f->fd);
	f->fd = -1;
	remove_old_rotated(f);
	return open_current(f);
}

static int file_write(struct output_sink *s, const struct output_record *r,
		      struct output_loss *loss)
{
	struct file_sink *f = file_sink(s);
	int err = 0;

	(void)loss;
	if (f->fd < 0)
		err = open_current(f);	/* a failed rotation is retried */
	else if (f->rotate_bytes && f->size && f->size + r->framed_len > f->rotate_bytes)
		err = rotate(f);
	if (!err)
		err = recordio_write_all(f->fd, r->framed, r->framed_len);
	if (err) {
		/* Never leave a partial record in the middle of the file. */
		if (f->fd >= 0 && ftruncate(f->fd, (off_t)f->size))
			err = -errno;
		f->errors++;
		output_unwritten_failed(&f->unwritten, r->rec->sequence);
		return err;
	}
	output_unwritten_written(&f->unwritten);
	f->size += r->framed_len;
	f->records++;
	f->bytes += r->framed_len;
	return 0;
}

static void file_take_loss(struct output_sink *s, struct output_loss *loss)
{
	output_unwritten_take(&file_sink(s)->unwritten, "output:file", loss);
}

static int file_dup_fd(struct output_sink *s)
{
	struct file_sink *f = file_sink(s);
	int fd = f->fd >= 0 ? fcntl(f->fd, F_DUPFD_CLOEXEC, 0) : -1;

	return fd < 0 ? -EBADF : fd;
}

static int file_flush(struct output_sink *s, int timeout_ms)
{
	(void)s;
	(void)timeout_ms;
	return 0;	/* written with write(2) and synced by the caller */
}

static void file_stats(struct output_sink *s, struct output_stats *st)
{
	struct file_sink *f = file_sink(s);

	st->records = f->records;
	st->bytes = f->bytes;
	st->errors = f->errors;
}

static void file_close(struct output_sink *s)
{
	struct file_sink *f = file_sink(s);

	if (f->fd >= 0) {
		fdatasync(f->fd);
		close(f->fd);
	}
	free(f->path);
	free(f);
}

static const struct output_sink_ops file_ops = {
	.write = file_write,
	.dup_fd = file_dup_fd,
	.flush = file_flush,
	.stats = file_stats,
	.take_loss = file_take_loss,
	.close = file_close,
};

int output_file_open(struct output_sink **out, const char *path, const struct outputs_options *o)
{
	struct file_sink *f;
	int err;

	if (!*path || strlen(path) > 4000)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->base.ops = &file_ops;
	f->fd = -1;
	f->rotate_bytes = o->rotate_bytes;
	f->keep = o->rotate_keep;
	f->path = strdup(path);
	if (!f->path) {
		free(f);
		return -ENOMEM;
	}
	f->next_index = output_file_rotated(path, NULL, NULL) + 1;
	err = open_current(f);
	if (err) {
		free(f->path);
		free(f);
		return err;
	}
	*out = &f->base;
	return 0;
}
