/* Clock helpers shared by the outputs, the spool and the sender threads. */
#ifndef EDISENSOR_OUTPUT_TIME_H
#define EDISENSOR_OUTPUT_TIME_H

#include <stdint.h>
#include <time.h>

/* Absolute CLOCK_REALTIME deadline ms from now, for pthread_cond_timedwait. */
static inline void output_deadline_in(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static inline int64_t output_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
