#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include "signals.h"

static volatile sig_atomic_t stop_signo;
static volatile sig_atomic_t reload_pending;

static void on_stop(int signo)
{
	stop_signo = signo;
}

static void on_reload(int signo)
{
	(void)signo;
	reload_pending = 1;
}

static int set_handler(int signo, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	return sigaction(signo, &sa, NULL) ? -errno : 0;
}

int signals_install(void)
{
	int err = set_handler(SIGTERM, on_stop);

	if (!err)
		err = set_handler(SIGINT, on_stop);
	if (!err)
		err = set_handler(SIGHUP, on_reload);
	if (!err)
		err = set_handler(SIGPIPE, SIG_IGN);
	return err;
}

bool signals_take_reload(void)
{
	if (!reload_pending)
		return false;
	reload_pending = 0;
	return true;
}

bool signals_stop_requested(void)
{
	return stop_signo != 0;
}

int signals_stop_signo(void)
{
	return stop_signo;
}

void signals_block_in_thread(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}
