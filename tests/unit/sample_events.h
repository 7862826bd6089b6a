/* Test-only helpers: turn an EDI file into the scanner's ring-buffer
 * events, run them through the assembler and keep the records.
 *
 * The splitter follows the scanner contract in bpf/edisensor.h (one event
 * per segment, terminator included, separators learnt from UNA/ISA,
 * release character honoured, CR/LF between segments dropped). It exists
 * so these tests do not depend on the in-kernel scanner; the BPF tests
 * check the scanner against the same files. */
#ifndef EDISENSOR_TEST_SAMPLE_EVENTS_H
#define EDISENSOR_TEST_SAMPLE_EVENTS_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assembler.h"
#include "edisensor.h"
#include "edisensor.pb-c.h"

struct ev_list {
	struct es_event *ev;
	size_t n, cap;
};

static inline struct es_event *ev_push(struct ev_list *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->ev = realloc(l->ev, l->cap * sizeof(*l->ev));
		if (!l->ev)
			abort();
	}
	struct es_event *e = &l->ev[l->n++];
	memset(e, 0, sizeof(*e));
	return e;
}

static inline void test_flow_key(struct es_flow_key *k, uint8_t last_octet, uint16_t sport)
{
	memset(k, 0, sizeof(*k));
	k->family = 4;
	k->saddr[0] = 127, k->saddr[3] = last_octet;
	k->daddr[0] = 127, k->daddr[3] = 1;
	k->sport = sport;
	k->dport = 3305;
}

static inline void ev_segment(struct ev_list *l, const struct es_flow_key *k,
			      const uint8_t *p, size_t n, uint64_t off,
			      const struct es_seps *seps, uint8_t syntax)
{
	struct es_event *e = ev_push(l);
	e->type = ES_EV_SEGMENT;
	e->flow = *k;
	e->ts_ns = 1000000000ull + off;
	e->stream_off = off;
	e->seg_len = (uint32_t)n;
	e->data_len = (uint16_t)(n > ES_SEG_MAX ? ES_SEG_MAX : n);
	if (n > ES_SEG_MAX)
		e->flags |= ES_SEGF_TRUNCATED;
	e->syntax = syntax;
	e->dir = ES_DIR_TO_SERVER;
	e->seps = *seps;
	memcpy(e->data, p, e->data_len);
}

/* Separators of an X12 ISA found by counting element separators, which
 * also works when the fixed widths are wrong. */
static inline int isa_seps(const uint8_t *b, size_t n, struct es_seps *s)
{
	size_t count = 0;

	if (n < 4)
		return -1;
	memset(s, 0, sizeof(*s));
	s->element = b[3];
	for (size_t i = 3; i < n; i++) {
		if (b[i] != s->element)
			continue;
		if (++count == 16) {
			if (i + 2 >= n)
				return -1;
			s->component = b[i + 1];
			s->terminator = b[i + 2];
			return 0;
		}
		if (count == 11 && i + 1 < n && b[i + 1] != 'U')
			s->repetition = b[i + 1];
	}
	return -1;
}

/* Splits buf into segment events of flow k, starting at stream offset
 * base. Returns the number of segments. */
static inline size_t split_edi(struct ev_list *l, const struct es_flow_key *k,
			       const uint8_t *buf, size_t len, uint64_t base)
{
	size_t pos = 0, count = 0;
	struct es_seps seps = { 0 };
	uint8_t syntax = ES_SYNTAX_NONE;

	while (pos < len) {
		if (syntax == ES_SYNTAX_NONE) {
			/* Seek an interchange or a bare message header. */
			if (pos + 3 > len)
				break;
			if (!memcmp(buf + pos, "UNA", 3) && pos + 9 <= len) {
				const uint8_t *u = buf + pos + 3;
				seps = (struct es_seps){ .component = u[0], .element = u[1],
					.decimal = u[2], .release = u[3], .repetition = u[4],
					.terminator = u[5] };
				syntax = ES_SYNTAX_EDIFACT;
				ev_segment(l, k, buf + pos, 9, base + pos, &seps, syntax);
				pos += 9, count++;
				continue;
			}
			if ((!memcmp(buf + pos, "UNB", 3) || !memcmp(buf + pos, "UNH", 3)) &&
			    pos + 3 < len) {
				seps = (struct es_seps){ .component = ':', .element = buf[pos + 3],
					.decimal = '.', .release = '?', .repetition = '*',
					.terminator = '\'' };
				syntax = ES_SYNTAX_EDIFACT;
			} else if (!memcmp(buf + pos, "ISA", 3) &&
				   isa_seps(buf + pos, len - pos, &seps) == 0) {
				syntax = ES_SYNTAX_X12;
			} else {
				pos++;
				continue;
			}
		}
		while (pos < len && (buf[pos] == '\r' || buf[pos] == '\n'))
			pos++;
		if (pos >= len)
			break;
		size_t end = pos;
		while (end < len && buf[end] != seps.terminator) {
			if (seps.release && buf[end] == seps.release && end + 1 < len)
				end++;
			end++;
		}
		size_t n = end < len ? end + 1 - pos : len - pos;
		ev_segment(l, k, buf + pos, n, base + pos, &seps, syntax);
		count++;
		int last = (syntax == ES_SYNTAX_EDIFACT && !memcmp(buf + pos, "UNZ", 3)) ||
			   (syntax == ES_SYNTAX_X12 && !memcmp(buf + pos, "IEA", 3));
		pos += n;
		if (last)
			syntax = ES_SYNTAX_NONE;
	}
	return count;
}

/* ---- files ---------------------------------------------------------- */

/* Path of the shared samples folder: $EDI_SAMPLES when set, else
 * $ROOT/../shared/samples where ROOT is the repository root (tests run
 * from it or with ROOT set). NULL when absent. */
static inline const char *samples_dir(void)
{
	static char path[4096];
	const char *root = getenv("ROOT"), *dir = getenv("EDI_SAMPLES");
	struct stat st;

	if (dir)
		snprintf(path, sizeof(path), "%s", dir);
	else
		snprintf(path, sizeof(path), "%s/../shared/samples", root ? root : ".");
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return path;
	return NULL;
}

static inline uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

/* ---- collected records ------------------------------------------------- */

struct collected {
	Edisensor__V1__Message *msg[64];
	size_t n;
	size_t gaps;
};

/* The callback's message is only valid during the call: keep a copy by
 * packing and unpacking it (which also proves it serialises). */
static inline void collect_message(void *ctx, const Edisensor__V1__Message *m)
{
	struct collected *c = ctx;
	size_t len = edisensor__v1__message__get_packed_size(m);
	uint8_t *buf = malloc(len ? len : 1);

	if (!buf)
		abort();
	edisensor__v1__message__pack(m, buf);
	if (c->n < sizeof(c->msg) / sizeof(c->msg[0]))
		c->msg[c->n++] = edisensor__v1__message__unpack(NULL, len, buf);
	free(buf);
}

static inline void collect_gap(void *ctx, const Edisensor__V1__Gap *g)
{
	(void)g;
	((struct collected *)ctx)->gaps++;
}

static inline void collected_free(struct collected *c)
{
	for (size_t i = 0; i < c->n; i++)
		edisensor__v1__message__free_unpacked(c->msg[i], NULL);
	c->n = 0;
}

static inline void feed_all(struct assembler *a, const struct ev_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		assembler_feed(a, &l->ev[i], ES_EVENT_HDR_LEN + l->ev[i].data_len);
}

/* Runs one sample file through splitter + assembler + flush. Returns 0,
 * or -1 when the file cannot be read. */
static inline int run_sample(const char *name, struct collected *out)
{
	char path[4600];
	const char *dir = samples_dir();
	size_t len;
	uint8_t *buf;
	struct ev_list l = { 0 };
	struct es_flow_key k;
	struct assembler_opts o = { .interface = "replay", .on_gap = collect_gap };

	if (!dir)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf = read_file(path, &len);
	if (!buf)
		return -1;
	test_flow_key(&k, 2, 40000);
	split_edi(&l, &k, buf, len, 0);
	struct assembler *a = assembler_new(&o, collect_message, out);
	if (!a)
		abort();
	feed_all(a, &l);
	assembler_flush(a);
	assembler_free(a);
	free(l.ev);
	free(buf);
	return 0;
}

/* ---- lookups for assertions ----------------------------------------- */

static inline const Edisensor__V1__Party *find_party(const Edisensor__V1__Message *m,
						     const char *role, const char *name_or_id)
{
	for (size_t i = 0; i < m->n_parties; i++) {
		const Edisensor__V1__Party *p = m->parties[i];
		if (!strcmp(p->role, role) &&
		    (!strcmp(p->name, name_or_id) || !strcmp(p->id, name_or_id)))
			return p;
	}
	return NULL;
}

static inline int has_reference(const Edisensor__V1__Message *m, const char *q, const char *v)
{
	for (size_t i = 0; i < m->n_references; i++)
		if (!strcmp(m->references[i]->qualifier, q) && !strcmp(m->references[i]->value, v))
			return 1;
	return 0;
}

static inline const Edisensor__V1__Equipment *find_equipment(const Edisensor__V1__Message *m,
							     const char *number)
{
	for (size_t i = 0; i < m->n_equipment; i++)
		if (!strcmp(m->equipment[i]->number, number))
			return m->equipment[i];
	return NULL;
}

static inline int has_location(const Edisensor__V1__Message *m, const char *q, const char *code)
{
	for (size_t i = 0; i < m->n_locations; i++)
		if (!strcmp(m->locations[i]->qualifier, q) && !strcmp(m->locations[i]->locode, code))
			return 1;
	return 0;
}

static inline const Edisensor__V1__GoodsItem *find_goods_hs(const Edisensor__V1__Message *m,
							    const char *hs)
{
	for (size_t i = 0; i < m->n_goods; i++)
		if (!strcmp(m->goods[i]->hs_code, hs))
			return m->goods[i];
	return NULL;
}

static inline const Edisensor__V1__Transport *find_vessel(const Edisensor__V1__Message *m,
							   const char *name)
{
	for (size_t i = 0; i < m->n_transport; i++)
		if (!strcmp(m->transport[i]->vessel_name, name))
			return m->transport[i];
	return NULL;
}

static inline int has_finding(const Edisensor__V1__Message *m, const char *needle)
{
	for (size_t i = 0; i < m->integrity->n_findings; i++)
		if (strstr(m->integrity->findings[i], needle))
			return 1;
	return 0;
}

#endif
