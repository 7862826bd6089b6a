/* Arena allocator: many small allocations freed at once. A message record
 * (protobuf-c structs and strings) lives in one arena and is released with
 * it after the callback, so building a record never needs a free per field. */
#ifndef EDISENSOR_ARENA_H
#define EDISENSOR_ARENA_H
#include <stddef.h>

struct arena_chunk;
struct arena {
	struct arena_chunk *head;
	size_t used_bytes;      /* total bytes handed out */
};

/* Zeroed memory aligned for any type, or NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t size);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* Frees every chunk; the arena is empty and reusable afterwards. */
void arena_reset(struct arena *a);

#endif
