/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel driver behind a network interface (ethtool's drvinfo). */
#ifndef EDISENSOR_NETDEV_DRIVER_H
#define EDISENSOR_NETDEV_DRIVER_H

#include <stddef.h>

/*
 * Writes the driver name of interface ifname ("veth", "mlx5_core", ...)
 * into buf. Returns 0, or a negative errno (-ENODEV: no such interface;
 * -EOPNOTSUPP: the driver does not say).
 */
int netdev_driver(const char *ifname, char *buf, size_t len);

#endif
