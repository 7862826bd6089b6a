/* Longest-prefix match over IPv4 and IPv6 prefixes.
 *
 * One open-addressing hash of (family, length, masked address) plus a bitmap
 * of the lengths in use per family; a lookup probes the lengths in use from
 * the longest down. 24 bytes per entry, no per-entry allocation. Built with
 * lpm_slot(), then read-only (safe to share between threads). */
#ifndef EDISENSOR_LPM_H
#define EDISENSOR_LPM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lpm;

struct lpm *lpm_new(void);
void lpm_free(struct lpm *l);

/* The value slot of a prefix, created (value UINT32_MAX, *created = true)
 * when absent. addr is 4 or 16 bytes in network order; bits past len are
 * ignored. NULL on ENOMEM or a length beyond the family's width. The
 * pointer is valid until the next lpm_slot call. */
uint32_t *lpm_slot(struct lpm *l, bool v6, const uint8_t *addr, unsigned len, bool *created);

/* Visits the prefixes containing addr from the longest to the shortest;
 * stops when fn returns non-zero and returns that value, else 0. */
typedef int (*lpm_visit_fn)(void *ctx, uint32_t value, unsigned len);
int lpm_lookup(const struct lpm *l, bool v6, const uint8_t *addr, lpm_visit_fn fn, void *ctx);

/* Parses "a.b.c.d", "a.b.c.d/n", IPv6 and "v6/n" (host bits are cleared).
 * Without "/n" the length is the full width. 0 or -EINVAL. */
int lpm_parse(const char *text, bool *v6, uint8_t addr[16], unsigned *len);

/* Canonical text of a prefix ("10.0.0.0/8"; a full-width one without "/"). */
void lpm_format(bool v6, const uint8_t *addr, unsigned len, char *out, size_t cap);

size_t lpm_memory(const struct lpm *l);

#endif
