/* The kernel's per-CPU counters: names, reading and printing. */
#ifndef EDISENSOR_COUNTERS_H
#define EDISENSOR_COUNTERS_H
#include <stdint.h>
#include <stdio.h>
#include "edisensor.h"

struct es_counters {
	uint64_t v[ES_CNT_MAX];
};

/* Stable snake_case name of a counter ("packets", "malformed_ipv4"...). */
const char *counter_name(unsigned idx);

/* Sums the per-CPU values of the counters map (fd) into out. The kernel
 * does not count ES_CNT_PACKETS: out->v[ES_CNT_PACKETS] is the sum of the
 * outcome counters, which partition the packets. */
int counters_read(int map_fd, struct es_counters *out);

/* The same for the ES_CNT_MAX counters from index base of a larger map
 * (tc_counters: base ES_TC_CNT_BASE(hook)). */
int counters_read_at(int map_fd, uint32_t base, struct es_counters *out);

/* Sum of the outcome counters (what counters_read() reports as packets). */
uint64_t counters_outcome_sum(const struct es_counters *c);

/* "name value" lines, one per counter. */
void counters_print(FILE *f, const struct es_counters *c);

#endif
