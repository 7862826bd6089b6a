#include <errno.h>
#include <stdbool.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach_common.h"
#include "attach_tc.h"

/* The UAPI headers of Debian 12 and libbpf 1.1 predate tcx (Linux 6.6):
 * its attach types by number, as enum bpf_attach_type defines them. */
#define ES_BPF_TCX_INGRESS 46
#define ES_BPF_TCX_EGRESS 47

struct attach_tc {
	char ifname[IF_NAMESIZE];
	int ifindex;
	enum es_hook hook;
	int link_fd;                   /* tcx: the link; -1 with clsact */
	struct bpf_tc_hook tc_hook;    /* clsact */
	struct bpf_tc_opts tc_opts;    /* clsact: handle and priority the kernel gave */
	unsigned int prog_id;
	int stale_removed;             /* clsact: filters of earlier runs removed */
};

static unsigned int prog_id_of(int fd)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static int attach_tcx(struct attach_tc *a, int prog_fd)
{
	int type = a->hook == ES_HOOK_TC_EGRESS ? ES_BPF_TCX_EGRESS : ES_BPF_TCX_INGRESS;
	int fd = bpf_link_create(prog_fd, a->ifindex, (enum bpf_attach_type)type, NULL);

	if (fd < 0)
		return fd;
	a->link_fd = fd;
	return 0;
}

/* Handles the kernel hands out to filters added with handle 0 start at 1,
 * and each start removes the previous run's filter before adding its own:
 * the search stops at the first handle with no filter (each miss costs a
 * kernel message in the log), at most this many. */
#define STALE_HANDLES 16

static bool is_ours(unsigned int prog_id)
{
	char name[BPF_OBJ_NAME_LEN];

	attach_prog_name(prog_id, name, sizeof(name));
	return !strcmp(name, "edisensor_tc_in") || !strcmp(name, "edisensor_tc_eg");
}

static int remove_stale(const struct bpf_tc_hook *h)
{
	int removed = 0;

	for (__u32 handle = 1; handle <= STALE_HANDLES; handle++) {
		struct bpf_tc_opts q = { .sz = sizeof(q), .handle = handle, .priority = 1 };
		int err = bpf_tc_query(h, &q);

		if (err)
			break;
		if (!is_ours(q.prog_id))
			continue;
		q.prog_id = 0;
		err = bpf_tc_detach(h, &q);
		if (err)
			return err;
		removed++;
	}
	return removed;
}

static void tc_hook_init(struct bpf_tc_hook *h, int ifindex, enum es_hook hook)
{
	memset(h, 0, sizeof(*h));
	h->sz = sizeof(*h);
	h->ifindex = ifindex;
	h->attach_point = hook == ES_HOOK_TC_EGRESS ? BPF_TC_EGRESS : BPF_TC_INGRESS;
}

int attach_tc_detach_stale(const char *ifname, enum es_hook hook, char *errbuf, size_t errlen)
{
	struct bpf_tc_hook h;
	int ifindex = attach_lookup_ifindex(ifname, errbuf, errlen);
	int r;

	if (ifindex < 0)
		return ifindex;
	tc_hook_init(&h, ifindex, hook);
	r = remove_stale(&h);
	if (r < 0)
		snprintf(errbuf, errlen, "interface %s: removing stale edisensor tc filters: %s",
			 ifname, strerror(-r));
	return r;
}

static int attach_clsact(struct attach_tc *a, int prog_fd)
{
	int err;

	tc_hook_init(&a->tc_hook, a->ifindex, a->hook);
	err = bpf_tc_hook_create(&a->tc_hook);
	if (err && err != -EEXIST)
		return err;
	err = remove_stale(&a->tc_hook);   /* a killed daemon's: both would scan */
	if (err < 0)
		return err;
	a->stale_removed = err;
	/* Priority 1, the head of the chain: ours sees every packet and passes
	 * it on (TC_ACT_UNSPEC) to the filters after it. Where that priority
	 * holds a filter of another kind or protocol, the kernel's pick
	 * (after the existing ones: a filter there that ends the chain hides
	 * packets from edisensor, never the other way round). Never
	 * BPF_TC_F_REPLACE; handle 0: the kernel picks a free one. */
	for (__u32 prio = 1;; prio = 0) {
		memset(&a->tc_opts, 0, sizeof(a->tc_opts));
		a->tc_opts.sz = sizeof(a->tc_opts);
		a->tc_opts.prog_fd = prog_fd;
		a->tc_opts.priority = prio;
		err = bpf_tc_attach(&a->tc_hook, &a->tc_opts);
		if (!err || !prio)
			return err;
	}
}

int attach_tc(struct attach_tc **out, int prog_fd, const char *ifname, enum es_hook hook,
	      enum attach_tc_backend backend, char *errbuf, size_t errlen)
{
	struct attach_tc *a;
	int ifindex, err;

	if (hook != ES_HOOK_TC_INGRESS && hook != ES_HOOK_TC_EGRESS)
		return -EINVAL;
	ifindex = attach_lookup_ifindex(ifname, errbuf, errlen);
	if (ifindex < 0)
		return ifindex;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
	a->ifindex = ifindex;
	a->hook = hook;
	a->link_fd = -1;
	a->prog_id = prog_id_of(prog_fd);
	if (backend == ATTACH_TC_AUTO) {
		err = attach_tcx(a, prog_fd);
		if (!err) {
			*out = a;
			return 0;
		}
		/* EINVAL: a kernel without tcx links. Anything else (permissions,
		 * no such device) would fail the same way with clsact. */
		if (err != -EINVAL) {
			snprintf(errbuf, errlen, "interface %s: attaching the %s program (tcx): %s",
				 ifname, attach_tc_hook_name(a), strerror(-err));
			free(a);
			return err;
		}
	}
	err = attach_clsact(a, prog_fd);
	if (err) {
		snprintf(errbuf, errlen, "interface %s: attaching the %s program (clsact%s): %s",
			 ifname, attach_tc_hook_name(a),
			 backend == ATTACH_TC_AUTO ? ", the kernel has no tcx" : "", strerror(-err));
		free(a);
		return err;
	}
	*out = a;
	return 0;
}

/* clsact: only the filter the kernel gave us, and only while it still runs
 * our program (someone may have replaced it since). */
static int detach_clsact(struct attach_tc *a)
{
	struct bpf_tc_opts q;
	int err;

	memset(&q, 0, sizeof(q));
	q.sz = sizeof(q);
	q.handle = a->tc_opts.handle;
	q.priority = a->tc_opts.priority;
	err = bpf_tc_query(&a->tc_hook, &q);
	if (err)   /* no such filter (ENOENT) or no such priority left (EINVAL): gone */
		return err == -ENOENT || err == -EINVAL ? 0 : err;
	if (q.prog_id != a->prog_id)
		return 0;
	q.prog_id = 0;
	q.prog_fd = 0;
	q.flags = 0;
	return bpf_tc_detach(&a->tc_hook, &q);
}

int attach_tc_detach(struct attach_tc *a)
{
	int err = 0;

	if (!a)
		return 0;
	if (a->link_fd >= 0) {
		/* bpf_link_detach first: the program goes even if the fd leaked */
		if (bpf_link_detach(a->link_fd))
			err = -errno;
		close(a->link_fd);
	} else {
		err = detach_clsact(a);
	}
	free(a);
	return err;
}

const char *attach_tc_ifname(const struct attach_tc *a)
{
	return a->ifname;
}

const char *attach_tc_backend(const struct attach_tc *a)
{
	return a->link_fd >= 0 ? "tcx" : "clsact";
}

int attach_tc_stale_removed(const struct attach_tc *a)
{
	return a->stale_removed;
}

int attach_tc_filter(const struct attach_tc *a, uint32_t *handle, uint32_t *priority)
{
	if (a->link_fd >= 0)
		return -ENOENT;
	*handle = a->tc_opts.handle;
	*priority = a->tc_opts.priority;
	return 0;
}

const char *attach_tc_hook_name(const struct attach_tc *a)
{
	return a->hook == ES_HOOK_TC_EGRESS ? "tc-egress" : "tc-ingress";
}
