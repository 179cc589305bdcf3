// The logistic regression's standardized dot products, eight rows at a time with AVX-512: each
// feature of each row is imputed, centred, divided by its scale and weighted, and the division
// bounds the time (about 1.1 ms of a 10,000-row churn batch one row at a time). The rows are
// independent, so eight lanes each add their own row's terms in the same order as Swift's loop:
// the sums are the same bit for bit.
#ifndef CLINEAR_SUMS_H
#define CLINEAR_SUMS_H

#include <stdint.h>

/// For rows `0..<rowCount` of `rows` (row-major, `width` float64 values each), writes to
/// `sums[r]` the sum, in feature order from 0.0, of `coefficients[j] * ((v - center[j]) / scale[j])`
/// where `v` is the row's value `j`, or `impute[j]` when that is NaN. Every operation is rounded
/// on its own (no fused multiply-add), as in Swift. `atZero[j]` and `atOne[j]` must be
/// `(0.0 - center[j]) / scale[j]` and `(1.0 - center[j]) / scale[j]`: one-hot features, 0 or 1,
/// take them instead of a division.
void swerve_linear_sums(
    const double *rows, intptr_t width, intptr_t rowCount, const double *impute, const double *center, const double *scale,
    const double *atZero, const double *atOne, const double *coefficients, double *sums);

#endif
