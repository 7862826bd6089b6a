/* Splits a segment into values in one pass: raw bytes of a value are
 * collected with release characters resolved, then converted to UTF-8. */
#include "edi_decode.h"

#include <errno.h>
#include <string.h>

static size_t skip_line_breaks(const uint8_t *d, size_t len)
{
	size_t i = 0;
	while (i < len && (d[i] == '\r' || d[i] == '\n'))
		i++;
	return i;
}

size_t edi_peek_tag(const uint8_t *data, size_t len, uint8_t element_sep,
		    uint8_t terminator, char *tag)
{
	size_t i = skip_line_breaks(data, len), n = 0;

	while (i < len && data[i] != element_sep && data[i] != terminator &&
	       n < EDI_TAG_MAX) {
		uint8_t c = data[i++];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (c >= 'a' && c <= 'z')))
			break;
		tag[n++] = (char)c;
	}
	tag[n] = '\0';
	return n;
}

struct splitter {
	struct edi_segment *s;
	uint8_t raw[ES_SEG_MAX + 1];
	size_t raw_len;
	uint8_t raw_or;             /* OR of the raw bytes: below 0x80 means ASCII */
	size_t text_len;
	uint16_t elem, rep, comp;
	const struct edi_syntax *syn;
};

/* Ends the value in progress: converts it and records where it sits. */
static void end_value(struct splitter *sp)
{
	struct edi_segment *s = sp->s;
	size_t room = sizeof(s->text) - sp->text_len;

	if (s->n_values >= EDI_MAX_VALUES || sp->elem > EDI_MAX_ELEMS || room < 1) {
		s->overflow = true;
		sp->raw_len = 0;
		sp->raw_or = 0;
		return;
	}
	struct edi_value *v = &s->v[s->n_values++];
	v->elem = sp->elem;
	v->rep = sp->rep;
	v->comp = sp->comp;
	v->off = (uint16_t)sp->text_len;
	if (sp->raw_or < 0x80 && sp->raw_len < room) {
		/* ASCII is the same in every supported character set: most
		 * values are short, so the call and its checks cost more than
		 * the copy. */
		memcpy(s->text + sp->text_len, sp->raw, sp->raw_len);
		s->text[sp->text_len + sp->raw_len] = '\0';
		sp->text_len += sp->raw_len + 1;
	} else {
		sp->text_len += charset_to_utf8(sp->syn->cs, sp->raw, sp->raw_len,
						s->text + sp->text_len, room,
						&s->replaced) + 1;
	}
	sp->raw_len = 0;
	sp->raw_or = 0;
}

/* Bytes that end or change a value: one bit per byte value. */
struct special {
	uint64_t bits[4];
};

static void special_add(struct special *sp, uint8_t c)
{
	sp->bits[c >> 6] |= 1ull << (c & 63);
}

static bool is_special(const struct special *sp, uint8_t c)
{
	return (sp->bits[c >> 6] >> (c & 63)) & 1;
}

/* Copies the run of ordinary bytes from data[i] on into the value in
 * progress; returns the index of the first byte that is not ordinary. */
static size_t copy_run(struct splitter *sp, const struct special *spc, const uint8_t *data,
		       size_t i, size_t len)
{
	size_t j = i, room = ES_SEG_MAX - sp->raw_len, n;
	uint8_t any = 0;

	while (j < len && !is_special(spc, data[j]))
		any |= data[j++];
	sp->raw_or |= any;
	n = j - i < room ? j - i : room;
	memcpy(sp->raw + sp->raw_len, data + i, n);
	sp->raw_len += n;
	return j;
}

static void start_element(struct splitter *sp)
{
	sp->elem++;
	sp->rep = 0;
	sp->comp = 1;
	if (sp->elem <= EDI_MAX_ELEMS)
		sp->s->elem_first[sp->elem] = (uint16_t)sp->s->n_values;
}

int edi_decode_segment(const uint8_t *data, size_t len,
		       const struct edi_syntax *syn, struct edi_segment *out)
{
	const struct es_seps *sep = &syn->seps;
	struct splitter sp;   /* raw[] is written before it is read: not cleared */
	struct special spc = { { 0 } };
	size_t i, tag_len;
	bool split_comps, split_reps;
	uint8_t release;

	sp.s = out;
	sp.syn = syn;
	sp.raw_len = sp.text_len = 0;
	sp.raw_or = 0;
	sp.elem = sp.rep = sp.comp = 0;
	out->n_elems = 0;
	out->n_values = 0;
	out->overflow = false;
	out->replaced = 0;
	tag_len = edi_peek_tag(data, len, sep->element, sep->terminator, out->tag);
	if (tag_len == 0)
		return -EINVAL;
	i = skip_line_breaks(data, len) + tag_len;
	if (len > ES_SEG_MAX + 64)     /* callers pass event data: bounded */
		len = ES_SEG_MAX + 64;

	/* ISA16 and the UNA advice are separator characters written as data. */
	bool una = tag_len == 3 && !memcmp(out->tag, "UNA", 3);
	split_comps = !una && !(tag_len == 3 && !memcmp(out->tag, "ISA", 3));
	split_reps = split_comps && syn->use_repetition && sep->repetition &&
		     sep->repetition != ' ';
	release = una ? 0 : sep->release;
	/* elem_first[] needs no clearing: lookups stop at n_elems, and every
	 * element up to n_elems + 1 is written below. */

	if (i >= len || data[i] != sep->element)
		goto done;
	i++;
	start_element(&sp);
	special_add(&spc, sep->terminator);
	special_add(&spc, sep->element);
	special_add(&spc, '\r');
	if (release)
		special_add(&spc, release);
	if (split_comps)
		special_add(&spc, sep->component);
	if (split_reps)
		special_add(&spc, sep->repetition);
	for (; i < len; i++) {
		uint8_t c = data[i];

		if (!is_special(&spc, c)) {
			i = copy_run(&sp, &spc, data, i, len) - 1;
			continue;
		}

		if (release && c == release) {
			if (i + 1 < len)
				i++;
			if (sp.raw_len < ES_SEG_MAX)
				sp.raw[sp.raw_len++] = data[i];
			sp.raw_or |= data[i];
			continue;
		}
		if (c == sep->terminator)
			break;
		if (c == '\r' && i + 1 < len && data[i + 1] == sep->terminator)
			continue;   /* CR LF where LF is the terminator */
		if (c == sep->element) {
			end_value(&sp);
			start_element(&sp);
		} else if (split_comps && c == sep->component) {
			end_value(&sp);
			sp.comp++;
		} else if (split_reps && c == sep->repetition) {
			end_value(&sp);
			sp.rep++;
			sp.comp = 1;
		} else if (sp.raw_len < ES_SEG_MAX) {
			sp.raw[sp.raw_len++] = c;
			sp.raw_or |= c;
		}
	}
	end_value(&sp);
	out->n_elems = sp.elem > EDI_MAX_ELEMS ? EDI_MAX_ELEMS : sp.elem;
	if (sp.elem > EDI_MAX_ELEMS)
		out->overflow = true;
done:
	out->elem_first[out->n_elems + 1] = (uint16_t)out->n_values;
	return 0;
}

const char *edi_value_rep(const struct edi_segment *s, unsigned elem,
			  unsigned rep, unsigned comp)
{
	if (elem == 0 || elem > s->n_elems)
		return "";
	for (unsigned k = s->elem_first[elem]; k < s->n_values; k++) {
		const struct edi_value *v = &s->v[k];
		if (v->elem != elem)
			break;
		if (v->rep == rep && v->comp == comp)
			return s->text + v->off;
	}
	return "";
}

const char *edi_value(const struct edi_segment *s, unsigned elem, unsigned comp)
{
	return edi_value_rep(s, elem, 0, comp);
}

bool edi_element_has_value(const struct edi_segment *s, unsigned elem)
{
	if (elem == 0 || elem > s->n_elems)
		return false;
	for (unsigned k = s->elem_first[elem]; k < s->n_values && s->v[k].elem == elem; k++)
		if (s->v[k].rep == 0 && s->text[s->v[k].off] != '\0')
			return true;
	return false;
}

unsigned edi_repetitions(const struct edi_segment *s, unsigned elem)
{
	unsigned reps = 0;

	if (elem == 0 || elem > s->n_elems)
		return 0;
	for (unsigned k = s->elem_first[elem]; k < s->n_values; k++) {
		if (s->v[k].elem != elem)
			break;
		if (s->v[k].rep + 1u > reps)
			reps = s->v[k].rep + 1u;
	}
	return reps;
}

size_t edi_join_components(const struct edi_segment *s, unsigned elem,
			   const char *sep, char *buf, size_t cap)
{
	size_t n = 0, sep_len = strlen(sep);

	if (cap == 0)
		return 0;
	buf[0] = '\0';
	if (elem == 0 || elem > s->n_elems)
		return 0;
	for (unsigned k = s->elem_first[elem]; k < s->n_values; k++) {
		const struct edi_value *v = &s->v[k];
		const char *t = s->text + v->off;
		size_t tl = strlen(t);

		if (v->elem != elem)
			break;
		if (v->rep != 0 || tl == 0)
			continue;
		if (n > 0) {
			if (n + sep_len >= cap)
				break;
			memcpy(buf + n, sep, sep_len);
			n += sep_len;
		}
		if (n + tl >= cap)
			tl = cap - 1 - n;
		memcpy(buf + n, t, tl);
		n += tl;
	}
	buf[n] = '\0';
	return n;
}

size_t edi_segment_text(const uint8_t *data, size_t len,
			const struct edi_syntax *syn, char *out, size_t cap)
{
	size_t i = skip_line_breaks(data, len), end = len;

	while (end > i && (data[end - 1] == '\r' || data[end - 1] == '\n'))
		end--;
	/* Drop the terminator unless the release character escapes it. */
	if (end > i && data[end - 1] == syn->seps.terminator) {
		size_t rel = 0;
		while (syn->seps.release && end - 1 - rel > i &&
		       data[end - 2 - rel] == syn->seps.release)
			rel++;
		if (rel % 2 == 0)
			end--;
	}
	return charset_to_utf8(syn->cs, data + i, end - i, out, cap, NULL);
}
