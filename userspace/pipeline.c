#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "config.h"
#include "event_print.h"
#include "pipeline.h"

struct pipeline {
	const struct config *cfg;
	struct pipeline_stats st;
};

int pipeline_new(struct pipeline **out, const struct config *cfg, char *errbuf, size_t errlen)
{
	struct pipeline *p = calloc(1, sizeof(*p));

	if (!p) {
		snprintf(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	p->cfg = cfg;
	*out = p;
	return 0;
}

int pipeline_event(struct pipeline *p, const struct es_event *ev, size_t len)
{
	if (len < ES_EVENT_HDR_LEN) {
		p->st.short_events++;
		return 0;
	}
	p->st.events++;
	if (p->cfg->debug_events)
		event_print(stderr, ev, len);
	switch (ev->type) {
	case ES_EV_SEGMENT:
		p->st.segments++;
		break;
	case ES_EV_GAP:
		p->st.gaps++;
		break;
	case ES_EV_FLOW_END:
		p->st.flow_ends++;
		break;
	}
	return 0;
}

int pipeline_flush(struct pipeline *p, int timeout_ms)
{
	(void)p;
	(void)timeout_ms;
	return 0;
}

void pipeline_stats(const struct pipeline *p, struct pipeline_stats *st)
{
	*st = p->st;
}

void pipeline_free(struct pipeline *p)
{
	free(p);
}
