/* The daemon's logging: one place, printf-checked, with a level. Library
 * modules do not log; they return errors and their callers log once. */
#ifndef EDISENSOR_LOG_H
#define EDISENSOR_LOG_H

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_set_level(enum log_level lvl);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Routes libbpf's and libxdp's messages into log_msg (warnings and up,
 * debug with the debug level). */
void log_route_libbpf(void);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
