/* Aho–Corasick multi-pattern substring search over bytes.
 *
 * Built once from a set of unique, non-empty patterns, then read-only (safe
 * to share between threads). Memory is a handful of flat arrays: 10 bytes
 * per trie node (one node per distinct pattern prefix: label, first child,
 * fail link, flags), 8 per pattern, a 1 KiB row per depth-0/1 node; no
 * per-node allocation.
 *
 * Layout: nodes are numbered breadth-first and, within a level, in the
 * order of their parent and then of their label, so the children of a node
 * are one contiguous range of node ids [first_child[p], first_child[p+1])
 * sorted by label, and each node stores only the label of its own incoming
 * edge. A transition is a binary search inside that range. */
#ifndef EDISENSOR_AHOCORASICK_H
#define EDISENSOR_AHOCORASICK_H
#include <stddef.h>
#include <stdint.h>

struct ac;

/* Builds the automaton. patterns[i] has lens[i] bytes (not NUL-terminated
 * necessarily); pattern ids reported by ac_scan are the indices i.
 * Returns NULL with errno set: EINVAL for an empty or duplicate pattern or
 * more than UINT32_MAX-1 nodes, ENOMEM. n == 0 gives an automaton that never
 * reports. */
struct ac *ac_build(const char *const *patterns, const uint32_t *lens, uint32_t n);

void ac_free(struct ac *ac);

/* Called for each occurrence: pattern id and the offset just past its last
 * byte in the text. A non-zero return stops the scan and is returned by
 * ac_scan. */
typedef int (*ac_hit_fn)(void *ctx, uint32_t pattern, size_t end);

/* Scans text once, reporting every occurrence of every pattern (overlapping
 * ones included) in order of their end offset. */
int ac_scan(const struct ac *ac, const char *text, size_t len, ac_hit_fn fn, void *ctx);

/* Bytes the automaton occupies. */
size_t ac_memory(const struct ac *ac);
uint32_t ac_nodes(const struct ac *ac);

#endif
