/* The live run's interfaces: every configured one at its XDP/tc hooks,
 * what the log says about how, detach at stop, and --detach for programs
 * a killed daemon left. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "attach.h"
#include "attach_tc.h"
#include "live_priv.h"
#include "log.h"
#include "netdev_driver.h"
#include "sensor_bpf.h"


void live_detach_all(struct live *l)
{
	for (size_t i = l->n_tcatt; i-- > 0;) {
		char name[64];
		int r;

		snprintf(name, sizeof(name), "%s %s", attach_tc_ifname(l->tcatt[i]),
			 attach_tc_hook_name(l->tcatt[i]));
		r = attach_tc_detach(l->tcatt[i]);
		if (r)
			log_warn("%s: detaching: %s (the filter keeps passing traffic)", name,
				 strerror(-r));
		else
			log_info("%s: detached", name);
	}
	l->n_tcatt = 0;
	for (size_t i = l->n_att; i-- > 0;) {
		const char *ifn = attach_ifname(l->att[i]);
		char name[64];
		int r;

		snprintf(name, sizeof(name), "%s", ifn);
		r = attach_detach(l->att[i]);
		if (r)
			log_warn("%s: detaching: %s (the program keeps passing traffic; "
				 "edisensord --detach removes it)", name, strerror(-r));
		else
			log_info("%s: detached", name);
	}
	l->n_att = 0;
}

/* How the program got there: the dispatcher, or alone and why. */
static const char *describe_attach(const struct attach *a, char *buf, size_t len)
{
	if (attach_is_dispatcher(a))
		snprintf(buf, len, "through libxdp's dispatcher (other XDP programs can share "
			 "the interface)");
	else if (strcmp(attach_backend(a), "libxdp"))
		snprintf(buf, len, "single program, through %s", attach_backend(a));
	else
		snprintf(buf, len, "single program through libxdp (its dispatcher is unavailable "
			 "here: the kernel refused freplace programs or bpffs is missing; see "
			 "libxdp's messages)");
	return buf;
}

/*
 * veth runs a native XDP program on a private copy of every skb that is
 * cloned, shared or non-linear, and TCP transmits clones: whatever the
 * program does, every TCP frame is copied (docs/VETH_BENCH.md). Tell the
 * operator once, with the hook that sees the same packets without a copy.
 */
static void note_veth(const char *ifn, const char *mode)
{
	char drv[64];

	if (strcmp(mode, "native") || netdev_driver(ifn, drv, sizeof(drv)) || strcmp(drv, "veth"))
		return;
	log_info("%s: veth: native XDP makes the driver copy every TCP frame; hook = tc-ingress "
		 "sees the same packets without the copy (docs/VETH_BENCH.md)", ifn);
}

static int attach_one_xdp(struct live *l, const char *ifn)
{
	unsigned int replaced;
	bool fell_back;
	char err[512], how[256];
	int r = attach_xdp(&l->att[l->n_att], sensor_bpf_prog_fd(l->bpf), ifn, l->cfg->xdp_mode,
			   &replaced, &fell_back, err, sizeof(err));

	if (r) {
		log_error("%s", err);
		return r;
	}
	if (replaced)
		log_warn("%s: replaced edisensor program id %u left by an earlier run "
			 "(killed daemon?)", ifn, replaced);
	if (fell_back)
		log_warn("%s: native XDP not supported by the driver: attached in generic "
			 "(skb) mode, which costs more CPU per packet", ifn);
	log_info("%s: attached in %s mode, %s", ifn, attach_mode_name(l->att[l->n_att]),
		 describe_attach(l->att[l->n_att], how, sizeof(how)));
	note_veth(ifn, attach_mode_name(l->att[l->n_att]));
	l->n_att++;
	return 0;
}

static int attach_one_tc(struct live *l, const char *ifn, enum es_hook hook)
{
	char err[512], how[128] = "";
	uint32_t handle, prio;
	int r = attach_tc(&l->tcatt[l->n_tcatt], sensor_bpf_tc_prog_fd(l->bpf, hook), ifn, hook,
			  ATTACH_TC_AUTO, err, sizeof(err));

	if (r) {
		log_error("%s", err);
		return r;
	}
	if (attach_tc_stale_removed(l->tcatt[l->n_tcatt]))
		log_warn("%s: removed %d edisensor tc filter(s) left by an earlier run (killed "
			 "daemon?)", ifn, attach_tc_stale_removed(l->tcatt[l->n_tcatt]));
	if (attach_tc_filter(l->tcatt[l->n_tcatt], &handle, &prio) == 0)
		snprintf(how, sizeof(how), " (cls_bpf filter handle %u priority %u; the kernel "
			 "has no tcx)", handle, prio);
	log_info("%s: attached at %s through %s%s (the XDP hook is left alone)", ifn,
		 attach_tc_hook_name(l->tcatt[l->n_tcatt]), attach_tc_backend(l->tcatt[l->n_tcatt]),
		 how);
	l->n_tcatt++;
	return 0;
}

/* Every interface at its hooks; on a failure, what was attached goes again. */
int live_attach_all(struct live *l)
{
	for (size_t i = 0; i < l->cfg->n_interfaces; i++) {
		const char *ifn = l->cfg->interfaces[i];
		unsigned hooks = config_iface_hooks(l->cfg, i);
		int r = 0;

		if (hooks & CONFIG_HOOK_XDP)
			r = attach_one_xdp(l, ifn);
		if (!r && (hooks & CONFIG_HOOK_TC_INGRESS))
			r = attach_one_tc(l, ifn, ES_HOOK_TC_INGRESS);
		if (!r && (hooks & CONFIG_HOOK_TC_EGRESS))
			r = attach_one_tc(l, ifn, ES_HOOK_TC_EGRESS);
		if (r) {
			live_detach_all(l);
			return r;
		}
	}
	return 0;
}

/* tc filters a killed daemon left (clsact; tcx links die with it). */
static int detach_stale_tc(const struct config *cfg, size_t i, int failed)
{
	static const enum es_hook hooks[] = { ES_HOOK_TC_INGRESS, ES_HOOK_TC_EGRESS };
	static const unsigned masks[] = { CONFIG_HOOK_TC_INGRESS, CONFIG_HOOK_TC_EGRESS };

	for (int h = 0; h < 2; h++) {
		char err[256];
		int r;

		if (!(config_iface_hooks(cfg, i) & masks[h]))
			continue;
		r = attach_tc_detach_stale(cfg->interfaces[i], hooks[h], err, sizeof(err));
		if (r < 0) {
			log_error("%s", err);
			failed = r;
		} else if (r > 0) {
			log_info("%s: removed %d stale edisensor tc filter(s) at %s", cfg->interfaces[i],
				 r, h ? "tc-egress" : "tc-ingress");
		}
	}
	return failed;
}

int live_detach_stale(const struct config *cfg)
{
	int failed = 0;

	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		char err[256];
		int r = attach_detach_stale(cfg->interfaces[i], err, sizeof(err));

		if (r < 0) {
			log_error("%s", err);
			failed = r;
		} else if (r > 0) {
			log_info("%s: removed a stale edisensor program", cfg->interfaces[i]);
		} else {
			log_info("%s: no edisensor program attached", cfg->interfaces[i]);
		}
		failed = detach_stale_tc(cfg, i, failed);
	}
	return failed;
}
