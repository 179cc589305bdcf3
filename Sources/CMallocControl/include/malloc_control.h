#ifndef SWERVE_MALLOC_CONTROL_H
#define SWERVE_MALLOC_CONTROL_H

/// Sets glibc's mmap threshold (and so turns its dynamic raising off); returns 0 where the
/// allocator has no such setting.
int swerve_set_mmap_threshold(int bytes);

/// Returns the free memory of every malloc arena to the system (glibc's malloc_trim); 0 where
/// the allocator has no such call.
int swerve_trim_heap(void);

#endif
