/*
 * Attaching edisensor's tc programs to one direction of an interface.
 *
 * tcx first (kernel 6.6 and later): a BPF link appended after whatever tcx
 * programs are there, gone with the daemon's file descriptor, so a killed
 * daemon leaves nothing behind. Where the kernel has no tcx, a clsact
 * qdisc (created when missing, never removed: other filters may use it)
 * and a direct-action cls_bpf filter at priority 1, the head of the chain
 * (else where the kernel puts it), never replacing an existing one; a
 * killed daemon leaves that filter, which keeps passing traffic (fail-open;
 * the log names its priority for `tc filter del`).
 *
 * Either way the program's verdict is TC_ACT_UNSPEC: the programs and
 * filters after it still run, and foreign XDP programs are not touched.
 */
#ifndef EDISENSOR_ATTACH_TC_H
#define EDISENSOR_ATTACH_TC_H
#include <stddef.h>
#include <stdint.h>
#include "edisensor.h"

struct attach_tc;

enum attach_tc_backend {
	ATTACH_TC_AUTO = 0,       /* tcx, clsact where the kernel has no tcx */
	ATTACH_TC_CLSACT,         /* clsact only (tests of the older kernels' path) */
};

/* hook: ES_HOOK_TC_INGRESS or ES_HOOK_TC_EGRESS. errbuf says what failed. */
int attach_tc(struct attach_tc **out, int prog_fd, const char *ifname, enum es_hook hook,
	      enum attach_tc_backend backend, char *errbuf, size_t errlen);

/* Detaches (only our program) and frees. NULL ok. */
int attach_tc_detach(struct attach_tc *a);

/* Removes the cls_bpf filters of edisensor's tc programs (by program name)
 * a killed daemon left at priority 1 of ifname's hook; foreign filters
 * stay. attach_tc() calls it before a clsact attach. Returns how many
 * were removed or -errno (errbuf). */
int attach_tc_detach_stale(const char *ifname, enum es_hook hook, char *errbuf, size_t errlen);

const char *attach_tc_ifname(const struct attach_tc *a);
const char *attach_tc_backend(const struct attach_tc *a);   /* "tcx" or "clsact" */
const char *attach_tc_hook_name(const struct attach_tc *a); /* "tc-ingress"/"tc-egress" */
/* clsact: the filter's handle and priority (tc filter del ... prio N
 * removes one a killed daemon left); -ENOENT for a tcx link. */
int attach_tc_filter(const struct attach_tc *a, uint32_t *handle, uint32_t *priority);
/* clsact: how many filters of earlier (killed) runs attach_tc() removed. */
int attach_tc_stale_removed(const struct attach_tc *a);

#endif
