/* Flow table: per-direction state keyed by es_flow_key, with a fixed
 * capacity and least-recently-used order so the owner can evict. The
 * table stores the owner's entries (embedding struct flow_entry) and
 * never allocates per entry itself. */
#ifndef EDISENSOR_FLOW_TABLE_H
#define EDISENSOR_FLOW_TABLE_H
#include <stddef.h>

#include "edisensor.h"

struct flow_entry {
	struct es_flow_key key;
	struct flow_entry *hnext;
	struct flow_entry *newer, *older;
};

struct flow_table {
	struct flow_entry **buckets;
	size_t mask;
	size_t count;
	struct flow_entry *newest, *oldest;
};

int flow_table_init(struct flow_table *t, size_t capacity);
void flow_table_fini(struct flow_table *t);
/* Entry with key k (made most recently used), or NULL. */
struct flow_entry *flow_table_find(struct flow_table *t, const struct es_flow_key *k);
/* Inserts e (e->key set by the caller; not already present). */
void flow_table_insert(struct flow_table *t, struct flow_entry *e);
void flow_table_remove(struct flow_table *t, struct flow_entry *e);
/* Least recently used entry, or NULL when empty. */
static inline struct flow_entry *flow_table_oldest(struct flow_table *t)
{
	return t->oldest;
}

#endif
