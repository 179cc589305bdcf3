// Converting a block of float64 feature rows to the tree walk's Float groups, with AVX-512
// gathers: a 10,000-row churn batch fills 710,000 Floats for each of its two forests, and Swift's
// element-by-element transposition took about 1 ms of a 16 ms batch per forest (BENCHMARKS.md,
// "The Aurora batch, fifth pass"). On a CPU without AVX-512 it converts one value at a time.
#ifndef CFEATURE_GROUPS_H
#define CFEATURE_GROUPS_H

#include <stdint.h>

/// Writes rows `0..<rowCount` of `rows` (row-major, `width` float64 values each) as Float into
/// `groups`, laid out as the walk reads them: value `j` of row `r` goes to
/// `groups[(r / 8) * groupSize + j * 8 + r % 8]`. A NaN becomes `impute[j]` when `impute` is not
/// null, else a Float NaN. Each value is rounded to nearest, as Swift's `Float(_: Double)` does.
void swerve_fill_feature_groups(
    const double *rows, intptr_t width, intptr_t rowCount, const float *impute, float *groups, intptr_t groupSize);

#endif
