/* What the EDIFACT and X12 builders share (interchange.h). */
#include <string.h>

#include "interchange.h"

int ichg_pick_type(struct rng *r, uint32_t mask, int n)
{
	int set[32], k = 0;

	for (int t = 0; t < n && t < 32; t++)
		if (mask & (1u << t))
			set[k++] = t;
	return k ? set[rng_below(r, (uint32_t)k)] : -1;
}

void ichg_message_begin(struct segw *w, struct msg_meta *m, enum meta_syntax syntax,
			const struct meta_envelope *env)
{
	memset(m, 0, sizeof(*m));
	m->syntax = syntax;
	m->env = *env;
	m->offset = w->b->len;
	w->segments = 0;
}

void ichg_message_end(struct segw *w, struct msg_meta *m, const char *trailer, const char *ref,
		      bool truncate, ichg_message_fn fn, void *ctx)
{
	if (truncate)
		m->truncated = true;
	else
		segw_trailer(w, trailer, w->segments + 1, ref);
	m->segment_count = w->segments;
	m->end = w->b->len;
	fn(ctx, m);
}
