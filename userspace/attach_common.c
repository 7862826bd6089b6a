#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "attach_common.h"

int attach_lookup_ifindex(const char *ifname, char *errbuf, size_t errlen)
{
	unsigned int ifindex = strlen(ifname) < IF_NAMESIZE ? if_nametoindex(ifname) : 0;

	if (!ifindex) {
		snprintf(errbuf, errlen, "interface %s: no such interface", ifname);
		return -ENODEV;
	}
	return (int)ifindex;
}

void attach_prog_name(unsigned int id, char *name, size_t len)
{
	struct bpf_prog_info info;
	__u32 info_len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	name[0] = '\0';
	if (fd < 0)
		return;
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(fd, &info, &info_len))
		snprintf(name, len, "%s", info.name);
	close(fd);
}
