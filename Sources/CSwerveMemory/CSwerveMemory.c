#if defined(__linux__)
#define _GNU_SOURCE
#endif
#include "CSwerveMemory.h"
#include <stdlib.h>  // defines __GLIBC__ on glibc systems

#if defined(__linux__) && defined(__GLIBC__)
#include <malloc.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

size_t swerve_heap_allocated_bytes(void) {
#if __GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33)
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
#else
    return 0;
#endif
}

int swerve_set_current_thread_nice(int nice) {
    pid_t thread = (pid_t)syscall(SYS_gettid);
    return setpriority(PRIO_PROCESS, (id_t)thread, nice);
}

int swerve_set_current_thread_idle_policy(void) {
    struct sched_param parameters = {.sched_priority = 0};
    return sched_setscheduler(0, SCHED_IDLE, &parameters);
}

#elif defined(__APPLE__)
#include <malloc/malloc.h>

size_t swerve_heap_allocated_bytes(void) {
    malloc_statistics_t stats;
    malloc_zone_statistics(NULL, &stats);
    return stats.size_in_use;
}

int swerve_set_current_thread_nice(int nice) { (void)nice; return -1; }
int swerve_set_current_thread_idle_policy(void) { return -1; }

#else
size_t swerve_heap_allocated_bytes(void) { return 0; }
int swerve_set_current_thread_nice(int nice) { (void)nice; return -1; }
int swerve_set_current_thread_idle_policy(void) { return -1; }
#endif
