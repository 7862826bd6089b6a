// SPDX-License-Identifier: GPL-2.0
/* The kernel driver behind a network interface, from ETHTOOL_GDRVINFO. */
#include "netdev_driver.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

int netdev_driver(const char *ifname, char *buf, size_t len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { 0 };
	int fd, r = 0;

	if (!ifname || !buf || !len || strlen(ifname) >= sizeof(ifr.ifr_name))
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1);
	ifr.ifr_data = (char *)&info;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		r = -errno;
	close(fd);
	if (r)
		return r;
	info.driver[sizeof(info.driver) - 1] = '\0';
	snprintf(buf, len, "%s", info.driver);
	return 0;
}
