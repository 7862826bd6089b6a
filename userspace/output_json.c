/* json:- and json:PATH sinks: one JSON object per line (proto3 JSON
 * mapping), written with one write(2) per record so lines never interleave
 * or sit in a buffer. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output_sink.h"
#include "pbjson.h"
#include "recordio.h"

struct json_sink {
	struct output_sink base;
	int fd;
	bool owns_fd;
	struct pbjson_buf line;
	uint64_t records, bytes, errors;
	struct output_unwritten unwritten;
};

static struct json_sink *json_sink(struct output_sink *s)
{
	return (struct json_sink *)s;
}

static int json_write(struct output_sink *s, const struct output_record *r,
		      struct output_loss *loss)
{
	struct json_sink *j = json_sink(s);
	int err;

	(void)loss;
	pbjson_buf_reset(&j->line);
	err = pbjson_append(&j->line, &r->rec->base);
	if (!err)
		err = pbjson_append_raw(&j->line, "\n", 1);
	if (!err)
		err = recordio_write_all(j->fd, j->line.data, j->line.len);
	if (err) {
		j->errors++;
		output_unwritten_failed(&j->unwritten, r->rec->sequence);
		return err;
	}
	output_unwritten_written(&j->unwritten);
	j->records++;
	j->bytes += j->line.len;
	return 0;
}

static void json_take_loss(struct output_sink *s, struct output_loss *loss)
{
	output_unwritten_take(&json_sink(s)->unwritten, "output:json", loss);
}

static int json_dup_fd(struct output_sink *s)
{
	struct json_sink *j = json_sink(s);
	int fd = fcntl(j->fd, F_DUPFD_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

static int json_flush(struct output_sink *s, int timeout_ms)
{
	(void)s;
	(void)timeout_ms;
	return 0;
}

static void json_stats(struct output_sink *s, struct output_stats *st)
{
	struct json_sink *j = json_sink(s);

	st->records = j->records;
	st->bytes = j->bytes;
	st->errors = j->errors;
}

static void json_close(struct output_sink *s)
{
	struct json_sink *j = json_sink(s);

	if (j->owns_fd)
		close(j->fd);
	pbjson_buf_free(&j->line);
	free(j);
}

static const struct output_sink_ops json_ops = {
	.write = json_write,
	.dup_fd = json_dup_fd,
	.flush = json_flush,
	.stats = json_stats,
	.take_loss = json_take_loss,
	.close = json_close,
};

int output_json_open(struct output_sink **out, const char *path, const struct outputs_options *o)
{
	struct json_sink *j;

	(void)o;
	if (!*path)
		return -EINVAL;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->base.ops = &json_ops;
	if (!strcmp(path, "-")) {
		j->fd = STDOUT_FILENO;
	} else {
		j->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (j->fd < 0) {
			int err = -errno;
			free(j);
			return err;
		}
		j->owns_fd = true;
	}
	*out = &j->base;
	return 0;
}
