#include "ediwrite.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ASCII fold of Latin-1 U+00C0..U+00FF. */
static const char latin1_fold[] = "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYTs"
				  "aaaaaaaceeeeiiiidnooooo/ouuuuyty";

static bool is_sep(const struct segw *w, char c)
{
	const struct edi_seps *s = &w->seps;

	if (c == s->component || c == s->element || c == s->terminator)
		return true;
	if (s->release && c == s->release)
		return true;
	return s->repetition != ' ' && c == s->repetition;
}

void segw_normalise(const struct segw *w, const char *in, char *out, size_t cap)
{
	const uint8_t *p = (const uint8_t *)in;
	bool ascii = w->x12 || w->cs == CS_UNOA || w->cs == CS_UNOB;
	size_t o = 0;

	if (!cap)
		return;
	while (*p && o + 3 < cap) {
		uint8_t c = *p;

		if (c >= 0x80) {
			/* Only 2-byte sequences C2/C3 (Latin-1) are generated. */
			unsigned cp = ((c & 0x1f) << 6) | (p[1] & 0x3f);

			if (!p[1])
				break;
			p += 2;
			if (!ascii) {
				out[o++] = (char)c;
				out[o++] = (char)p[-1];
				continue;
			}
			c = cp >= 0xc0 && cp <= 0xff ? (uint8_t)latin1_fold[cp - 0xc0] : '?';
		} else {
			p++;
		}
		if (w->cs == CS_UNOA && c >= 'a' && c <= 'z')
			c = (uint8_t)(c - 'a' + 'A');
		if (w->x12 && (is_sep(w, (char)c) || c == '\r' || c == '\n'))
			continue;
		out[o++] = (char)c;
	}
	out[o] = '\0';
}

void segw_tag(struct segw *w, const char *tag)
{
	ebuf_puts(w->b, tag);
	w->segments++;
}

static void put_text(struct segw *w, const char *norm)
{
	const uint8_t *p = (const uint8_t *)norm;

	while (*p) {
		uint8_t c = *p;

		if (c >= 0x80 && p[1]) {
			if (w->cs == CS_UNOC) {
				ebuf_putc(w->b, (uint8_t)(((c & 0x1f) << 6) | (p[1] & 0x3f)));
			} else {
				ebuf_putc(w->b, c);
				ebuf_putc(w->b, p[1]);
			}
			p += 2;
			continue;
		}
		if (!w->x12 && is_sep(w, (char)c))
			ebuf_putc(w->b, (uint8_t)w->seps.release);
		ebuf_putc(w->b, c);
		p++;
	}
}

static void put_value(struct segw *w, char sep, const char *v, char *out, size_t cap)
{
	char norm[256];

	segw_normalise(w, v, norm, sizeof(norm));
	ebuf_putc(w->b, (uint8_t)sep);
	put_text(w, norm);
	if (out && cap) {
		size_t n = strnlen(norm, cap - 1);

		memcpy(out, norm, n);
		out[n] = '\0';
	}
}

void segw_el_keep(struct segw *w, const char *v, char *out, size_t cap)
{
	put_value(w, w->seps.element, v, out, cap);
}

void segw_co_keep(struct segw *w, const char *v, char *out, size_t cap)
{
	put_value(w, w->seps.component, v, out, cap);
}

void segw_el(struct segw *w, const char *v)
{
	segw_el_keep(w, v, NULL, 0);
}

void segw_co(struct segw *w, const char *v)
{
	segw_co_keep(w, v, NULL, 0);
}

void segw_raw(struct segw *w, const char *v)
{
	ebuf_puts(w->b, v);
}

void segw_end(struct segw *w)
{
	ebuf_putc(w->b, (uint8_t)w->seps.terminator);
	ebuf_puts(w->b, w->seps.after);
}

void segw_trailer(struct segw *w, const char *tag, unsigned count, const char *ref)
{
	char cnt[12];

	snprintf(cnt, sizeof(cnt), "%u", count);
	segw_tag(w, tag);
	segw_el(w, cnt);
	segw_el(w, ref);
	segw_end(w);
}
