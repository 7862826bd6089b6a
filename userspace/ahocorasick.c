#include "ahocorasick.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define AC_NONE UINT32_MAX
#define AC_TERMINAL 1   /* a pattern ends at this node */
#define AC_REACHES 2    /* this node or a node on its fail chain is terminal */

struct ac {
	uint32_t n_nodes;
	uint8_t *label;        /* label of the edge into node k */
	uint32_t *first_child; /* n_nodes + 1 entries; children of p: [fc[p], fc[p+1]) */
	uint32_t *fail;        /* longest proper suffix that is a trie node */
	uint8_t *flags;        /* AC_TERMINAL, AC_REACHES (see below) */
	uint32_t *out;         /* build time only: pattern ending exactly here, AC_NONE if none */
	/* Terminal nodes in ascending order and their patterns: a hit looks the
	 * pattern up by binary search, so nodes carry no 4-byte output field. */
	uint32_t *term_node, *term_pat;
	uint32_t n_term;
	uint32_t root_next[256];
	/* Complete transitions (children or, failing those, the root's) of the
	 * depth-1 nodes, 256 per node: text that matches nothing mostly moves
	 * between the root and depth 1, so this skips most binary searches. */
	uint32_t *d1_next;
	uint32_t d1_first, d1_count;
};

/* Sort context: qsort has no user pointer, so patterns are sorted as
 * small records carrying their own pointer and length. */
struct pat {
	const unsigned char *s;
	uint32_t len;
	uint32_t id;
};

static int pat_cmp(const void *a, const void *b)
{
	const struct pat *x = a, *y = b;
	uint32_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, n);

	if (c)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

static uint32_t common_prefix(const struct pat *a, const struct pat *b)
{
	uint32_t n = a->len < b->len ? a->len : b->len;
	uint32_t i = 0;

	while (i < n && a->s[i] == b->s[i])
		i++;
	return i;
}

static uint32_t child(const struct ac *ac, uint32_t node, unsigned char c)
{
	uint32_t lo, hi;

	if (node == 0)
		return ac->root_next[c];
	lo = ac->first_child[node];
	hi = ac->first_child[node + 1];
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (ac->label[mid] < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ac->first_child[node + 1] && ac->label[lo] == c ? lo : 0;
}

static int alloc_nodes(struct ac *ac, uint64_t cap)
{
	ac->label = malloc(cap);
	ac->first_child = malloc((cap + 1) * sizeof(uint32_t));
	ac->fail = calloc(cap, sizeof(uint32_t));
	ac->flags = calloc(cap, 1);
	ac->out = malloc(cap * sizeof(uint32_t));
	if (!ac->label || !ac->first_child || !ac->fail || !ac->flags || !ac->out)
		return -ENOMEM;
	for (uint64_t i = 0; i <= cap; i++)
		ac->first_child[i] = AC_NONE;
	for (uint64_t i = 0; i < cap; i++)
		ac->out[i] = AC_NONE;
	return 0;
}

/* Creates the trie level by level from the sorted patterns. At depth d the
 * patterns still long enough are walked in sorted order; two neighbours share
 * the depth-d node exactly when their common prefix is at least d (anything
 * sorted between them shares that prefix too), so a running "common prefix
 * with the previous survivor" is all the state needed, and nodes come out in
 * breadth-first, parent, label order. alive/lcp/cur are parallel arrays by
 * position, compacted in place as short patterns drop out. */
static int build_trie(struct ac *ac, const struct pat *p, uint32_t n, uint32_t *parent)
{
	uint32_t *alive = malloc((size_t)(n ? n : 1) * sizeof(uint32_t));
	uint32_t *lcp = malloc((size_t)(n ? n : 1) * sizeof(uint32_t));
	uint32_t *cur = calloc(n ? n : 1, sizeof(uint32_t));
	uint32_t n_alive = n, nodes = 1;

	if (!alive || !lcp || !cur) {
		free(alive), free(lcp), free(cur);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++) {
		alive[i] = i;
		lcp[i] = i ? common_prefix(&p[i - 1], &p[i]) : 0;
	}
	ac->label[0] = 0;
	parent[0] = 0;
	for (uint32_t d = 1; n_alive; d++) {
		uint32_t kept = 0, run = UINT32_MAX;

		for (uint32_t j = 0; j < n_alive; j++) {
			uint32_t i = alive[j], node;
			uint32_t l = lcp[j] < run ? lcp[j] : run;

			if (p[i].len < d) {
				run = l;     /* carry the minimum to the next survivor */
				continue;
			}
			run = UINT32_MAX;
			if (kept == 0 || l < d) {
				uint32_t par = cur[j];

				ac->label[nodes] = p[i].s[d - 1];
				parent[nodes] = par;
				if (ac->first_child[par] == AC_NONE)
					ac->first_child[par] = nodes;
				node = nodes++;
			} else {
				node = nodes - 1;
			}
			if (p[i].len == d)
				ac->out[node] = p[i].id;
			alive[kept] = i;
			lcp[kept] = l;
			cur[kept] = node;
			kept++;
		}
		n_alive = kept;
	}
	free(alive), free(lcp), free(cur);
	ac->n_nodes = nodes;
	/* Leaves get an empty child range: the start of the next node's range. */
	ac->first_child[nodes] = nodes;
	for (uint32_t k = nodes; k-- > 0;)
		if (ac->first_child[k] == AC_NONE)
			ac->first_child[k] = ac->first_child[k + 1];
	return 0;
}

/* Breadth-first order is node order, so a node's fail target (shallower)
 * is always computed before the node itself. */
static void build_links(struct ac *ac, const uint32_t *parent)
{
	for (uint32_t c = 0; c < 256; c++)
		ac->root_next[c] = 0;
	for (uint32_t k = ac->first_child[0]; k < ac->first_child[1]; k++)
		ac->root_next[ac->label[k]] = k;
	for (uint32_t k = 1; k < ac->n_nodes; k++) {
		uint32_t par = parent[k], f = 0;

		if (par != 0) {
			f = ac->fail[par];
			uint32_t g;

			while ((g = child(ac, f, ac->label[k])) == 0 && f != 0)
				f = ac->fail[f];
			f = g;
		}
		ac->fail[k] = f;
		ac->flags[k] = (uint8_t)((ac->out[k] != AC_NONE ? AC_TERMINAL | AC_REACHES : 0) |
					 (ac->flags[f] & AC_REACHES));
	}
}

/* Moves the build-time output array into the sorted terminal list. */
static int build_terminals(struct ac *ac)
{
	uint32_t n = 0;

	for (uint32_t k = 0; k < ac->n_nodes; k++)
		n += ac->out[k] != AC_NONE;
	ac->term_node = malloc((n ? n : 1) * sizeof(uint32_t));
	ac->term_pat = malloc((n ? n : 1) * sizeof(uint32_t));
	if (!ac->term_node || !ac->term_pat)
		return -ENOMEM;
	for (uint32_t k = 0; k < ac->n_nodes; k++)
		if (ac->out[k] != AC_NONE) {
			ac->term_node[ac->n_term] = k;
			ac->term_pat[ac->n_term++] = ac->out[k];
		}
	free(ac->out);
	ac->out = NULL;
	return 0;
}

static uint32_t pattern_at(const struct ac *ac, uint32_t node)
{
	uint32_t lo = 0, hi = ac->n_term;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (ac->term_node[mid] < node)
			lo = mid + 1;
		else
			hi = mid;
	}
	return ac->term_pat[lo];
}

static int build_depth1(struct ac *ac)
{
	ac->d1_first = ac->first_child[0];
	ac->d1_count = ac->first_child[1] - ac->first_child[0];
	ac->d1_next = malloc(((size_t)ac->d1_count ? ac->d1_count : 1) * 256 * sizeof(uint32_t));
	if (!ac->d1_next)
		return -ENOMEM;
	for (uint32_t k = 0; k < ac->d1_count; k++)
		for (uint32_t c = 0; c < 256; c++) {
			uint32_t g = child(ac, ac->d1_first + k, (unsigned char)c);

			ac->d1_next[k * 256 + c] = g ? g : ac->root_next[c];
		}
	return 0;
}

static void shrink(struct ac *ac)
{
	uint32_t n = ac->n_nodes;
	void *p;

	if ((p = realloc(ac->label, n)))
		ac->label = p;
	if ((p = realloc(ac->first_child, ((size_t)n + 1) * sizeof(uint32_t))))
		ac->first_child = p;
	if ((p = realloc(ac->fail, (size_t)n * sizeof(uint32_t))))
		ac->fail = p;
	if ((p = realloc(ac->flags, n)))
		ac->flags = p;
}

static struct pat *sorted_patterns(const char *const *patterns, const uint32_t *lens,
				   uint32_t n, uint64_t *total)
{
	struct pat *p = malloc((size_t)(n ? n : 1) * sizeof(*p));

	if (!p)
		return NULL;
	*total = 0;
	for (uint32_t i = 0; i < n; i++) {
		p[i] = (struct pat){ (const unsigned char *)patterns[i], lens[i], i };
		*total += lens[i];
	}
	qsort(p, n, sizeof(*p), pat_cmp);
	return p;
}

static bool valid_set(const struct pat *p, uint32_t n, uint64_t total)
{
	if (total + 1 >= UINT32_MAX)
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (p[i].len == 0 || (i && pat_cmp(&p[i - 1], &p[i]) == 0))
			return false;
	return true;
}

struct ac *ac_build(const char *const *patterns, const uint32_t *lens, uint32_t n)
{
	struct ac *ac = calloc(1, sizeof(*ac));
	uint32_t *parent = NULL;
	uint64_t total = 0;
	struct pat *p = NULL;
	int err = -ENOMEM;

	if (!ac)
		goto fail;
	p = sorted_patterns(patterns, lens, n, &total);
	if (!p)
		goto fail;
	if (!valid_set(p, n, total)) {
		err = -EINVAL;
		goto fail;
	}
	parent = malloc((total + 1) * sizeof(uint32_t));
	if (!parent || alloc_nodes(ac, total + 1) < 0)
		goto fail;
	err = build_trie(ac, p, n, parent);
	if (err < 0)
		goto fail;
	build_links(ac, parent);
	shrink(ac);
	err = build_terminals(ac);
	if (err == 0)
		err = build_depth1(ac);
	if (err < 0)
		goto fail;
	free(parent);
	free(p);
	return ac;
fail:
	free(parent);
	free(p);
	ac_free(ac);
	errno = -err;
	return NULL;
}

void ac_free(struct ac *ac)
{
	if (!ac)
		return;
	free(ac->label);
	free(ac->first_child);
	free(ac->fail);
	free(ac->flags);
	free(ac->out);
	free(ac->term_node);
	free(ac->term_pat);
	free(ac->d1_next);
	free(ac);
}

int ac_scan(const struct ac *ac, const char *text, size_t len, ac_hit_fn fn, void *ctx)
{
	uint32_t s = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		uint32_t g;

		if (s - ac->d1_first < ac->d1_count) {
			s = ac->d1_next[(s - ac->d1_first) * 256 + c];
		} else {
			while ((g = child(ac, s, c)) == 0 && s != 0)
				s = ac->fail[s];
			s = g;
		}
		/* Outputs are rare: walk the fail chain only when one is reachable. */
		for (uint32_t t = s; ac->flags[t] & AC_REACHES; t = ac->fail[t]) {
			int rc;

			if (!(ac->flags[t] & AC_TERMINAL))
				continue;
			rc = fn(ctx, pattern_at(ac, t), i + 1);
			if (rc)
				return rc;
		}
	}
	return 0;
}

size_t ac_memory(const struct ac *ac)
{
	size_t n = ac->n_nodes;

	return sizeof(*ac) + n * (1 + 4 + 1) + (n + 1) * 4 + (size_t)ac->n_term * 8 +
	       (size_t)ac->d1_count * 256 * 4;
}

uint32_t ac_nodes(const struct ac *ac)
{
	return ac->n_nodes;
}
