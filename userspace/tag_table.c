#include <string.h>
#include "tag_table.h"

static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

static void put(__u64 *tbl, __u32 tag, __u32 cls)
{
	__u32 i = es_tagt_index(tag), sh = (i & 31) * 2;

	tbl[i >> 5] = (tbl[i >> 5] & ~(3ull << sh)) | (__u64)cls << sh;
}

static __u32 tag_word(const char *name)
{
	__u32 t = 0;

	memcpy(&t, name, strnlen(name, 4));
	return t;
}

bool tag_table_build(__u64 *tbl, const char (*tags)[4], size_t n)
{
	bool all = false;

	for (size_t i = 0; i < n; i++)
		all |= !strncmp(tags[i], "*", 4);
	memset(tbl, 0, ES_TAGT_WORDS * sizeof(*tbl));   /* ES_TAGT_BREAK */
	/* every tag: an upper-case letter, a letter or digit, and one more or none */
	for (const char *a = alnum; *a && *a <= 'Z'; a++)
		for (const char *b = alnum; *b; b++)
			for (size_t k = 0; k <= sizeof(alnum) - 1; k++) {
				__u32 t = ES_TAG3(*a, *b, k ? alnum[k - 1] : 0);

				put(tbl, t, es_tagt_class(t, all));
			}
	for (size_t i = 0; i < n; i++) {
		__u32 t = tag_word(tags[i]);

		if (es_tagt_class(t, 0) == ES_TAGT_SKIP)
			put(tbl, t, ES_TAGT_FWD);
	}
	return all;
}
