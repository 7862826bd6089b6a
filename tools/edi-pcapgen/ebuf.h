/* Growable byte buffer with a hard cap: generated chunks are bounded so the
 * generator's memory stays flat however long it runs. */
#ifndef PCAPGEN_EBUF_H
#define PCAPGEN_EBUF_H
#include <stddef.h>
#include <stdint.h>

#define EBUF_MAX (1u << 20)

struct ebuf {
	uint8_t *data;
	size_t len;
	size_t cap;
	int err;        /* -ENOMEM or -E2BIG once an append failed; sticky */
};

void ebuf_init(struct ebuf *b);
void ebuf_free(struct ebuf *b);
void ebuf_reset(struct ebuf *b);
int ebuf_put(struct ebuf *b, const void *p, size_t n);
/* One byte; the common case (room left) stays inline: the EDI writer
 * appends byte by byte. */
static inline int ebuf_putc(struct ebuf *b, uint8_t c)
{
	if (b->len < b->cap && !b->err) {
		b->data[b->len++] = c;
		return 0;
	}
	return ebuf_put(b, &c, 1);
}
int ebuf_puts(struct ebuf *b, const char *s);
int ebuf_printf(struct ebuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes (moving the rest to the front). */
void ebuf_consume(struct ebuf *b, size_t n);

#endif
