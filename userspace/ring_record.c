#include <errno.h>
#include <string.h>
#include "ring_record.h"

void ring_reader_init(struct ring_reader *r, const void *data, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->p = data;
	r->left = len;
}

/* The items of a record of len bytes (its header excluded) at p fill it
 * exactly. */
static int items_fit(const unsigned char *p, size_t len, unsigned n_items)
{
	for (unsigned i = 0; i < n_items; i++) {
		struct es_rec_item it;
		size_t span;

		if (len < sizeof(it))
			return -EINVAL;
		memcpy(&it, p, sizeof(it));
		if (it.data_len > ES_SEG_MAX)
			return -EINVAL;
		span = ES_REC_ITEM_SPAN(it.data_len);
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
	if (h->n_items == 0 || h->len % 8 || h->len < sizeof(*h) + sizeof(struct es_rec_item) ||
	    h->len > left)
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
	if (items_fit(r->p + sizeof(h), h.len - sizeof(h), h.n_items))
		return -EINVAL;
	r->hdr = h;
	r->items_left = h.n_items;
	r->p += sizeof(h);
	r->left -= h.len;
	return 0;
}

/* An item of the open record (checked by open_record()) as an event. */
static size_t expand_item(const struct es_rec_hdr *h, const unsigned char *p,
			  struct es_event *ev)
{
	struct es_rec_item it;

	memcpy(&it, p, sizeof(it));
	memset(ev, 0, ES_EVENT_HDR_LEN);
	ev->ts_ns = h->ts_ns;
	ev->stream_off = h->base_off + it.off;
	ev->flow = h->flow;
	ev->ifindex = h->ifindex;
	ev->seg_len = it.seg_len;
	ev->aux = it.aux;
	ev->data_len = it.data_len;
	ev->flags = it.flags | h->flags;
	ev->type = it.type;
	ev->dir = h->dir;
	ev->hook = h->hook;
	if (it.type == ES_EV_SEGMENT) {
		ev->syntax = h->syntax;
		ev->seps = h->seps;
	}
	memcpy(ev->data, p + sizeof(it), it.data_len);
	return ES_REC_ITEM_SPAN(it.data_len);
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
	r->p += expand_item(&r->hdr, r->p, ev);
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
