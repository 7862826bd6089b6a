/* Chunked bump allocator. Chunks grow with the request so one large
 * allocation does not waste a fixed-size chunk. */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_FIRST 512    /* first chunk; each next one doubles up to ARENA_CHUNK */
#define ARENA_CHUNK 8192
#define ARENA_ALIGN 16

struct arena_chunk {
	struct arena_chunk *next;
	size_t size, used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

/* Uninitialised memory: for callers that write every byte. */
static void *arena_take(struct arena *a, size_t size)
{
	struct arena_chunk *c = a->head;

	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (size == 0)
		size = ARENA_ALIGN;
	if (!c || c->size - c->used < size) {
		/* Small first: a flood of connections each opening a message
		 * holds one arena per flow, so a fixed 8 KiB chunk was most of
		 * the memory of 65536 open flows. */
		size_t cap = c ? c->size * 2 : ARENA_FIRST;
		if (cap > ARENA_CHUNK)
			cap = ARENA_CHUNK;
		if (cap < size)
			cap = size;
		if (size > SIZE_MAX / 2)
			return NULL;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->size = cap;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += size;
	a->used_bytes += size;
	return p;
}

void *arena_alloc(struct arena *a, size_t size)
{
	void *p = arena_take(a, size);

	if (p)
		memset(p, 0, size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_take(a, n + 1);   /* every byte written below */
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void arena_reset(struct arena *a)
{
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->used_bytes = 0;
}
