/* Human-readable one-line view of a kernel event (--debug-events). */
#ifndef EDISENSOR_EVENT_PRINT_H
#define EDISENSOR_EVENT_PRINT_H
#include <stddef.h>
#include <stdio.h>
#include "edisensor.h"

/* Formats the flow as "src:port > dst:port" into buf. */
void flow_key_format(const struct es_flow_key *k, char *buf, size_t len);

/* One line: type, flow, offset, flags, and the segment bytes escaped. */
void event_print(FILE *f, const struct es_event *ev, size_t len);

#endif
