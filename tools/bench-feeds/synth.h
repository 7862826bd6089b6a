/* Synthetic indicators and messages for bench-feeds: indicator i has a
 * type and value that are pure functions of i, so a message can carry
 * ("plant") the value of any indicator of a given store. */
#ifndef BENCH_FEEDS_SYNTH_H
#define BENCH_FEEDS_SYNTH_H
#include <stddef.h>
#include <stdint.h>
#include "edisensor.pb-c.h"
#include "indicator.h"

/* Type of indicator i: a mix weighted like a pooled trade feed (mostly IDs,
 * references and containers; names, keywords, codes, places, vessels, IPs). */
enum indicator_type synth_type(uint64_t i);
/* Value of indicator i in the feed. */
void synth_value(uint64_t i, char *out, size_t cap);
/* Writes a Zeek intel file with indicators [0, n). 0 or -errno. */
int synth_write_feed(const char *path, uint64_t n);

/* A message of typical size (parties, goods, equipment, references,
 * locations, one vessel, a flow) with values outside every store, except
 * that with probability plant_pct % each item carries the value of a
 * random indicator in [0, n) of the item's type. Seeded by seed. */
Edisensor__V1__Message *synth_message(uint64_t seed, uint64_t n, unsigned plant_pct);
void synth_message_free(Edisensor__V1__Message *m);

#endif
