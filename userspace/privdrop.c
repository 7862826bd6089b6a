#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "privdrop.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#define CAP_LAST_KNOWN 63

static bool kept(int cap, const int *caps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (caps[i] == cap)
			return true;
	return false;
}

static int capset_kept(const int *caps, size_t n)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	for (size_t i = 0; i < n; i++) {
		if (caps[i] < 0 || caps[i] > CAP_LAST_KNOWN)
			return -EINVAL;
		data[caps[i] >> 5].effective |= 1u << (caps[i] & 31);
		data[caps[i] >> 5].permitted |= 1u << (caps[i] & 31);
	}
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

/* Capabilities outside the kept set leave the bounding set while we still
 * hold CAP_SETPCAP; numbers the kernel does not know end the loop. */
static int drop_bounding(const int *caps, size_t n)
{
	for (int cap = 0; cap <= CAP_LAST_KNOWN; cap++) {
		if (kept(cap, caps, n))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)) {
			if (errno == EINVAL)
				break;
			return -errno;
		}
	}
	return 0;
}

#define FAIL(step) do { err = -errno; \
	snprintf(errbuf, errlen, "dropping privileges to %s: %s: %s", user, step, strerror(-err)); \
	return err; } while (0)

int privdrop_to_user(const char *user, const int *caps, size_t n_caps,
		     char *errbuf, size_t errlen)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	int err;

	if (geteuid() != 0)
		return 0;
	err = getpwnam_r(user, &pw, buf, sizeof(buf), &res);
	if (err || !res) {
		snprintf(errbuf, errlen, "user '%s' does not exist: create it "
			 "(systemd-sysusers edisensor.conf, or useradd --system %s), or set "
			 "user = root in [sensor] to stay root", user, user);
		return err ? -err : -ENOENT;
	}
	if (pw.pw_uid == 0)
		return 0;
	err = drop_bounding(caps, n_caps);
	if (err) {
		errno = -err;
		FAIL("bounding set");
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		FAIL("PR_SET_KEEPCAPS");
	if (setgroups(0, NULL))
		FAIL("setgroups");
	if (setresgid(pw.pw_gid, pw.pw_gid, pw.pw_gid))
		FAIL("setresgid");
	if (setresuid(pw.pw_uid, pw.pw_uid, pw.pw_uid))
		FAIL("setresuid");
	err = capset_kept(caps, n_caps);
	if (err) {
		errno = -err;
		FAIL("capset");
	}
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0))
		FAIL("PR_SET_KEEPCAPS off");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		FAIL("PR_SET_NO_NEW_PRIVS");
	if (setuid(0) == 0) {
		snprintf(errbuf, errlen, "dropping privileges to %s: root could be regained", user);
		return -EPERM;
	}
	return 1;
}

int privdrop_effective_caps(char *out, size_t len)
{
	static const struct { int cap; const char *name; } names[] = {
		{ CAP_NET_ADMIN, "cap_net_admin" }, { CAP_SYS_ADMIN, "cap_sys_admin" },
		{ CAP_NET_RAW, "cap_net_raw" }, { CAP_SYS_RESOURCE, "cap_sys_resource" },
		{ CAP_PERFMON, "cap_perfmon" }, { CAP_BPF, "cap_bpf" },
		{ CAP_SETUID, "cap_setuid" }, { CAP_DAC_OVERRIDE, "cap_dac_override" },
	};
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	size_t off = 0;

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int c = names[i].cap;

		if (!(data[c >> 5].effective & (1u << (c & 31))))
			continue;
		int n = snprintf(out + off, len - off, "%s%s", off ? "," : "", names[i].name);

		if (n < 0 || (size_t)n >= len - off)
			return -ENOSPC;
		off += (size_t)n;
	}
	return 0;
}
