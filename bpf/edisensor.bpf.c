// SPDX-License-Identifier: GPL-2.0
/* placeholder replaced by the XDP program in the next commit */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp") int edisensor_xdp(struct xdp_md *ctx) { (void)ctx; return XDP_PASS; }
char LICENSE[] SEC("license") = "GPL";
