#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/if_link.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "attach.h"
#include "attach_common.h"

/* libxdp's dispatcher program, as the kernel names it. */
#define DISPATCHER_NAME "xdp_dispatcher"

/* What is already attached to an interface (any XDP mode). */
struct attach_existing {
	unsigned int prog_id;          /* 0: nothing */
	char name[64];                 /* "" when it cannot be read (no CAP_SYS_ADMIN) */
	const char *mode;              /* "native", "generic", "offload" */
	bool dispatcher;               /* libxdp's dispatcher (programs can be added) */
	bool ours;                     /* edisensor's program, left by an earlier run */
};

struct attach {
	char ifname[IF_NAMESIZE];
	int ifindex;
	int prog_fd;
	struct xdp_program *prog;
	enum xdp_attach_mode mode;
	bool dispatcher;
	const char *backend;           /* "libxdp" or why libbpf's netlink call was used */
};

static const char *xdp_mode_name(enum xdp_attach_mode m)
{
	switch (m) {
	case XDP_MODE_NATIVE:
		return "native";
	case XDP_MODE_SKB:
		return "generic";
	case XDP_MODE_HW:
		return "offload";
	default:
		return "unknown";
	}
}

static __u32 mode_flags(enum xdp_attach_mode m)
{
	switch (m) {
	case XDP_MODE_NATIVE:
		return XDP_FLAGS_DRV_MODE;
	case XDP_MODE_SKB:
		return XDP_FLAGS_SKB_MODE;
	case XDP_MODE_HW:
		return XDP_FLAGS_HW_MODE;
	default:
		return 0;
	}
}

static int query_ifindex(int ifindex, struct attach_existing *ex, enum xdp_attach_mode *mode)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int err;

	memset(ex, 0, sizeof(*ex));
	ex->mode = "";
	err = bpf_xdp_query(ifindex, 0, &q);
	if (err)
		return err;
	if (q.drv_prog_id) {
		ex->prog_id = q.drv_prog_id;
		*mode = XDP_MODE_NATIVE;
	} else if (q.skb_prog_id) {
		ex->prog_id = q.skb_prog_id;
		*mode = XDP_MODE_SKB;
	} else if (q.hw_prog_id) {
		ex->prog_id = q.hw_prog_id;
		*mode = XDP_MODE_HW;
	} else {
		return 0;
	}
	ex->mode = xdp_mode_name(*mode);
	attach_prog_name(ex->prog_id, ex->name, sizeof(ex->name));
	ex->dispatcher = !strcmp(ex->name, DISPATCHER_NAME);
	ex->ours = !strcmp(ex->name, ATTACH_PROG_NAME);
	return 0;
}

/* Removes our own program left by an earlier run. XDP_FLAGS_REPLACE with
 * the old fd makes the kernel refuse if something else got there first. */
static int detach_id(int ifindex, unsigned int id, enum xdp_attach_mode mode)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o);
	int fd = bpf_prog_get_fd_by_id(id);
	int err;

	if (fd < 0)
		return -errno;
	o.old_prog_fd = fd;
	err = bpf_xdp_detach(ifindex, mode_flags(mode) | XDP_FLAGS_REPLACE, &o);
	close(fd);
	return err;
}

static int refuse_foreign(const char *ifname, const struct attach_existing *ex,
			  char *errbuf, size_t errlen)
{
	snprintf(errbuf, errlen,
		 "interface %s already has an XDP program edisensor did not load: '%s' "
		 "(id %u, %s mode); it stays attached. Remove it yourself (xdp-loader unload "
		 "%s --all, or ip link set dev %s xdp off) or load it through libxdp so both "
		 "can share the interface", ifname, ex->name[0] ? ex->name : "name unreadable without CAP_SYS_ADMIN",
		 ex->prog_id, ex->mode, ifname, ifname);
	return -EBUSY;
}

static bool have_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[CAP_SYS_ADMIN >> 5].effective & (1u << (CAP_SYS_ADMIN & 31));
}

/*
 * libxdp describes a loaded program by reading its BTF by id, which the
 * kernel allows only with CAP_SYS_ADMIN; without it libxdp 1.3 keeps a
 * half-filled program and crashes attaching it. The hardened service has
 * no CAP_SYS_ADMIN (and without it the dispatcher cannot work either), so
 * there the program is attached with libbpf's netlink call and
 * XDP_FLAGS_UPDATE_IF_NOEXIST: the same single-program attachment libxdp
 * falls back to, equally unable to evict anything.
 */
static int open_program(struct attach *a, int prog_fd)
{
	int err;

	a->prog_fd = prog_fd;
	if (!have_cap_sys_admin()) {
		a->backend = "libbpf netlink (libxdp needs CAP_SYS_ADMIN to describe a loaded program)";
		return 0;
	}
	a->prog = xdp_program__from_fd(prog_fd);   /* libxdp keeps its own duplicate */
	err = (int)libxdp_get_error(a->prog);
	if (err) {
		a->prog = NULL;
		return err;
	}
	if (xdp_program__fd(a->prog) < 0) {
		xdp_program__close(a->prog);
		a->prog = NULL;
		a->backend = "libbpf netlink (libxdp could not describe the program)";
		return 0;
	}
	a->backend = "libxdp";
	return 0;
}

static int try_attach(struct attach *a, enum xdp_attach_mode mode)
{
	int err;

	if (a->prog) {
		err = xdp_program__attach(a->prog, a->ifindex, mode, 0);
	} else {
		err = bpf_xdp_attach(a->ifindex, a->prog_fd,
				     XDP_FLAGS_UPDATE_IF_NOEXIST | mode_flags(mode), NULL);
	}

	if (!err)
		a->mode = mode;
	return err;
}

/* Clears the way for our program: one of edisensor's left by an earlier run
 * is removed (*replaced_id), a foreign one refuses the attach unless it is
 * libxdp's dispatcher (ours joins it). */
static int make_room(int ifindex, const char *ifname, unsigned int *replaced_id,
		     char *errbuf, size_t errlen)
{
	struct attach_existing ex;
	enum xdp_attach_mode ex_mode = XDP_MODE_UNSPEC;
	int err = query_ifindex(ifindex, &ex, &ex_mode);

	if (err) {
		snprintf(errbuf, errlen, "interface %s: querying its XDP program: %s", ifname,
			 strerror(-err));
		return err;
	}
	if (ex.prog_id && ex.ours) {
		err = detach_id(ifindex, ex.prog_id, ex_mode);
		if (err) {
			snprintf(errbuf, errlen, "interface %s: removing edisensor program id %u "
				 "left by an earlier run: %s", ifname, ex.prog_id, strerror(-err));
			return err;
		}
		*replaced_id = ex.prog_id;
	} else if (ex.prog_id && !ex.dispatcher) {
		return refuse_foreign(ifname, &ex, errbuf, errlen);
	}
	return 0;
}

/* generic: generic only; native: native only; auto: native, else generic
 * (*fell_back) unless the interface is taken. */
static int attach_in_mode(struct attach *a, enum config_xdp_mode mode, bool *fell_back)
{
	int err;

	if (mode == CONFIG_XDP_GENERIC)
		return try_attach(a, XDP_MODE_SKB);
	err = try_attach(a, XDP_MODE_NATIVE);
	if (err && mode == CONFIG_XDP_AUTO && err != -EEXIST && err != -EBUSY) {
		*fell_back = true;
		err = try_attach(a, XDP_MODE_SKB);
	}
	return err;
}

int attach_xdp(struct attach **out, int prog_fd, const char *ifname,
	       enum config_xdp_mode mode, unsigned int *replaced_id, bool *fell_back,
	       char *errbuf, size_t errlen)
{
	struct attach_existing ex;
	enum xdp_attach_mode ex_mode = XDP_MODE_UNSPEC;
	struct attach *a;
	int ifindex = attach_lookup_ifindex(ifname, errbuf, errlen);
	int err;

	*replaced_id = 0;
	*fell_back = false;
	if (ifindex < 0)
		return ifindex;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
	a->ifindex = ifindex;
	a->prog_fd = prog_fd;
	err = make_room(ifindex, ifname, replaced_id, errbuf, errlen);
	if (err)
		goto fail;
	err = open_program(a, prog_fd);
	if (err) {
		snprintf(errbuf, errlen, "libxdp cannot use the program: %s", strerror(-err));
		goto fail;
	}
	err = attach_in_mode(a, mode, fell_back);
	if (err) {
		char msg[128];

		libxdp_strerror(err, msg, sizeof(msg));
		snprintf(errbuf, errlen, "interface %s: attaching in %s mode: %s", ifname,
			 mode == CONFIG_XDP_AUTO ? "native and generic" : config_xdp_mode_name(mode),
			 msg);
		goto fail;
	}
	err = query_ifindex(a->ifindex, &ex, &ex_mode);
	a->dispatcher = !err && ex.dispatcher;
	*out = a;
	return 0;
fail:
	xdp_program__close(a->prog);
	free(a);
	return err;
}

int attach_detach(struct attach *a)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o);
	int err;

	if (!a)
		return 0;
	if (a->dispatcher && a->prog) {
		err = xdp_program__detach(a->prog, a->ifindex, a->mode, 0);
	} else {
		/* Only our program: the kernel compares old_prog_fd with what is
		 * attached, so a program someone put there since stays. */
		o.old_prog_fd = a->prog_fd;
		err = bpf_xdp_detach(a->ifindex, mode_flags(a->mode) | XDP_FLAGS_REPLACE, &o);
	}
	xdp_program__close(a->prog);
	free(a);
	return err;
}

int attach_detach_stale(const char *ifname, char *errbuf, size_t errlen)
{
	struct attach_existing ex;
	enum xdp_attach_mode mode = XDP_MODE_UNSPEC;
	int ifindex = attach_lookup_ifindex(ifname, errbuf, errlen);
	int err;

	if (ifindex < 0)
		return ifindex;
	err = query_ifindex(ifindex, &ex, &mode);
	if (err) {
		snprintf(errbuf, errlen, "interface %s: %s", ifname, strerror(-err));
		return err;
	}
	if (!ex.prog_id || !ex.ours)
		return 0;
	err = detach_id(ifindex, ex.prog_id, mode);
	if (err) {
		snprintf(errbuf, errlen, "interface %s: detaching program id %u: %s", ifname,
			 ex.prog_id, strerror(-err));
		return err;
	}
	return 1;
}

const char *attach_backend(const struct attach *a)
{
	return a->backend;
}

const char *attach_ifname(const struct attach *a)
{
	return a->ifname;
}

const char *attach_mode_name(const struct attach *a)
{
	return xdp_mode_name(a->mode);
}

bool attach_is_dispatcher(const struct attach *a)
{
	return a->dispatcher;
}

