#include <errno.h>
#include <string.h>
#include "ring_record.h"

void ring_reader_init(struct ring_reader *r, const void *data, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->p = data;
	r->left = len;
}

/* Bytes of a record's chunk with its padding (64-bit: chunk_len is the
 * writer's word). */
static uint64_t chunk_span(const struct es_rec_hdr *h)
{
	return ((uint64_t)h->chunk_len + 7) & ~(uint64_t)7;
}

/* An item's bytes in the record: the item (short or whole), and its data
 * unless they are in the chunk. */
static size_t item_span(const struct es_rec_item *it)
{
	if (it->flags & ES_ITEMF_SHORT)
		return ES_REC_ITEM_SHORT;
	return (it->flags & ES_ITEMF_CHUNK) ? sizeof(*it) : ES_REC_ITEM_SPAN(it->data_len);
}

/* The item at p, len bytes from p on: a short one's fields filled in. */
static int item_read(const unsigned char *p, size_t len, struct es_rec_item *it)
{
	if (len < ES_REC_ITEM_SHORT)
		return -EINVAL;
	memcpy(it, p, ES_REC_ITEM_SHORT);
	if (it->flags & ES_ITEMF_SHORT) {
		if (!(it->flags & ES_ITEMF_CHUNK))
			return -EINVAL;
		it->seg_len = it->data_len;
		it->aux = 0;
		return 0;
	}
	if (len < sizeof(*it))
		return -EINVAL;
	memcpy(it, p, sizeof(*it));
	return 0;
}

/* The items of record h, len bytes at p (after its header and chunk), fill
 * it exactly; an item's data in the chunk lie inside it. */
static int items_fit(const struct es_rec_hdr *h, const unsigned char *p, size_t len)
{
	for (unsigned i = 0; i < h->n_items; i++) {
		struct es_rec_item it;
		size_t span;

		if (item_read(p, len, &it))
			return -EINVAL;
		if (it.data_len > ES_SEG_MAX)
			return -EINVAL;
		if ((it.flags & ES_ITEMF_CHUNK) &&
		    (it.off < h->chunk_off ||
		     (uint64_t)(it.off - h->chunk_off) + it.data_len > h->chunk_len))
			return -EINVAL;
		span = item_span(&it);
		if (span > len)
			return -EINVAL;
		p += span;
		len -= span;
	}
	return len ? -EINVAL : 0;
}

/* The header of a record at p with left bytes from p on, its length within
 * them. */
static int read_header(const unsigned char *p, size_t left, struct es_rec_hdr *h)
{
	if (left < sizeof(*h))
		return -EINVAL;
	memcpy(h, p, sizeof(*h));
	if (h->version != ES_REC_VERSION)
		return -EPROTO;
	/* the writer never closes a record without items */
	if (h->n_items == 0 || h->len % 8 ||
	    h->len < sizeof(*h) + chunk_span(h) + ES_REC_ITEM_SHORT || h->len > left)
		return -EINVAL;
	return 0;
}

/* Takes the record at r->p, checked whole. */
static int open_record(struct ring_reader *r)
{
	struct es_rec_hdr h;
	int err = read_header(r->p, r->left, &h);

	if (err)
		return err;
	if (items_fit(&h, r->p + sizeof(h) + chunk_span(&h), h.len - sizeof(h) - chunk_span(&h)))
		return -EINVAL;
	r->hdr = h;
	r->items_left = h.n_items;
	r->chunk = r->p + sizeof(h);
	r->p += sizeof(h) + chunk_span(&h);
	r->left -= h.len;
	return 0;
}

/* An item of the open record (checked by open_record()) as an event. */
static size_t expand_item(const struct ring_reader *r, const unsigned char *p,
			  struct es_event *ev)
{
	const struct es_rec_hdr *h = &r->hdr;
	struct es_rec_item it = { 0 };

	/* checked whole: a short item's 8 bytes, another's 16 are there */
	(void)item_read(p, sizeof(it), &it);
	memset(ev, 0, ES_EVENT_HDR_LEN);
	ev->ts_ns = h->ts_ns;
	ev->stream_off = h->base_off + it.off;
	ev->flow = h->flow;
	ev->ifindex = h->ifindex;
	ev->seg_len = it.seg_len;
	ev->aux = it.aux;
	ev->data_len = it.data_len;
	ev->flags = (it.flags & ~(ES_ITEMF_CHUNK | ES_ITEMF_SHORT)) | h->flags;
	ev->type = it.type;
	ev->dir = h->dir;
	ev->hook = h->hook;
	if (it.type == ES_EV_SEGMENT) {
		ev->syntax = h->syntax;
		ev->seps = h->seps;
	}
	if (it.flags & ES_ITEMF_CHUNK)
		memcpy(ev->data, r->chunk + (it.off - h->chunk_off), it.data_len);
	else
		memcpy(ev->data, p + sizeof(it), it.data_len);
	return item_span(&it);
}

int ring_reader_next(struct ring_reader *r, struct es_event *ev)
{
	if (r->err)
		return r->err;
	if (!r->items_left) {
		if (!r->left)
			return 0;
		r->err = open_record(r);
		if (r->err)
			return r->err;
	}
	r->p += expand_item(r, r->p, ev);
	r->items_left--;
	return (int)(ES_EVENT_HDR_LEN + ev->data_len);
}

uint64_t ring_output_events(const void *data, size_t len)
{
	const unsigned char *p = data;
	struct es_rec_hdr h;
	uint64_t n = 0;

	while (len && read_header(p, len, &h) == 0) {
		n += h.n_items;
		p += h.len;
		len -= h.len;
	}
	return n;
}
