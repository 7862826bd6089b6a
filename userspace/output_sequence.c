/* Persistent record sequence numbers, reserved in blocks. */
#include "output_sequence.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "recordio.h"

#define SEQUENCE_FILE "sequence"

/* Writes value to the file atomically and durably: temp file, fsync,
 * rename, fsync of the directory. */
static int store(const char *path, uint64_t value)
{
	char tmp[4096], line[32], dir[4096];
	int fd, err = 0, n;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	n = snprintf(line, sizeof(line), "%" PRIu64 "\n", value);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	err = recordio_write_all(fd, line, (size_t)n);
	if (!err && fsync(fd))
		err = -errno;
	close(fd);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		return err;
	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

static int load(const char *path, uint64_t *value)
{
	char line[32] = { 0 }, *end;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(line, &end, 10);
	if (errno || end == line || (*end && *end != '\n') || v == 0)
		return -EINVAL;
	*value = v;
	return 0;
}

/* Two processes numbering from one file would hand out the same numbers. */
static int lock_state(const char *dir)
{
	char path[4096];
	int fd;

	if (snprintf(path, sizeof(path), "%s/" SEQUENCE_FILE ".lock", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(fd);
		return err;
	}
	return fd;
}

int output_sequence_open(struct output_sequence *s, const char *dir)
{
	int err;

	memset(s, 0, sizeof(*s));
	s->next = 1;
	s->lock_fd = -1;
	if (!dir) {
		s->reserved = UINT64_MAX;
		return 0;
	}
	s->lock_fd = lock_state(dir);
	if (s->lock_fd < 0)
		return s->lock_fd;
	if (asprintf(&s->path, "%s/" SEQUENCE_FILE, dir) < 0) {
		s->path = NULL;
		err = -ENOMEM;
		goto fail;
	}
	err = load(s->path, &s->next);
	if (err && err != -ENOENT)
		goto fail;	/* a damaged file must not restart numbering at 1 */
	s->reserved = s->next;
	return 0;
fail:
	free(s->path);
	s->path = NULL;
	close(s->lock_fd);
	s->lock_fd = -1;
	return err;
}

int output_sequence_next(struct output_sequence *s, uint64_t *seq)
{
	if (s->next >= s->reserved) {
		int err = store(s->path, s->next + OUTPUT_SEQUENCE_BLOCK);
		if (err)
			return err;
		s->reserved = s->next + OUTPUT_SEQUENCE_BLOCK;
	}
	*seq = s->next++;
	return 0;
}

void output_sequence_close(struct output_sequence *s)
{
	if (s->path)
		store(s->path, s->next);
	free(s->path);
	s->path = NULL;
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
}
