#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "log.h"

static enum log_level current = LOG_LVL_INFO;
static const char *const names[] = { "error", "warning", "info", "debug" };

void log_set_level(enum log_level lvl)
{
	current = lvl;
}

static void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	if (lvl > current)
		return;
	fprintf(stderr, "edisensord: %s: ", names[lvl]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

/* libbpf messages end with their own newline: print them as they are. */
static int print_lib(enum log_level lvl, const char *fmt, va_list ap)
{
	if (lvl > current)
		return 0;
	fprintf(stderr, "edisensord: %s: ", names[lvl]);
	return vfprintf(stderr, fmt, ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return print_lib(level == LIBBPF_WARN ? LOG_LVL_WARN :
			 level == LIBBPF_INFO ? LOG_LVL_DEBUG : LOG_LVL_DEBUG, fmt, ap);
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return print_lib(level == LIBXDP_WARN ? LOG_LVL_WARN : LOG_LVL_DEBUG, fmt, ap);
}

void log_route_libbpf(void)
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}
