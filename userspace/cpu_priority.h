/* CPU priority of the daemon's worker threads (ring-buffer reader and
 * pipeline). A passive sensor must never take CPU from the traffic it
 * watches: when it cannot keep up it should fall behind and count what it
 * lost (kernel ring full, queue full), not compete with the senders,
 * receivers and forwarding on the same cores. */
#ifndef EDISENSOR_CPU_PRIORITY_H
#define EDISENSOR_CPU_PRIORITY_H

enum cpu_priority {
	CPU_PRIORITY_IDLE = 0,   /* SCHED_IDLE: runs on CPU time nothing else wants (default) */
	CPU_PRIORITY_BATCH,      /* SCHED_BATCH at nice 19: low weight, never preempts on wakeup */
	CPU_PRIORITY_NORMAL,     /* what the process was started with (systemd Nice=, ...) */
};

/* "idle", "batch", "normal" -> the value; -EINVAL otherwise. */
int cpu_priority_parse(const char *s, enum cpu_priority *out);

const char *cpu_priority_name(enum cpu_priority p);

/* Applies p to the calling thread only (Linux schedules threads one by
 * one). NORMAL changes nothing. -errno when the kernel or a seccomp filter
 * refuses (the thread then keeps its priority). */
int cpu_priority_apply_self(enum cpu_priority p);

/* The calling thread's policy and nice value, for logs and tests. */
int cpu_priority_current(int *policy, int *nice_value);

#endif
