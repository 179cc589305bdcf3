#include "CLinearSums.h"

// A multiply and an add stay two rounded operations, as in Swift.
#pragma STDC FP_CONTRACT OFF

// One row at a time: rows past the last whole group of eight, and every row on a CPU without
// AVX-512.
static void sumRows(
    const double *rows, intptr_t width, intptr_t first, intptr_t end, const double *impute, const double *center, const double *scale,
    const double *coefficients, double *sums) {
    for (intptr_t r = first; r < end; r++) {
        const double *x = rows + r * width;
        double sum = 0.0;
        for (intptr_t j = 0; j < width; j++) {
            const double v = x[j] != x[j] ? impute[j] : x[j];
            const double term = coefficients[j] * ((v - center[j]) / scale[j]);
            sum = sum + term;
        }
        sums[r] = sum;
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define SUMS_TARGET __attribute__((target("avx512f")))

// Whole groups of eight rows: lane k is row k, and feature j of the eight rows is one gather.
SUMS_TARGET static intptr_t sumGroups(
    const double *rows, intptr_t width, intptr_t rowCount, const double *impute, const double *center, const double *scale,
    const double *atZero, const double *atOne, const double *coefficients, double *sums) {
    const __m512i rowOffsets = _mm512_set_epi64(7 * width, 6 * width, 5 * width, 4 * width, 3 * width, 2 * width, width, 0);
    intptr_t r = 0;
    for (; r + 8 <= rowCount; r += 8) {
        const double *group = rows + r * width;
        __m512d sum = _mm512_setzero_pd();
        for (intptr_t j = 0; j < width; j++) {
            __m512d v = _mm512_i64gather_pd(rowOffsets, group + j, 8);
            v = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(v, v, _CMP_UNORD_Q), v, _mm512_set1_pd(impute[j]));
            // One-hot and binary features are 0 or 1 in every lane nearly always: their standardized
            // values were worked out once (the same operations, so the same doubles), and the
            // division, which bounds this loop, is left for the others. A zero's sign cannot show:
            // the sum starts at +0, and adding ±0 to it leaves it as it was.
            const __mmask8 zero = _mm512_cmp_pd_mask(v, _mm512_setzero_pd(), _CMP_EQ_OQ);
            const __mmask8 one = _mm512_cmp_pd_mask(v, _mm512_set1_pd(1.0), _CMP_EQ_OQ);
            const __m512d standardized = (__mmask8)(zero | one) == 0xFF
                ? _mm512_mask_blend_pd(one, _mm512_set1_pd(atZero[j]), _mm512_set1_pd(atOne[j]))
                : _mm512_div_pd(_mm512_sub_pd(v, _mm512_set1_pd(center[j])), _mm512_set1_pd(scale[j]));
            sum = _mm512_add_pd(sum, _mm512_mul_pd(_mm512_set1_pd(coefficients[j]), standardized));
        }
        _mm512_storeu_pd(sums + r, sum);
    }
    return r;
}

void swerve_linear_sums(
    const double *rows, intptr_t width, intptr_t rowCount, const double *impute, const double *center, const double *scale,
    const double *atZero, const double *atOne, const double *coefficients, double *sums) {
    const intptr_t summed = __builtin_cpu_supports("avx512f")
        ? sumGroups(rows, width, rowCount, impute, center, scale, atZero, atOne, coefficients, sums)
        : 0;
    sumRows(rows, width, summed, rowCount, impute, center, scale, coefficients, sums);
}

#else

void swerve_linear_sums(
    const double *rows, intptr_t width, intptr_t rowCount, const double *impute, const double *center, const double *scale,
    const double *atZero, const double *atOne, const double *coefficients, double *sums) {
    (void)atZero; (void)atOne;
    sumRows(rows, width, 0, rowCount, impute, center, scale, coefficients, sums);
}

#endif
