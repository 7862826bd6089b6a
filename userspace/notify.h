/*
 * systemd service notification (Type=notify) through libsystemd's
 * sd_notify: READY, RELOADING, STOPPING, STATUS and the watchdog. Every
 * call is a no-op outside systemd (no NOTIFY_SOCKET) and in builds
 * without libsystemd.
 */
#ifndef EDISENSOR_NOTIFY_H
#define EDISENSOR_NOTIFY_H
#include <stdint.h>

void notify_ready(const char *status);
/* RELOADING=1 with MONOTONIC_USEC, as Type=notify-reload expects too. */
void notify_reloading(void);
void notify_stopping(void);
void notify_status(const char *status);
void notify_watchdog(void);
/* Watchdog interval asked by the service manager in microseconds, 0: none. */
uint64_t notify_watchdog_usec(void);

#endif
