#include "malloc_control.h"
#include <stdlib.h>

#if defined(__GLIBC__)
#include <malloc.h>
int swerve_set_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }
#else
int swerve_set_mmap_threshold(int bytes) { (void)bytes; return 0; }
#endif

#if defined(__GLIBC__)
int swerve_trim_heap(void) { return malloc_trim(0); }
#else
int swerve_trim_heap(void) { return 0; }
#endif
