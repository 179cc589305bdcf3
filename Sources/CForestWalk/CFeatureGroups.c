#include "CFeatureGroups.h"

// One row at a time: rows past the last whole group of eight, and every row on a CPU without
// AVX-512.
static void fillRows(const double *rows, intptr_t width, intptr_t first, intptr_t end, const float *impute, float *groups, intptr_t groupSize) {
    for (intptr_t r = first; r < end; r++) {
        const double *from = rows + r * width;
        float *to = groups + (r / 8) * groupSize + r % 8;
        for (intptr_t j = 0; j < width; j++) {
            const double value = from[j];
            to[j * 8] = (impute && value != value) ? impute[j] : (float)value;
        }
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define FILL_TARGET __attribute__((target("avx512f,avx512vl")))

// Whole groups of eight rows: one gather collects a feature of the group's eight rows, one
// conversion rounds them, one store writes them side by side.
FILL_TARGET static intptr_t fillGroups(
    const double *rows, intptr_t width, intptr_t rowCount, const float *impute, float *groups, intptr_t groupSize) {
    const __m512i rowOffsets = _mm512_set_epi64(7 * width, 6 * width, 5 * width, 4 * width, 3 * width, 2 * width, width, 0);
    intptr_t r = 0;
    for (; r + 8 <= rowCount; r += 8) {
        const double *group = rows + r * width;
        float *out = groups + (r / 8) * groupSize;
        for (intptr_t j = 0; j < width; j++) {
            const __m512d values = _mm512_i64gather_pd(rowOffsets, group + j, 8);
            __m256 floats = _mm512_cvtpd_ps(values);
            if (impute) {
                const __mmask8 missing = _mm512_cmp_pd_mask(values, values, _CMP_UNORD_Q);
                floats = _mm256_mask_blend_ps(missing, floats, _mm256_set1_ps(impute[j]));
            }
            _mm256_storeu_ps(out + j * 8, floats);
        }
    }
    return r;
}

void swerve_fill_feature_groups(
    const double *rows, intptr_t width, intptr_t rowCount, const float *impute, float *groups, intptr_t groupSize) {
    // The CPU's features are read once at startup (libgcc's or compiler-rt's constructor).
    const intptr_t filled = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
        ? fillGroups(rows, width, rowCount, impute, groups, groupSize)
        : 0;
    fillRows(rows, width, filled, rowCount, impute, groups, groupSize);
}

#else

void swerve_fill_feature_groups(
    const double *rows, intptr_t width, intptr_t rowCount, const float *impute, float *groups, intptr_t groupSize) {
    fillRows(rows, width, 0, rowCount, impute, groups, groupSize);
}

#endif
