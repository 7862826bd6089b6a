/*
 * The daemon's signals. Handlers only set a flag (chrony util.c style); the
 * main thread polls the flags at least every 100 ms.
 *   SIGTERM, SIGINT  stop: detach, drain, flush every record, exit
 *   SIGHUP           reload feeds and the reloadable part of the config
 *   SIGPIPE          ignored (a metrics client that hangs up)
 * Other threads block them (signals_block_in_thread) so they land in main.
 */
#ifndef EDISENSOR_SIGNALS_H
#define EDISENSOR_SIGNALS_H
#include <stdbool.h>

int signals_install(void);

/* True once per received signal of the kind (the flag is cleared). */
bool signals_take_reload(void);
/* Stays true once a stop signal came. */
bool signals_stop_requested(void);
/* The stop signal's number (for the log), 0 if none. */
int signals_stop_signo(void);

/* Call at the start of a helper thread. */
void signals_block_in_thread(void);

#endif
