/* feed-check: loads indicator feeds the way edisensord does and reports
 * every rejected line (file:line: reason), the indicators per feed and
 * type, and the store's size. Exit status: 0 all lines loaded, 1 some
 * lines rejected, 2 a feed could not be read, 64 usage. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "indicator_store.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: feed-check [-q] FEED...\n"
		     "Loads Zeek intel (#fields ...) or CSV indicator feeds as edisensord does.\n"
		     "  -q, --quiet  only rejected lines and errors\n"
		     "  -h, --help   this text\n"
		     "exit: 0 all loaded, 1 lines rejected, 2 a feed unreadable, 64 usage\n");
}

static void on_reject(void *ctx, const char *file, unsigned line, const char *reason)
{
	unsigned *n = ctx;

	(*n)++;
	fprintf(stderr, "%s:%u: %s\n", file, line, reason);
}

static void print_counts(const struct indicator_store *s)
{
	for (unsigned f = 0; f < indicator_store_feeds(s); f++)
		for (int t = 0; t < INDICATOR_TYPE_COUNT; t++) {
			size_t n = indicator_store_feed_count(s, f, (enum indicator_type)t);

			if (n)
				printf("%s\t%s\t%zu\n", indicator_store_feed_name(s, f),
				       indicator_type_name((enum indicator_type)t), n);
		}
	printf("total\t%zu indicators\t%zu bytes (%zu of them feed text)\n",
	       indicator_store_count(s), indicator_store_memory(s), indicator_store_text_bytes(s));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct indicator_builder *b;
	struct indicator_store *s;
	unsigned rejected = 0;
	int c, status = 0;
	int quiet = 0;

	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 64;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 64;
	}
	b = indicator_builder_new();
	if (!b) {
		fprintf(stderr, "feed-check: out of memory\n");
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		struct feed_parse_result res;
		int rc = indicator_builder_load(b, argv[i], on_reject, &rejected, &res);

		if (rc < 0) {
			fprintf(stderr, "%s: cannot load: %s\n", argv[i],
				rc == -EBADMSG ? "not a feed (no #fields or CSV header)" : strerror(-rc));
			status = 2;
		}
	}
	s = indicator_builder_finish(b);
	if (!s) {
		fprintf(stderr, "feed-check: out of memory\n");
		return 2;
	}
	if (!quiet)
		print_counts(s);
	indicator_store_free(s);
	if (status == 0 && rejected)
		status = 1;
	return status;
}
