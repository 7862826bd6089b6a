/*
 * Attaching edisensor's tc programs to one direction of an interface.
 *
 * tcx first (kernel 6.6 and later): a BPF link appended after whatever tcx
 * programs are there, gone with the daemon's file descriptor, so a killed
 * daemon leaves nothing behind. Where the kernel has no tcx, a clsact
 * qdisc (created when missing, never removed: other filters may use it)
 * and a direct-action cls_bpf filter at a priority the kernel picks, never
 * replacing an existing one; a killed daemon leaves that filter, which keeps
 * passing traffic (fail-open).
 *
 * Either way the program's verdict is TC_ACT_UNSPEC: the programs and
 * filters after it still run, and foreign XDP programs are not touched.
 */
#ifndef EDISENSOR_ATTACH_TC_H
#define EDISENSOR_ATTACH_TC_H
#include <stddef.h>
#include "edisensor.h"

struct attach_tc;

/* hook: ES_HOOK_TC_INGRESS or ES_HOOK_TC_EGRESS. errbuf says what failed. */
int attach_tc(struct attach_tc **out, int prog_fd, const char *ifname, enum es_hook hook,
	      char *errbuf, size_t errlen);

/* Detaches (only our program) and frees. NULL ok. */
int attach_tc_detach(struct attach_tc *a);

const char *attach_tc_ifname(const struct attach_tc *a);
const char *attach_tc_backend(const struct attach_tc *a);   /* "tcx" or "clsact" */
const char *attach_tc_hook_name(const struct attach_tc *a); /* "tc-ingress"/"tc-egress" */

#endif
