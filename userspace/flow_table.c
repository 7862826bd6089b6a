/* Chained hash with FNV-1a over the key bytes plus an LRU list. */
#include "flow_table.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t hash_key(const struct es_flow_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < sizeof(*k); i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return (size_t)(h ^ (h >> 29));
}

int flow_table_init(struct flow_table *t, size_t capacity)
{
	size_t n = 16;

	memset(t, 0, sizeof(*t));
	while (n < 2 * capacity && n < ((size_t)1 << 24))
		n <<= 1;
	t->buckets = calloc(n, sizeof(*t->buckets));
	if (!t->buckets)
		return -ENOMEM;
	t->mask = n - 1;
	return 0;
}

void flow_table_fini(struct flow_table *t)
{
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

static void lru_unlink(struct flow_table *t, struct flow_entry *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		t->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		t->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void lru_push(struct flow_table *t, struct flow_entry *e)
{
	e->older = t->newest;
	e->newer = NULL;
	if (t->newest)
		t->newest->newer = e;
	t->newest = e;
	if (!t->oldest)
		t->oldest = e;
}

struct flow_entry *flow_table_find(struct flow_table *t, const struct es_flow_key *k)
{
	/* Consecutive events mostly belong to one flow: try it before hashing. */
	if (t->newest && memcmp(&t->newest->key, k, sizeof(*k)) == 0)
		return t->newest;
	struct flow_entry *e = t->buckets[hash_key(k) & t->mask];

	while (e && memcmp(&e->key, k, sizeof(*k)) != 0)
		e = e->hnext;
	if (e && t->newest != e) {
		lru_unlink(t, e);
		lru_push(t, e);
	}
	return e;
}

void flow_table_insert(struct flow_table *t, struct flow_entry *e)
{
	struct flow_entry **b = &t->buckets[hash_key(&e->key) & t->mask];

	e->hnext = *b;
	*b = e;
	lru_push(t, e);
	t->count++;
}

void flow_table_remove(struct flow_table *t, struct flow_entry *e)
{
	struct flow_entry **p = &t->buckets[hash_key(&e->key) & t->mask];

	while (*p && *p != e)
		p = &(*p)->hnext;
	if (*p)
		*p = e->hnext;
	lru_unlink(t, e);
	t->count--;
}
