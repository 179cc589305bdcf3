// What Swift's Glibc module does not expose: the allocator's own count of the bytes it has handed
// out (glibc's mallinfo2 is declared in <malloc.h>, which the module leaves out), and a per-thread
// nice value (setpriority on a thread id). Used by multi-model mode to measure a model's size
// around its load and to run loads at a lower priority than inference.
#ifndef CSWERVE_MEMORY_H
#define CSWERVE_MEMORY_H

#include <stddef.h>

/// Bytes the allocator has handed out and not had back (in use in every arena, plus mmapped
/// blocks); 0 where the platform has no such count.
size_t swerve_heap_allocated_bytes(void);

/// Sets the calling thread's nice value (Linux schedules threads by their own nice value);
/// returns 0 on success, -1 where that is not possible.
int swerve_set_current_thread_nice(int nice);

/// Linux: moves the calling thread to the SCHED_IDLE policy (it runs only when no other thread
/// wants the CPU, and any waking thread preempts it at once); needs no privilege. Returns 0 on
/// success, -1 where unsupported or refused.
int swerve_set_current_thread_idle_policy(void);

#endif
