#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "cpu_priority.h"

#define BATCH_NICE 19

static const char *const names[] = {
	[CPU_PRIORITY_IDLE] = "idle",
	[CPU_PRIORITY_BATCH] = "batch",
	[CPU_PRIORITY_NORMAL] = "normal",
};

int cpu_priority_parse(const char *s, enum cpu_priority *out)
{
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i])) {
			*out = (enum cpu_priority)i;
			return 0;
		}
	return -EINVAL;
}

const char *cpu_priority_name(enum cpu_priority p)
{
	return (unsigned)p < sizeof(names) / sizeof(names[0]) ? names[p] : "?";
}

/* PRIO_PROCESS with who = 0 is the calling thread on Linux, not the process. */
static int thread_nice(int *value)
{
	errno = 0;
	*value = getpriority(PRIO_PROCESS, 0);
	return *value == -1 && errno ? -errno : 0;
}

int cpu_priority_current(int *policy, int *nice_value)
{
	*policy = sched_getscheduler(0);
	if (*policy < 0)
		return -errno;
	return thread_nice(nice_value);
}

/* Lowering a thread's own priority needs no privilege; a thread already at
 * the policy (set by systemd's CPUSchedulingPolicy=, chrt) is left as is. */
static int set_policy(int policy)
{
	struct sched_param sp = { .sched_priority = 0 };

	if (sched_getscheduler(0) == policy)
		return 0;
	return sched_setscheduler(0, policy, &sp) ? -errno : 0;
}

int cpu_priority_apply_self(enum cpu_priority p)
{
	int r, cur;

	switch (p) {
	case CPU_PRIORITY_NORMAL:
		return 0;
	case CPU_PRIORITY_IDLE:
		return set_policy(SCHED_IDLE);
	case CPU_PRIORITY_BATCH:
		r = set_policy(SCHED_BATCH);
		if (!r)
			r = thread_nice(&cur);
		if (!r && cur < BATCH_NICE && setpriority(PRIO_PROCESS, 0, BATCH_NICE))
			r = -errno;
		return r;
	}
	return -EINVAL;
}
