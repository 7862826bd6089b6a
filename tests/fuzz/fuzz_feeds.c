/* Fuzz target: indicator feeds as a sensor loads them: the Zeek intel TSV
 * and CSV parsers (indicator_builder_load on the input as a file), the
 * store built from whatever was accepted, and every lookup kind probed
 * with each line of the input as a message value. Invariants: accepted +
 * rejected never exceed the lines read, the store holds no more than was
 * accepted, every id a lookup reports names an indicator of a known type
 * whose text is within INDICATOR_TEXT_MAX. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "indicator_store.h"

#define PROBE_LINES 32
#define PROBE_MAX 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct indicator_store *store;

static int found(void *ctx, uint32_t id)
{
	struct indicator_view v;

	(void)ctx;
	if (id >= indicator_store_count(store))
		abort();
	indicator_store_get(store, id, &v);
	if (v.type >= INDICATOR_TYPE_COUNT || !v.text || strlen(v.text) > INDICATOR_TEXT_MAX ||
	    !v.feed || !v.source || !v.desc || !v.fields || v.confidence > 100)
		abort();
	return 1;
}

static void probe(const struct indicator_store *s, const char *value)
{
	char scratch[PROBE_MAX + 1];

	for (int k = INDICATOR_KIND_PARTY_ID; k <= INDICATOR_KIND_LOCODE; k++)
		indicator_store_find_exact(s, (enum indicator_exact_kind)k, value, found, NULL);
	indicator_store_find_hs(s, value, found, NULL);
	indicator_store_find_ip(s, value, found, NULL);
	indicator_store_find_text(s, value, scratch, sizeof(scratch), found, NULL);
}

/* Each line (and each tab- or comma-separated field of it) as a value. */
static void probe_lines(const struct indicator_store *s, const uint8_t *data, size_t size)
{
	char line[PROBE_MAX + 1];
	size_t start = 0;

	for (unsigned n = 0; n < PROBE_LINES && start < size; n++) {
		const uint8_t *nl = memchr(data + start, '\n', size - start);
		size_t len = (nl ? (size_t)(nl - data) : size) - start;

		if (len > PROBE_MAX)
			len = PROBE_MAX;
		memcpy(line, data + start, len);
		line[len] = '\0';
		probe(s, line);
		for (char *f = strtok(line, "\t,"); f; f = strtok(NULL, "\t,"))
			probe(s, f);
		start = nl ? (size_t)(nl - data) + 1 : size;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct indicator_builder *b = indicator_builder_new();
	struct feed_parse_result res = { 0 };
	struct indicator_store *s;
	char path[64];
	int fd = memfd_create("feed.intel", MFD_CLOEXEC);

	if (!b || fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	indicator_builder_load(b, path, NULL, NULL, &res);
	close(fd);
	if (res.accepted + res.rejected > res.lines)
		abort();
	s = indicator_builder_finish(b);
	if (!s)
		abort();
	if (indicator_store_count(s) > res.accepted)
		abort();
	store = s;
	probe_lines(s, data, size);
	indicator_store_free(s);
	return 0;
}
