/*
 * edisensord: the edisensor daemon. main() wires the modules in order and
 * tears them down in reverse: config -> BPF object -> (attach | replay)
 * -> ring buffer -> pipeline.
 */
#include <errno.h>
#include <net/if.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "config.h"
#include "live.h"
#include "metrics.h"
#include "counters.h"
#include "log.h"
#include "b64_body.h"
#include "pipeline.h"
#include "replay.h"
#include "sensor_bpf.h"

struct daemon {
	struct config cfg;
	struct sensor_bpf *bpf;
	struct ring_buffer *rb;
	struct pipeline *pipe;
};

static int on_event(void *ctx, void *data, size_t len)
{
	struct daemon *d = ctx;

	return pipeline_event(d->pipe, data, len);
}

static int setup_bpf(struct daemon *d)
{
	struct sensor_bpf_opts o = {
		.tap_mode = d->cfg.tap_mode,
		.max_flows = d->cfg.max_flows,
		.ringbuf_bytes = d->cfg.ringbuf_bytes,
		.seek_depth = d->cfg.seek_depth,
		.reorder_slots = d->cfg.reorder_slots,
		.reorder_off = d->cfg.reorder_slots == 0,
		.cidrs = d->cfg.cidrs,
		.n_cidrs = d->cfg.n_cidrs,
	};
	int err = sensor_bpf_open_load(&d->bpf, &o);

	if (err) {
		log_error("loading the BPF object failed: %s (root, or CAP_BPF, CAP_PERFMON and "
			  "CAP_NET_ADMIN, and Linux 6.9 or newer with BTF are needed)", strerror(-err));
		return err;
	}
	err = sensor_bpf_set_ports(d->bpf, d->cfg.ports, d->cfg.n_ports);
	if (!err)
		err = sensor_bpf_set_tags(d->bpf, d->cfg.tags, d->cfg.n_tags);
	if (err) {
		log_error("filling the BPF maps failed: %s", strerror(-err));
	}
	return err;
}

/* Base64 bodies decoded in userspace (b64_body.h), every way one ended. */
static void print_b64_summary(const struct b64_body_stats *b)
{
	if (!b)
		return;
	fprintf(stderr, "b64: items %llu bodies %llu ended_text %llu ended_cap %llu ended_gap %llu "
		"ended_flow %llu ended_lost %llu ended_evicted %llu ended_flush %llu orphan_items %llu "
		"text_bytes %llu decoded_bytes %llu invalid_chars %llu segments %llu "
		"offset_misses %llu nested %llu\n",
		(unsigned long long)b->items, (unsigned long long)b->bodies,
		(unsigned long long)b->ended_text, (unsigned long long)b->ended_cap,
		(unsigned long long)b->ended_gap, (unsigned long long)b->ended_flow,
		(unsigned long long)b->ended_lost, (unsigned long long)b->ended_evicted,
		(unsigned long long)b->ended_flush, (unsigned long long)b->orphan_items,
		(unsigned long long)b->text_bytes, (unsigned long long)b->decoded_bytes,
		(unsigned long long)b->invalid_chars, (unsigned long long)b->segments,
		(unsigned long long)b->offset_misses, (unsigned long long)b->nested);
}

static void print_summary(struct daemon *d, const struct replay_stats *st)
{
	struct es_counters c;
	struct pipeline_stats ps;

	fprintf(stderr, "replay: packets %llu run %llu runts %llu oversize %llu errors %llu\n",
		(unsigned long long)st->packets, (unsigned long long)st->runs,
		(unsigned long long)st->runts, (unsigned long long)st->oversize,
		(unsigned long long)st->run_errors);
	pipeline_stats(d->pipe, &ps);
	fprintf(stderr, "events: received %llu short %llu segments %llu gaps %llu flow_ends %llu\n",
		(unsigned long long)ps.events, (unsigned long long)ps.short_events,
		(unsigned long long)ps.segments, (unsigned long long)ps.gaps,
		(unsigned long long)ps.flow_ends);
	fprintf(stderr, "pipeline: messages %llu hits %llu matches %llu findings %llu "
		"records_out %llu output_errors %llu losses %llu\n",
		(unsigned long long)ps.messages, (unsigned long long)ps.hits,
		(unsigned long long)ps.matches, (unsigned long long)ps.findings,
		(unsigned long long)ps.records_out, (unsigned long long)ps.output_errors,
		(unsigned long long)ps.losses);
	print_b64_summary(pipeline_b64_stats(d->pipe));
	if (counters_read(sensor_bpf_counters_fd(d->bpf), &c) == 0) {
		fprintf(stderr, "counters:\n");
		counters_print(stderr, &c);
	}
}

/* Events the kernel could not put into the ring buffer become a Loss
 * record, so a consumer of the records sees them too. */
static void report_kernel_losses(struct daemon *d)
{
	struct es_counters c;

	if (counters_read(sensor_bpf_counters_fd(d->bpf), &c) == 0)
		pipeline_report_loss(d->pipe, "ringbuf", c.v[ES_CNT_RINGBUF_FULL],
				     "ring buffer full: kernel events lost");
}

static int run_replay(struct daemon *d)
{
	struct replay_stats st;
	char err[512] = "";
	int r;

	d->rb = ring_buffer__new(sensor_bpf_events_fd(d->bpf), on_event, d, NULL);
	if (!d->rb) {
		r = -errno;
		log_error("ring buffer: %s", strerror(-r));
		return r;
	}
	r = replay_pcap(d->bpf, d->rb, d->cfg.replay_path, &st, err, sizeof(err));

	if (r) {
		log_error("replay: %s", err);
		return r;
	}
	if (st.truncated)
		log_warn("replay: capture ends inside a record: %s", err);
	ring_buffer__consume(d->rb);
	report_kernel_losses(d);
	r = pipeline_flush(d->pipe, 30000);
	print_summary(d, &st);
	if (r)
		log_error("flushing outputs: %s", strerror(-r));
	return r;
}

static int setup_pipeline(struct daemon *d)
{
	char err[512] = "";
	int r = pipeline_new(&d->pipe, &d->cfg, err, sizeof(err));

	if (r)
		log_error("%s", err);
	return r;
}

static void teardown(struct daemon *d)
{
	ring_buffer__free(d->rb);
	pipeline_free(d->pipe);
	sensor_bpf_destroy(d->bpf);
}

/* --check-config: what start-up would refuse, without loading or attaching. */
static int check_config(const struct config *c)
{
	int bad = 0;

	for (size_t i = 0; i < c->n_feeds; i++)
		if (access(c->feeds[i], R_OK)) {
			log_error("feed %s: %s", c->feeds[i], strerror(errno));
			bad = 1;
		}
	for (size_t i = 0; i < c->n_interfaces; i++)
		if (!if_nametoindex(c->interfaces[i])) {
			log_error("interface %s: no such interface here", c->interfaces[i]);
			bad = 1;
		}
	if (!bad) {
		config_print(stdout, c);
		printf("; configuration OK\n");
	}
	return bad;
}

static int print_stats(const struct config *c)
{
	char err[512];
	const char *addr = c->metrics_addr ? c->metrics_addr : CONFIG_DEFAULT_METRICS;

	if (metrics_fetch(addr, stdout, err, sizeof(err))) {
		fprintf(stderr, "edisensord: %s\n", err);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct daemon d;
	char err[512];
	int r;

	r = config_load(&d.cfg, argc, argv, err, sizeof(err));
	if (r) {
		config_free(&d.cfg);
		if (r > 0)
			return 0;
		fprintf(stderr, "edisensord: %s\n", err);
		return 2;
	}
	log_set_level(d.cfg.verbosity ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	log_route_libbpf();
	switch (d.cfg.action) {
	case CONFIG_CHECK:
		r = check_config(&d.cfg);
		config_free(&d.cfg);
		return r ? 2 : 0;
	case CONFIG_STATS:
		r = print_stats(&d.cfg);
		config_free(&d.cfg);
		return r;
	case CONFIG_DETACH:
		r = live_detach_stale(&d.cfg);
		config_free(&d.cfg);
		return r ? 1 : 0;
	case CONFIG_RUN:
		break;
	}
	r = setup_pipeline(&d);
	if (!r)
		r = setup_bpf(&d);
	if (!r && d.cfg.replay_path)
		r = run_replay(&d);
	else if (!r)
		r = live_run(&d.cfg, d.bpf, d.pipe, argc, argv, NULL);
	teardown(&d);
	config_free(&d.cfg);
	return r ? 1 : 0;
}
