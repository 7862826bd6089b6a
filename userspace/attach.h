/*
 * Attaching the edisensor XDP program to interfaces through libxdp, without
 * ever evicting a program edisensor did not load.
 *
 * libxdp tries its multi-program dispatcher first; that needs a kernel that
 * accepts freplace (BPF_PROG_TYPE_EXT) programs. Where it refuses them
 * (EPERM), libxdp falls back to attaching the program alone. Which of the
 * two happened is reported by attach_is_dispatcher().
 *
 * What stays attached when the daemon dies without detaching (SIGKILL,
 * OOM, crash): in single-program mode the netlink attachment outlives the
 * process, so the program keeps running and keeps returning XDP_PASS (inline
 * mode): traffic flows, events are lost (ringbuf_full counts them). The next
 * start replaces a program named edisensor_xdp with a warning, and
 * `edisensord --detach` removes it. This is fail-open by design.
 */
#ifndef EDISENSOR_ATTACH_H
#define EDISENSOR_ATTACH_H
#include <stdbool.h>
#include <stddef.h>
#include "config.h"

/* The name of edisensor's XDP program as the kernel shows it. */
#define ATTACH_PROG_NAME "edisensor_xdp"

struct attach;

/*
 * Attaches prog_fd to ifname in mode. A foreign program makes it fail with
 * -EBUSY and errbuf naming it; it stays attached. A program of edisensor's
 * own left behind is replaced (*replaced_id says which, else 0). In
 * CONFIG_XDP_AUTO, native is tried first, then generic (*fell_back set).
 */
int attach_xdp(struct attach **out, int prog_fd, const char *ifname,
	       enum config_xdp_mode mode, unsigned int *replaced_id, bool *fell_back,
	       char *errbuf, size_t errlen);

/* Detaches (only our program: the kernel checks its id) and frees. NULL ok. */
int attach_detach(struct attach *a);

/* Removes edisensor programs left on ifname; foreign programs stay.
 * Returns how many were removed or -errno. */
int attach_detach_stale(const char *ifname, char *errbuf, size_t errlen);

const char *attach_ifname(const struct attach *a);
/* "libxdp", or why libbpf's netlink call attached it instead. */
const char *attach_backend(const struct attach *a);
const char *attach_mode_name(const struct attach *a);   /* "native" or "generic" */
bool attach_is_dispatcher(const struct attach *a);

#endif
