#include "indicator_store.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "ahocorasick.h"
#include "iso6346.h"
#include "lpm.h"

#define NONE UINT32_MAX
#define HS_DIGITS_MAX 14

/* 36 bytes. Strings are offsets into the store's one text arena; offset 0
 * is the empty string. */
struct indicator {
	uint32_t text;       /* value as written */
	uint32_t key;        /* normalised key (== text when identical) */
	uint32_t source, desc, fields;
	uint32_t next;       /* next indicator with the same key, NONE at the end */
	uint32_t expires;    /* unix seconds, 0 = never (later than 2106: never) */
	uint16_t feed;
	uint8_t type;
	uint8_t kind;
	uint8_t confidence;
};

struct slot {
	uint32_t hash;
	uint32_t head;       /* NONE = empty */
};

/* Growable array of fixed-size items; shrunk to fit when the store is done. */
struct text_arena {
	char *buf;
	size_t len, cap;
};

struct indicator_store {
	struct indicator *ind;
	uint32_t n_ind, cap_ind;
	struct text_arena text;
	size_t key_bytes;           /* arena bytes that are normalised copies, not feed text */
	struct slot *slots;
	uint32_t slot_mask, n_keys;
	uint32_t hs_lengths;        /* bit n: an HS indicator of n digits exists */
	struct lpm *lpm;
	struct ac *ac;
	uint32_t *ac_heads;         /* pattern id -> first indicator */
	uint32_t n_patterns;
	unsigned n_feeds;
	char *feed_names[INDICATOR_FEEDS_MAX];
	uint32_t *counts;           /* [feed * INDICATOR_TYPE_COUNT + type] */
};

/* The builder is a store under construction plus an interning table for
 * metadata strings, which repeat across lines (one source per feed). */
struct indicator_builder {
	struct indicator_store s;
	uint32_t *intern;           /* arena offsets, 0 = empty */
	uint32_t intern_mask, n_intern;
};

/* ---- hashing and the text arena -------------------------------------------- */

static uint32_t hash_bytes(const char *s, size_t n, uint32_t seed)
{
	uint64_t h = 1469598103934665603ull ^ seed;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	h ^= h >> 32;
	return (uint32_t)h;
}

static int arena_put(struct text_arena *a, const char *s, size_t n, uint32_t *off)
{
	if (a->len + n + 1 > UINT32_MAX)
		return -E2BIG;
	if (a->len + n + 1 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 4096;
		char *p;

		while (cap < a->len + n + 1)
			cap *= 2;
		p = realloc(a->buf, cap);
		if (!p)
			return -ENOMEM;
		a->buf = p;
		a->cap = cap;
	}
	memcpy(a->buf + a->len, s, n);
	a->buf[a->len + n] = '\0';
	*off = (uint32_t)a->len;
	a->len += n + 1;
	return 0;
}

static const char *str_at(const struct indicator_store *s, uint32_t off)
{
	return s->text.buf + off;
}

/* ---- builder ------------------------------------------------------------------ */

static int init_store(struct indicator_store *s)
{
	uint32_t zero;

	s->counts = calloc((size_t)INDICATOR_FEEDS_MAX * INDICATOR_TYPE_COUNT, sizeof(uint32_t));
	s->lpm = lpm_new();
	if (!s->counts || !s->lpm)
		return -ENOMEM;
	return arena_put(&s->text, "", 0, &zero);   /* offset 0 = "" */
}

struct indicator_builder *indicator_builder_new(void)
{
	struct indicator_builder *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	if (init_store(&b->s) < 0) {
		indicator_builder_free(b);
		return NULL;
	}
	return b;
}

static void store_release(struct indicator_store *s)
{
	free(s->ind);
	free(s->text.buf);
	free(s->slots);
	lpm_free(s->lpm);
	ac_free(s->ac);
	free(s->ac_heads);
	free(s->counts);
	for (unsigned i = 0; i < s->n_feeds; i++)
		free(s->feed_names[i]);
}

void indicator_builder_free(struct indicator_builder *b)
{
	if (!b)
		return;
	store_release(&b->s);
	free(b->intern);
	free(b);
}

int indicator_builder_add_feed(struct indicator_builder *b, const char *name)
{
	const char *base = strrchr(name, '/');

	if (b->s.n_feeds == INDICATOR_FEEDS_MAX)
		return -E2BIG;
	b->s.feed_names[b->s.n_feeds] = strdup(base ? base + 1 : name);
	if (!b->s.feed_names[b->s.n_feeds])
		return -ENOMEM;
	return (int)b->s.n_feeds++;
}

static int intern_grow(struct indicator_builder *b)
{
	uint32_t cap = b->intern_mask ? (b->intern_mask + 1) * 2 : 1024;
	uint32_t *t = calloc(cap, sizeof(uint32_t));

	if (!t)
		return -ENOMEM;
	for (uint32_t i = 0; b->intern && i <= b->intern_mask; i++) {
		uint32_t off = b->intern[i];
		const char *str = str_at(&b->s, off);
		uint32_t j;

		if (!off)
			continue;
		for (j = hash_bytes(str, strlen(str), 1) & (cap - 1); t[j]; j = (j + 1) & (cap - 1))
			;
		t[j] = off;
	}
	free(b->intern);
	b->intern = t;
	b->intern_mask = cap - 1;
	return 0;
}

/* Offset of a metadata string, stored once however often it repeats. */
static int intern(struct indicator_builder *b, const char *str, uint32_t *off)
{
	size_t n;
	uint32_t j;
	int rc;

	*off = 0;
	if (!str || !*str)
		return 0;
	if ((b->n_intern + 1) * 10 > (b->intern_mask + 1) * 7 && (rc = intern_grow(b)) < 0)
		return rc;
	n = strlen(str);
	for (j = hash_bytes(str, n, 1) & b->intern_mask; b->intern[j]; j = (j + 1) & b->intern_mask)
		if (strcmp(str_at(&b->s, b->intern[j]), str) == 0) {
			*off = b->intern[j];
			return 0;
		}
	rc = arena_put(&b->s.text, str, n, off);
	if (rc == 0) {
		b->intern[j] = *off;
		b->n_intern++;
	}
	return rc;
}

static bool all_alnum(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* Normalised key and exact kind of an entry (IPs are handled apart). */
static const char *normalise(const struct feed_entry *e, char *key, size_t cap,
			     enum indicator_exact_kind *kind)
{
	size_t n;

	switch (e->type) {
	case INDICATOR_PARTY_ID:
	case INDICATOR_REFERENCE:
		*kind = e->type == INDICATOR_PARTY_ID ? INDICATOR_KIND_PARTY_ID
						      : INDICATOR_KIND_REFERENCE;
		return indicator_norm_exact(e->indicator, key, cap) ? NULL : "empty value";
	case INDICATOR_LOCODE:
		*kind = INDICATOR_KIND_LOCODE;
		n = indicator_norm_exact(e->indicator, key, cap);
		if (!all_alnum(key, n))
			return "UN/LOCODE must be letters and digits";
		return n >= 2 && n <= 10 ? NULL : "UN/LOCODE must be 2-10 characters";
	case INDICATOR_CONTAINER:
		*kind = INDICATOR_KIND_CONTAINER;
		n = iso6346_normalise(e->indicator, key, cap);
		if (!all_alnum(key, n))
			return "container number must be letters and digits";
		return n >= 4 && n <= 15 ? NULL : "container number must be 4-15 characters";
	case INDICATOR_HS_CODE:
		*kind = INDICATOR_KIND_HS;
		for (const char *c = e->indicator; *c; c++)
			if (!((*c >= '0' && *c <= '9') || *c == '.' || *c == ' ' || *c == '-'))
				return "HS code must be digits (dots, spaces, dashes allowed)";
		n = indicator_norm_digits(e->indicator, key, cap);
		return n >= 2 && n <= HS_DIGITS_MAX ? NULL : "HS code must have 2-14 digits";
	case INDICATOR_VESSEL:
		if (cap >= 8 && indicator_norm_imo(e->indicator, key) == 0) {
			*kind = INDICATOR_KIND_IMO;
			return NULL;
		}
		*kind = INDICATOR_KIND_VESSEL_NAME;
		return indicator_norm_text(e->indicator, key, cap) ? NULL : "empty vessel name";
	case INDICATOR_PARTY_NAME:
	case INDICATOR_KEYWORD:
		*kind = INDICATOR_KIND_TEXT;
		n = indicator_norm_text(e->indicator, key, cap);
		return n >= INDICATOR_SUBSTRING_MIN ? NULL : "name or keyword shorter than 3 characters";
	default:
		return "not an exact type";
	}
}

static int slots_grow(struct indicator_store *s)
{
	uint32_t cap = s->slots ? (s->slot_mask + 1) * 2 : 1024;
	struct slot *t = malloc((size_t)cap * sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (uint32_t i = 0; i < cap; i++)
		t[i].head = NONE;
	for (uint32_t i = 0; s->slots && i <= s->slot_mask; i++) {
		uint32_t j;

		if (s->slots[i].head == NONE)
			continue;
		for (j = s->slots[i].hash & (cap - 1); t[j].head != NONE; j = (j + 1) & (cap - 1))
			;
		t[j] = s->slots[i];
	}
	free(s->slots);
	s->slots = t;
	s->slot_mask = cap - 1;
	return 0;
}

/* The slot holding kind+key, or the empty slot where it would go. */
static struct slot *slot_find(const struct indicator_store *s, unsigned kind, const char *key,
			      size_t n)
{
	uint32_t h = hash_bytes(key, n, kind);

	if (!s->slots)
		return NULL;
	for (uint32_t j = h & s->slot_mask;; j = (j + 1) & s->slot_mask) {
		struct slot *sl = &s->slots[j];
		const struct indicator *in;

		if (sl->head == NONE)
			return sl;
		in = &s->ind[sl->head];
		if (sl->hash == h && in->kind == kind && strcmp(str_at(s, in->key), key) == 0)
			return sl;
	}
}

static int ind_reserve(struct indicator_store *s)
{
	if (s->n_ind + 1 >= NONE)
		return -E2BIG;
	if (s->n_ind == s->cap_ind) {
		uint32_t cap = s->cap_ind ? s->cap_ind * 2 : 1024;
		struct indicator *p = realloc(s->ind, (size_t)cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->ind = p;
		s->cap_ind = cap;
	}
	return 0;
}

/* A chain entry of the same feed and type is the same indicator again: the
 * later line's metadata wins. Returns it, or NONE. */
static uint32_t chain_same(const struct indicator_store *s, uint32_t head, unsigned feed,
			   unsigned type)
{
	for (uint32_t i = head; i != NONE; i = s->ind[i].next)
		if (s->ind[i].feed == feed && s->ind[i].type == type)
			return i;
	return NONE;
}

static int fill_meta(struct indicator_builder *b, struct indicator *in, unsigned feed,
		     const struct feed_entry *e)
{
	int rc;

	if ((rc = intern(b, e->source, &in->source)) < 0 ||
	    (rc = intern(b, e->desc, &in->desc)) < 0 ||
	    (rc = intern(b, e->fields, &in->fields)) < 0)
		return rc;
	in->feed = (uint16_t)feed;
	in->type = (uint8_t)e->type;
	in->confidence = (uint8_t)e->confidence;
	in->expires = e->expires > UINT32_MAX ? 0 : (uint32_t)e->expires;
	return 0;
}

/* Appends a new indicator at the front of a chain (*head). */
static int push_indicator(struct indicator_builder *b, uint32_t *head, unsigned feed,
			  const struct feed_entry *e, unsigned kind, const char *key, size_t klen)
{
	struct indicator_store *s = &b->s;
	struct indicator in = { .next = *head, .kind = (uint8_t)kind };
	size_t tlen = strlen(e->indicator);
	int rc;

	if ((rc = ind_reserve(s)) < 0 || (rc = arena_put(&s->text, e->indicator, tlen, &in.text)) < 0)
		return rc;
	in.key = in.text;
	if (klen != tlen || memcmp(key, e->indicator, tlen) != 0) {
		if ((rc = arena_put(&s->text, key, klen, &in.key)) < 0)
			return rc;
		s->key_bytes += klen + 1;
	}
	if ((rc = fill_meta(b, &in, feed, e)) < 0)
		return rc;
	s->ind[s->n_ind] = in;
	*head = s->n_ind++;
	s->counts[feed * INDICATOR_TYPE_COUNT + e->type]++;
	return 0;
}

static int add_exact(struct indicator_builder *b, unsigned feed, const struct feed_entry *e,
		     const char **reason)
{
	struct indicator_store *s = &b->s;
	enum indicator_exact_kind kind;
	char key[INDICATOR_TEXT_MAX + 1];
	struct slot *sl;
	uint32_t same, head;
	size_t klen;
	int rc;

	*reason = normalise(e, key, sizeof(key), &kind);
	if (*reason)
		return -EINVAL;
	klen = strlen(key);
	if ((s->n_keys + 1) * 10 > (s->slots ? s->slot_mask + 1 : 0) * 7 && (rc = slots_grow(s)) < 0)
		return rc;
	sl = slot_find(s, kind, key, klen);
	head = sl->head;
	same = chain_same(s, head, feed, e->type);
	if (same != NONE)
		return fill_meta(b, &s->ind[same], feed, e);
	rc = push_indicator(b, &head, feed, e, kind, key, klen);
	if (rc < 0)
		return rc;
	if (sl->head == NONE)
		s->n_keys++;
	if (kind == INDICATOR_KIND_HS)
		s->hs_lengths |= 1u << klen;
	sl->hash = hash_bytes(key, klen, kind);
	sl->head = head;
	return 0;
}

static int add_ip(struct indicator_builder *b, unsigned feed, const struct feed_entry *e,
		  const char **reason)
{
	uint8_t addr[16];
	unsigned len;
	bool v6, created;
	uint32_t *slot, head, same;

	if (lpm_parse(e->indicator, &v6, addr, &len) < 0) {
		*reason = "not an IP address or CIDR";
		return -EINVAL;
	}
	if (e->type == INDICATOR_ADDR && strchr(e->indicator, '/')) {
		*reason = "Intel::ADDR with a prefix length (use Intel::SUBNET)";
		return -EINVAL;
	}
	slot = lpm_slot(b->s.lpm, v6, addr, len, &created);
	if (!slot)
		return -ENOMEM;
	head = *slot;
	same = chain_same(&b->s, head, feed, e->type);
	if (same != NONE)
		return fill_meta(b, &b->s.ind[same], feed, e);
	/* The lpm may move its table on the next insert, not during this one. */
	if (push_indicator(b, &head, feed, e, 0, e->indicator, strlen(e->indicator)) < 0)
		return -ENOMEM;
	*slot = head;
	return 0;
}

int indicator_builder_add(struct indicator_builder *b, unsigned feed, const struct feed_entry *e,
			  const char **reason)
{
	*reason = NULL;
	if (feed >= b->s.n_feeds || (unsigned)e->type >= INDICATOR_TYPE_COUNT) {
		*reason = "bad feed or type";
		return -EINVAL;
	}
	if (strlen(e->indicator) > INDICATOR_TEXT_MAX) {
		*reason = "indicator longer than 1024 bytes";
		return -EINVAL;
	}
	if (e->type == INDICATOR_ADDR || e->type == INDICATOR_SUBNET)
		return add_ip(b, feed, e, reason);
	return add_exact(b, feed, e, reason);
}

struct load_ctx {
	struct indicator_builder *b;
	unsigned feed;
};

static int load_entry(void *ctx, const struct feed_entry *e, const char **reason)
{
	struct load_ctx *l = ctx;
	int rc = indicator_builder_add(l->b, l->feed, e, reason);

	if (rc == -ENOMEM && !*reason)
		*reason = "out of memory";
	return rc;
}

int indicator_builder_load(struct indicator_builder *b, const char *path,
			   feed_reject_fn on_reject, void *ctx, struct feed_parse_result *res)
{
	struct load_ctx l = { b, 0 };
	int feed = indicator_builder_add_feed(b, path), rc;

	if (feed < 0)
		return feed;
	l.feed = (unsigned)feed;
	struct feed_sink sink = { load_entry, &l, on_reject, ctx };
	rc = feed_parse_file(path, &sink, res);
	return rc < 0 ? rc : feed;
}

/* ---- finishing ------------------------------------------------------------------ */

static void shrink_to_fit(struct indicator_store *s)
{
	void *p;

	if (s->n_ind && (p = realloc(s->ind, (size_t)s->n_ind * sizeof(*s->ind)))) {
		s->ind = p;
		s->cap_ind = s->n_ind;
	}
	if ((p = realloc(s->text.buf, s->text.len))) {
		s->text.buf = p;
		s->text.cap = s->text.len;
	}
}

/* Every distinct name/keyword key becomes one automaton pattern. */
static int build_automaton(struct indicator_store *s)
{
	const char **pats = NULL;
	uint32_t *lens = NULL, n = 0;
	int rc = -ENOMEM;

	for (uint32_t i = 0; s->slots && i <= s->slot_mask; i++)
		if (s->slots[i].head != NONE && s->ind[s->slots[i].head].kind == INDICATOR_KIND_TEXT)
			n++;
	pats = malloc((n ? n : 1) * sizeof(*pats));
	lens = malloc((n ? n : 1) * sizeof(*lens));
	s->ac_heads = malloc((n ? n : 1) * sizeof(*s->ac_heads));
	if (!pats || !lens || !s->ac_heads)
		goto out;
	n = 0;
	for (uint32_t i = 0; s->slots && i <= s->slot_mask; i++) {
		uint32_t h = s->slots[i].head;

		if (h == NONE || s->ind[h].kind != INDICATOR_KIND_TEXT)
			continue;
		pats[n] = str_at(s, s->ind[h].key);
		lens[n] = (uint32_t)strlen(pats[n]);
		s->ac_heads[n++] = h;
	}
	s->n_patterns = n;
	s->ac = ac_build(pats, lens, n);
	rc = s->ac ? 0 : -errno;
out:
	free(pats);
	free(lens);
	return rc;
}

struct indicator_store *indicator_builder_finish(struct indicator_builder *b)
{
	struct indicator_store *s = malloc(sizeof(*s));

	if (!s) {
		indicator_builder_free(b);
		errno = ENOMEM;
		return NULL;
	}
	*s = b->s;
	memset(&b->s, 0, sizeof(b->s));
	indicator_builder_free(b);
	shrink_to_fit(s);
	if (build_automaton(s) < 0) {
		indicator_store_free(s);
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

struct indicator_store *indicator_store_empty(void)
{
	struct indicator_builder *b = indicator_builder_new();

	return b ? indicator_builder_finish(b) : NULL;
}

void indicator_store_free(struct indicator_store *s)
{
	if (!s)
		return;
	store_release(s);
	free(s);
}

/* ---- reading -------------------------------------------------------------------- */

size_t indicator_store_count(const struct indicator_store *s)
{
	return s->n_ind;
}

unsigned indicator_store_feeds(const struct indicator_store *s)
{
	return s->n_feeds;
}

const char *indicator_store_feed_name(const struct indicator_store *s, unsigned feed)
{
	return feed < s->n_feeds ? s->feed_names[feed] : "";
}

size_t indicator_store_feed_count(const struct indicator_store *s, unsigned feed,
				  enum indicator_type t)
{
	if (feed >= s->n_feeds || (unsigned)t >= INDICATOR_TYPE_COUNT)
		return 0;
	return s->counts[feed * INDICATOR_TYPE_COUNT + t];
}

size_t indicator_store_memory(const struct indicator_store *s)
{
	size_t m = sizeof(*s) + (size_t)s->cap_ind * sizeof(*s->ind) + s->text.cap +
		   (s->slots ? ((size_t)s->slot_mask + 1) * sizeof(*s->slots) : 0) +
		   lpm_memory(s->lpm) + (size_t)s->n_patterns * sizeof(uint32_t) +
		   (size_t)INDICATOR_FEEDS_MAX * INDICATOR_TYPE_COUNT * sizeof(uint32_t);

	if (s->ac)
		m += ac_memory(s->ac);
	for (unsigned i = 0; i < s->n_feeds; i++)
		m += strlen(s->feed_names[i]) + 1;
	return m;
}

size_t indicator_store_text_bytes(const struct indicator_store *s)
{
	return s->text.len - s->key_bytes;
}

void indicator_store_get(const struct indicator_store *s, uint32_t id, struct indicator_view *v)
{
	const struct indicator *in = &s->ind[id];

	v->text = str_at(s, in->text);
	v->type = (enum indicator_type)in->type;
	v->feed = s->feed_names[in->feed];
	v->feed_index = in->feed;
	v->source = str_at(s, in->source);
	v->desc = str_at(s, in->desc);
	v->fields = str_at(s, in->fields);
	v->confidence = in->confidence;
	v->expires = in->expires;
}

static int walk_chain(const struct indicator_store *s, uint32_t head, indicator_found_fn fn,
		      void *ctx)
{
	int accepted = 0;

	for (uint32_t i = head; i != NONE; i = s->ind[i].next)
		accepted += fn(ctx, i) != 0;
	return accepted;
}

static int find_key(const struct indicator_store *s, unsigned kind, const char *key, size_t n,
		    indicator_found_fn fn, void *ctx)
{
	const struct slot *sl;

	if (!s->slots || n == 0)
		return 0;
	sl = slot_find(s, kind, key, n);
	return sl->head == NONE ? 0 : walk_chain(s, sl->head, fn, ctx);
}

int indicator_store_find_exact(const struct indicator_store *s, enum indicator_exact_kind kind,
			       const char *value, indicator_found_fn fn, void *ctx)
{
	char key[INDICATOR_TEXT_MAX + 1];
	size_t n;

	switch (kind) {
	case INDICATOR_KIND_CONTAINER:
		n = iso6346_normalise(value, key, sizeof(key));
		break;
	case INDICATOR_KIND_IMO:
		n = indicator_norm_imo(value, key) == 0 ? 7 : 0;
		break;
	case INDICATOR_KIND_VESSEL_NAME:
	case INDICATOR_KIND_TEXT:
		n = indicator_norm_text(value, key, sizeof(key));
		break;
	case INDICATOR_KIND_HS:
		return indicator_store_find_hs(s, value, fn, ctx);
	default:
		n = indicator_norm_exact(value, key, sizeof(key));
		break;
	}
	return find_key(s, kind, key, n, fn, ctx);
}

int indicator_store_find_hs(const struct indicator_store *s, const char *declared,
			    indicator_found_fn fn, void *ctx)
{
	char digits[HS_DIGITS_MAX + 2];
	size_t n = indicator_norm_digits(declared, digits, sizeof(digits));
	int accepted = 0;

	for (size_t len = 2; len <= n && len <= HS_DIGITS_MAX; len++) {
		char prefix[HS_DIGITS_MAX + 1];

		if (!((s->hs_lengths >> len) & 1))
			continue;
		memcpy(prefix, digits, len);
		prefix[len] = '\0';
		accepted += find_key(s, INDICATOR_KIND_HS, prefix, len, fn, ctx);
	}
	return accepted;
}

/* A lookup in progress: where found indicators go, how many were taken. */
struct visit {
	const struct indicator_store *s;
	indicator_found_fn fn;
	void *ctx;
	int accepted;
};

static int visit_prefix(void *ctx, uint32_t head, unsigned len)
{
	struct visit *v = ctx;

	(void)len;
	v->accepted += walk_chain(v->s, head, v->fn, v->ctx);
	return v->accepted > 0;   /* the longest prefix with an accepted indicator wins */
}

int indicator_store_find_ip(const struct indicator_store *s, const char *ip,
			    indicator_found_fn fn, void *ctx)
{
	struct visit v = { s, fn, ctx, 0 };
	uint8_t addr[16];
	unsigned len;
	bool v6;

	if (!ip || !*ip || strchr(ip, '/') || lpm_parse(ip, &v6, addr, &len) < 0)
		return 0;
	lpm_lookup(s->lpm, v6, addr, visit_prefix, &v);
	return v.accepted;
}

static int visit_pattern(void *ctx, uint32_t pattern, size_t end)
{
	struct visit *v = ctx;

	(void)end;
	v->accepted += walk_chain(v->s, v->s->ac_heads[pattern], v->fn, v->ctx);
	return 0;
}

int indicator_store_find_text(const struct indicator_store *s, const char *text, char *scratch,
			      size_t scratch_cap, indicator_found_fn fn, void *ctx)
{
	struct visit v = { s, fn, ctx, 0 };
	size_t n;

	if (!s->n_patterns || !text || !*text || scratch_cap == 0)
		return 0;
	n = indicator_norm_text(text, scratch, scratch_cap);
	ac_scan(s->ac, scratch, n, visit_pattern, &v);
	return v.accepted;
}
