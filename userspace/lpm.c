#include "lpm.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lpm_entry {
	uint8_t addr[16];
	uint8_t used;
	uint8_t v6;
	uint8_t len;
	uint8_t pad;
	uint32_t value;
};

struct lpm {
	struct lpm_entry *tab;
	size_t cap;     /* power of two */
	size_t n;
	uint64_t lens4;        /* bit i: some IPv4 prefix of length i (0..32) */
	uint64_t lens6[3];     /* bit i: some IPv6 prefix of length i (0..128) */
};

struct lpm *lpm_new(void)
{
	return calloc(1, sizeof(struct lpm));
}

void lpm_free(struct lpm *l)
{
	if (!l)
		return;
	free(l->tab);
	free(l);
}

static void mask_addr(const uint8_t *in, unsigned width, unsigned len, uint8_t out[16])
{
	memset(out, 0, 16);
	for (unsigned i = 0; i < width / 8; i++) {
		unsigned bits = len > i * 8 ? len - i * 8 : 0;

		if (bits >= 8)
			out[i] = in[i];
		else if (bits)
			out[i] = (uint8_t)(in[i] & (0xff << (8 - bits)));
	}
}

static uint64_t hash_key(bool v6, const uint8_t *a, unsigned len)
{
	uint64_t h = 1469598103934665603ull ^ (v6 ? 0x9e37 : 0) ^ ((uint64_t)len << 40);

	for (int i = 0; i < 16; i++)
		h = (h ^ a[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

static struct lpm_entry *find(const struct lpm *l, bool v6, const uint8_t *a, unsigned len)
{
	size_t mask = l->cap - 1;

	if (!l->cap)
		return NULL;
	for (size_t i = hash_key(v6, a, len) & mask;; i = (i + 1) & mask) {
		struct lpm_entry *e = &l->tab[i];

		if (!e->used)
			return e;
		if (e->v6 == v6 && e->len == len && memcmp(e->addr, a, 16) == 0)
			return e;
	}
}

static int grow(struct lpm *l)
{
	size_t cap = l->cap ? l->cap * 2 : 64;
	struct lpm old = *l;

	l->tab = calloc(cap, sizeof(*l->tab));
	if (!l->tab) {
		l->tab = old.tab;
		return -ENOMEM;
	}
	l->cap = cap;
	for (size_t i = 0; i < old.cap; i++)
		if (old.tab[i].used)
			*find(l, old.tab[i].v6, old.tab[i].addr, old.tab[i].len) = old.tab[i];
	free(old.tab);
	return 0;
}

uint32_t *lpm_slot(struct lpm *l, bool v6, const uint8_t *addr, unsigned len, bool *created)
{
	unsigned width = v6 ? 128 : 32;
	uint8_t key[16];
	struct lpm_entry *e;

	if (len > width)
		return NULL;
	if ((l->n + 1) * 10 > l->cap * 7 && grow(l) < 0)
		return NULL;
	mask_addr(addr, width, len, key);
	e = find(l, v6, key, len);
	*created = !e->used;
	if (!e->used) {
		memcpy(e->addr, key, 16);
		e->used = 1;
		e->v6 = v6;
		e->len = (uint8_t)len;
		e->value = UINT32_MAX;
		l->n++;
		if (v6)
			l->lens6[len / 64] |= 1ull << (len % 64);
		else
			l->lens4 |= 1ull << len;
	}
	return &e->value;
}

static bool has_len(const struct lpm *l, bool v6, unsigned len)
{
	return v6 ? (l->lens6[len / 64] >> (len % 64)) & 1 : (l->lens4 >> len) & 1;
}

int lpm_lookup(const struct lpm *l, bool v6, const uint8_t *addr, lpm_visit_fn fn, void *ctx)
{
	unsigned width = v6 ? 128 : 32;
	uint8_t key[16];

	for (unsigned len = width + 1; len-- > 0;) {
		struct lpm_entry *e;
		int rc;

		if (!has_len(l, v6, len))
			continue;
		mask_addr(addr, width, len, key);
		e = find(l, v6, key, len);
		if (!e || !e->used)
			continue;
		rc = fn(ctx, e->value, len);
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_len(const char *s, unsigned width, unsigned *len)
{
	unsigned v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > width)
			return -EINVAL;
	}
	*len = v;
	return 0;
}

int lpm_parse(const char *text, bool *v6, uint8_t addr[16], unsigned *len)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(text, '/');
	size_t n = slash ? (size_t)(slash - text) : strlen(text);
	unsigned width;
	uint8_t raw[16] = { 0 };

	if (n == 0 || n >= INET6_ADDRSTRLEN)
		return -EINVAL;
	memcpy(buf, text, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, raw) == 1)
		*v6 = false;
	else if (inet_pton(AF_INET6, buf, raw) == 1)
		*v6 = true;
	else
		return -EINVAL;
	width = *v6 ? 128 : 32;
	*len = width;
	if (slash && parse_len(slash + 1, width, len) < 0)
		return -EINVAL;
	mask_addr(raw, width, *len, addr);
	return 0;
}

void lpm_format(bool v6, const uint8_t *addr, unsigned len, char *out, size_t cap)
{
	char a[INET6_ADDRSTRLEN];
	unsigned width = v6 ? 128 : 32;

	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, addr, a, sizeof(a)))
		a[0] = '\0';
	if (len == width)
		snprintf(out, cap, "%s", a);
	else
		snprintf(out, cap, "%s/%u", a, len);
}

size_t lpm_memory(const struct lpm *l)
{
	return sizeof(*l) + l->cap * sizeof(struct lpm_entry);
}
