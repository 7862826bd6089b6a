/* Runs a fuzz target's LLVMFuzzerTestOneInput over files, without libFuzzer:
 * the regression test (tests/fuzz/test_regressions.sh) replays the seed
 * corpora and every crash ever found through the gcc and sanitizer builds.
 * Arguments are files or directories (their regular files, one level). */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Largest input replayed: the fuzzers run with -max_len below this. */
#define MAX_INPUT_BYTES (4u << 20)

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *input;
	size_t n;

	if (!f || fstat(fileno(f), &st)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	n = (size_t)st.st_size < MAX_INPUT_BYTES ? (size_t)st.st_size : MAX_INPUT_BYTES;
	/* An exact-size buffer, so ASan sees reads past the input's end. */
	input = malloc(n ? n : 1);
	if (!input || fread(input, 1, n, f) != n) {
		fprintf(stderr, "%s: cannot read\n", path);
		free(input);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(input, n);
	free(input);
	return 0;
}

static int run_path(const char *path, unsigned *count)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int err = 0;

	if (stat(path, &st)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return run_file(path);
	}
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char sub[4096];

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (stat(sub, &st) || !S_ISREG(st.st_mode))
			continue;
		(*count)++;
		if (run_file(sub))
			err = -1;
	}
	closedir(d);
	return err;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int err = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i], &count))
			err = 1;
	fprintf(stderr, "%s: %u inputs ran\n", argv[0], count);
	return err;
}
