/*
 * What the XDP and tc attach modules (attach.c, attach_tc.c) share: the
 * interface lookup with its error text, and a loaded program's name, by
 * which each recognises the programs an earlier run of edisensor left.
 */
#ifndef EDISENSOR_ATTACH_COMMON_H
#define EDISENSOR_ATTACH_COMMON_H
#include <stddef.h>

/* ifname's index, or -ENODEV (errbuf: "interface NAME: no such interface")
 * for a name too long for an interface or naming none here. errbuf may be
 * NULL with errlen 0. */
int attach_lookup_ifindex(const char *ifname, char *errbuf, size_t errlen);

/* The name of loaded BPF program id into name; "" when it cannot be read
 * (a program's fd from its id needs CAP_SYS_ADMIN). */
void attach_prog_name(unsigned int id, char *name, size_t len);

#endif
