#include <arpa/inet.h>
#include <sys/socket.h>
#include "event_print.h"

void flow_key_format(const struct es_flow_key *k, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int af = k->family == 6 ? AF_INET6 : AF_INET;

	inet_ntop(af, k->saddr, s, sizeof(s));
	inet_ntop(af, k->daddr, d, sizeof(d));
	if (af == AF_INET6)
		snprintf(buf, len, "[%s]:%u > [%s]:%u", s, k->sport, d, k->dport);
	else
		snprintf(buf, len, "%s:%u > %s:%u", s, k->sport, d, k->dport);
}

static void print_escaped(FILE *f, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
}

void event_print(FILE *f, const struct es_event *ev, size_t len)
{
	static const char *const types[] = { "?", "segment", "gap", "flow_end", "b64" };
	char flow[128];

	if (len < ES_EVENT_HDR_LEN) {
		fprintf(f, "event: short record (%zu bytes)\n", len);
		return;
	}
	flow_key_format(&ev->flow, flow, sizeof(flow));
	fprintf(f, "event: %s %s dir=%u off=%llu", ev->type <= ES_EV_B64 ? types[ev->type] : "?",
		flow, ev->dir, (unsigned long long)ev->stream_off);
	if (ev->type == ES_EV_SEGMENT || ev->type == ES_EV_B64) {
		size_t n = ev->data_len;

		if (n > len - ES_EVENT_HDR_LEN)
			n = len - ES_EVENT_HDR_LEN;
		if (ev->type == ES_EV_SEGMENT)
			fprintf(f, " syntax=%u flags=0x%x len=%u \"", ev->syntax, ev->flags,
				ev->seg_len);
		else   /* seg_len: the body's text before it; aux: start, end */
			fprintf(f, " aux=%u flags=0x%x body_off=%u \"", ev->aux, ev->flags,
				ev->seg_len);
		print_escaped(f, ev->data, n);
		fputc('"', f);
	} else {
		fprintf(f, " aux=%u", ev->aux);
	}
	fputc('\n', f);
}
