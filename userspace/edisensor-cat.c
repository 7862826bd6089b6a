/* edisensor-cat: prints edisensor record files (length-delimited protobuf)
 * as JSON lines, one record per line, in the proto3 JSON mapping. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "edisensor.pb-c.h"
#include "output.h"
#include "pbjson.h"
#include "recordio.h"

#define FOLLOW_POLL_MS 200

struct cat {
	bool follow;
	struct pbjson_buf json;
	unsigned long errors;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: edisensor-cat [-f] FILE...\n"
		"Prints edisensor record files (length-delimited protobuf Records, as\n"
		"written by the file output and the spool) as JSON lines.\n"
		"A FILE of - reads standard input. A record cut short at the end of a\n"
		"file (a torn write, or one still being written) is skipped with a warning.\n"
		"\n"
		"  -f, --follow  after the end of the last FILE, keep printing records as\n"
		"                they are appended; a new file at the same path (rotation)\n"
		"                or a truncated file is reopened from its start\n"
		"  -h, --help    this text\n");
}

static int print_record(struct cat *c, const char *name, uint64_t offset,
			const uint8_t *data, size_t len)
{
	Edisensor__V1__Record *rec = edisensor__v1__record__unpack(NULL, len, data);
	int err;

	if (!rec) {
		fprintf(stderr, "edisensor-cat: %s: record ending at offset %llu is not a valid Record\n",
			name, (unsigned long long)offset);
		c->errors++;
		return 0;
	}
	pbjson_buf_reset(&c->json);
	err = pbjson_append(&c->json, &rec->base);
	edisensor__v1__record__free_unpacked(rec, NULL);
	if (err) {
		fprintf(stderr, "edisensor-cat: %s: JSON encoding failed: %s\n", name, strerror(-err));
		return err;
	}
	fwrite(c->json.data, 1, c->json.len, stdout);
	putchar('\n');
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* What following a path should do after reaching the end of the open file. */
enum follow_action { FOLLOW_WAIT, FOLLOW_REOPEN };

static enum follow_action follow_check(int fd, const char *path, uint64_t consumed)
{
	struct stat open_st, path_st;

	if (fstat(fd, &open_st) || stat(path, &path_st))
		return FOLLOW_WAIT;	/* path briefly absent during rotation */
	if (open_st.st_ino != path_st.st_ino || open_st.st_dev != path_st.st_dev)
		return FOLLOW_REOPEN;
	if ((uint64_t)open_st.st_size < consumed)
		return FOLLOW_REOPEN;	/* truncated in place */
	return FOLLOW_WAIT;
}

/* The file that follows fd after a rotation: the writer renames PATH to
 * PATH.N, so the successor of PATH.N is PATH.N+1 when it exists (several
 * rotations may pass between two polls), else PATH itself. */
static int open_successor(const char *path, int fd)
{
	unsigned long k = 0;
	struct stat open_st;
	char next[8192];
	int nfd = -1;

	if (!fstat(fd, &open_st))
		output_file_rotated(path, &open_st, &k);
	if (k) {
		snprintf(next, sizeof(next), "%s.%lu", path, k + 1);
		nfd = open(next, O_RDONLY | O_CLOEXEC);
	}
	return nfd >= 0 ? nfd : open(path, O_RDONLY | O_CLOEXEC);
}

/* Prints every record of fd; with follow, never returns unless on error. */
static int cat_fd(struct cat *c, int fd, const char *name, bool follow)
{
	struct recordio_reader r;
	const uint8_t *data;
	size_t len;
	bool reopen_pending = false;
	int rc;

	recordio_reader_init(&r, fd);
	for (;;) {
		rc = recordio_next(&r, &data, &len);
		if (rc == 1) {
			rc = print_record(c, name, r.offset, data, len);
			if (rc)
				break;
			continue;
		}
		if (rc != 0 && rc != -EAGAIN)
			break;
		if (!follow || fd == STDIN_FILENO) {
			if (rc == -EAGAIN)
				fprintf(stderr, "edisensor-cat: %s: skipped a torn record of %zu bytes at the end\n",
					name, recordio_pending(&r));
			rc = 0;
			break;
		}
		fflush(stdout);
		/* After a rotation is seen, read the old file to its end once
		 * more: the writer may have finished a record just before. */
		if (reopen_pending) {
			int nfd = open_successor(name, fd);
			if (nfd >= 0) {
				if (rc == -EAGAIN)
					fprintf(stderr, "edisensor-cat: %s: skipped a torn record of %zu bytes before rotation\n",
						name, recordio_pending(&r));
				recordio_reader_fini(&r);
				close(fd);
				fd = nfd;
				recordio_reader_init(&r, fd);
				reopen_pending = false;
				continue;
			}
		} else if (follow_check(fd, name, r.offset + recordio_pending(&r)) == FOLLOW_REOPEN) {
			reopen_pending = true;
			continue;
		}
		sleep_ms(FOLLOW_POLL_MS);
	}
	recordio_reader_fini(&r);
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc < 0)
		fprintf(stderr, "edisensor-cat: %s: %s\n", name,
			rc == -EBADMSG ? "corrupt record length (not a record file?)" : strerror(-rc));
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cat c = { 0 };
	int opt, status = 0;

	while ((opt = getopt_long(argc, argv, "fh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			c.follow = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		const char *name = argv[i];
		bool last = i == argc - 1;
		int fd = strcmp(name, "-") ? open(name, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;

		if (fd < 0) {
			fprintf(stderr, "edisensor-cat: %s: %s\n", name, strerror(errno));
			status = 1;
			continue;
		}
		if (cat_fd(&c, fd, name, c.follow && last))
			status = 1;
	}
	fflush(stdout);
	pbjson_buf_free(&c.json);
	if (c.errors)
		status = 1;
	return status;
}
