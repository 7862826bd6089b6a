#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
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

static int attach_clsact(struct attach_tc *a, int prog_fd)
{
	int err;

	a->tc_hook.sz = sizeof(a->tc_hook);
	a->tc_hook.ifindex = a->ifindex;
	a->tc_hook.attach_point = a->hook == ES_HOOK_TC_EGRESS ? BPF_TC_EGRESS : BPF_TC_INGRESS;
	err = bpf_tc_hook_create(&a->tc_hook);
	if (err && err != -EEXIST)
		return err;
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
	int err;

	if (hook != ES_HOOK_TC_INGRESS && hook != ES_HOOK_TC_EGRESS)
		return -EINVAL;
	if (strlen(ifname) >= IF_NAMESIZE || !if_nametoindex(ifname)) {
		snprintf(errbuf, errlen, "interface %s: no such interface", ifname);
		return -ENODEV;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
	a->ifindex = (int)if_nametoindex(ifname);
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
	if (err)
		return err == -ENOENT ? 0 : err;
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
