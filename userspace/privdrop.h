/*
 * Dropping root after attaching (chrony sys_linux.c order): drop the
 * bounding set to what is kept, keep capabilities across setuid, switch
 * groups, gid and uid, then leave only the kept capabilities permitted and
 * effective and forbid gaining more (no_new_privs). Under systemd the unit
 * starts the daemon as its user with ambient capabilities instead, and
 * this is a no-op (not uid 0).
 */
#ifndef EDISENSOR_PRIVDROP_H
#define EDISENSOR_PRIVDROP_H
#include <stddef.h>

/* Returns 1 when privileges were dropped, 0 when not running as root,
 * -errno with errbuf saying what failed. caps: CAP_* numbers to keep. */
int privdrop_to_user(const char *user, const int *caps, size_t n_caps,
		     char *errbuf, size_t errlen);

/* "cap_bpf,cap_net_admin": the effective capabilities now (for the log and tests). */
int privdrop_effective_caps(char *buf, size_t len);

#endif
