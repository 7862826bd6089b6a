#include "ebuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ebuf_init(struct ebuf *b)
{
	memset(b, 0, sizeof(*b));
}

void ebuf_free(struct ebuf *b)
{
	free(b->data);
	ebuf_init(b);
}

void ebuf_reset(struct ebuf *b)
{
	b->len = 0;
	b->err = 0;
}

static int ebuf_reserve(struct ebuf *b, size_t n)
{
	size_t want = b->len + n, cap;
	uint8_t *p;

	if (b->err)
		return b->err;
	if (want <= b->cap)
		return 0;
	if (want > EBUF_MAX)
		return b->err = -E2BIG;
	cap = b->cap ? b->cap : 4096;
	while (cap < want)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		return b->err = -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int ebuf_put(struct ebuf *b, const void *p, size_t n)
{
	int err = ebuf_reserve(b, n);

	if (err)
		return err;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int ebuf_puts(struct ebuf *b, const char *s)
{
	return ebuf_put(b, s, strlen(s));
}

int ebuf_printf(struct ebuf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	return ebuf_put(b, tmp, (size_t)n);
}

void ebuf_consume(struct ebuf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}
