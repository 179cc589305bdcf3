#include "CForestWalk.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define WALK_TARGET __attribute__((target("avx512f,avx512vl")))

int swerve_forest_walk_masks_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") ? 1 : 0;
}

// The lanes of one split for one group of eight rows: which go right.
WALK_TARGET static inline __mmask8 goesRight(const swerve_mask_split *split, const float *group, __m256 threshold) {
    __m256 value = _mm256_loadu_ps(group + (split->feature & 0x3FFFFFFFu));
    // Ordered >=: NaN goes left. Not-less-than, unordered: NaN goes right.
    return (split->feature >> 31) ? _mm256_cmp_ps_mask(value, threshold, _CMP_GE_OQ)
                                  : _mm256_cmp_ps_mask(value, threshold, _CMP_NLT_UQ);
}

// The masks of one tree for one group of eight rows.
WALK_TARGET static inline __m512i treeMasks(const swerve_mask_split *splits, intptr_t splitCount, const float *x) {
    __m512i m = _mm512_set1_epi64(-1);
    for (intptr_t s = 0; s < splitCount; s++) {
        const swerve_mask_split *split = splits + s;
        m = _mm512_mask_and_epi64(m, goesRight(split, x, _mm256_set1_ps(split->threshold)), m, _mm512_set1_epi64((long long)split->keep));
    }
    return m;
}

// Which leaf, left to right, each of a group's eight rows reached: the lowest bit left in its mask
// (never none: no split clears the leaf its own row reaches; bit 63 only keeps ctz defined).
WALK_TARGET static inline void exitLeaves(__m512i remaining, int leaves[8]) {
    uint64_t masks[8];
    _mm512_storeu_si512((void *)masks, remaining);
    for (int lane = 0; lane < 8; lane++) leaves[lane] = __builtin_ctzll(masks[lane] | (1ull << 63));
}

// The leaf offsets of a group's eight rows, from their masks.
WALK_TARGET static inline void store(__m512i remaining, const uint32_t *leafOffsets, uint32_t *leaves) {
    int exits[8];
    exitLeaves(remaining, exits);
    for (int lane = 0; lane < 8; lane++) leaves[lane] = leafOffsets[exits[lane]];
}

WALK_TARGET void swerve_forest_walk_masks(
    const swerve_mask_split *splits, intptr_t splitCount, const uint32_t *leafOffsets, const float *groups, intptr_t groupSize,
    intptr_t rowCount, uint32_t *leaves) {
    const intptr_t groupCount = rowCount / 8;
    const __m512i all = _mm512_set1_epi64(-1);
    intptr_t g = 0;
    // Four groups at a time: each split's data is read once for 32 rows, and the four mask
    // chains (one AND per split each) run side by side.
    for (; g + 4 <= groupCount; g += 4) {
        const float *x0 = groups + g * groupSize;
        const float *x1 = x0 + groupSize;
        const float *x2 = x1 + groupSize;
        const float *x3 = x2 + groupSize;
        __m512i m0 = all, m1 = all, m2 = all, m3 = all;
        for (intptr_t s = 0; s < splitCount; s++) {
            const swerve_mask_split *split = splits + s;
            const __m256 threshold = _mm256_set1_ps(split->threshold);
            const __m512i keep = _mm512_set1_epi64((long long)split->keep);
            m0 = _mm512_mask_and_epi64(m0, goesRight(split, x0, threshold), m0, keep);
            m1 = _mm512_mask_and_epi64(m1, goesRight(split, x1, threshold), m1, keep);
            m2 = _mm512_mask_and_epi64(m2, goesRight(split, x2, threshold), m2, keep);
            m3 = _mm512_mask_and_epi64(m3, goesRight(split, x3, threshold), m3, keep);
        }
        store(m0, leafOffsets, leaves + 8 * g);
        store(m1, leafOffsets, leaves + 8 * (g + 1));
        store(m2, leafOffsets, leaves + 8 * (g + 2));
        store(m3, leafOffsets, leaves + 8 * (g + 3));
    }
    for (; g < groupCount; g++) store(treeMasks(splits, splitCount, groups + g * groupSize), leafOffsets, leaves + 8 * g);
}

// Adds each lane's leaf value to its row's sum.
WALK_TARGET static inline void addLeaves(__m512i remaining, const uint32_t *values, float *sums, intptr_t groupCount) {
    int exits[8];
    exitLeaves(remaining, exits);
    for (int lane = 0; lane < 8; lane++) {
        union { uint32_t bits; float value; } leaf = { values[exits[lane]] };
        sums[lane * groupCount] += leaf.value;
    }
}

WALK_TARGET void swerve_forest_sum_masks(
    const swerve_mask_split *splits, const swerve_mask_tree *trees, intptr_t treeCount, const uint32_t *leafValues,
    const float *groups, intptr_t groupSize, intptr_t rowCount, float *sums, intptr_t groupCount) {
    const intptr_t groupsOfRows = rowCount / 8;
    intptr_t g = 0;
    // Two groups of rows at a time, so that each tree's splits are read once for 16 rows and the
    // two mask chains run side by side; the trees stay in order for every row.
    for (; g + 2 <= groupsOfRows; g += 2) {
        const float *x0 = groups + g * groupSize;
        const float *x1 = x0 + groupSize;
        float *s0 = sums + 8 * g * groupCount;
        float *s1 = s0 + 8 * groupCount;
        for (intptr_t t = 0; t < treeCount; t++) {
            const swerve_mask_tree tree = trees[t];
            const swerve_mask_split *first = splits + tree.firstSplit;
            __m512i m0 = _mm512_set1_epi64(-1), m1 = _mm512_set1_epi64(-1);
            for (intptr_t s = 0; s < tree.splitCount; s++) {
                const swerve_mask_split *split = first + s;
                const __m256 threshold = _mm256_set1_ps(split->threshold);
                const __m512i keep = _mm512_set1_epi64((long long)split->keep);
                m0 = _mm512_mask_and_epi64(m0, goesRight(split, x0, threshold), m0, keep);
                m1 = _mm512_mask_and_epi64(m1, goesRight(split, x1, threshold), m1, keep);
            }
            addLeaves(m0, leafValues + tree.firstLeaf, s0 + tree.group, groupCount);
            addLeaves(m1, leafValues + tree.firstLeaf, s1 + tree.group, groupCount);
        }
    }
    for (; g < groupsOfRows; g++) {
        const float *x = groups + g * groupSize;
        float *s = sums + 8 * g * groupCount;
        for (intptr_t t = 0; t < treeCount; t++) {
            const swerve_mask_tree tree = trees[t];
            addLeaves(treeMasks(splits + tree.firstSplit, tree.splitCount, x), leafValues + tree.firstLeaf, s + tree.group, groupCount);
        }
    }
}

// Clears, in each row's 32-bit mask, the leaves that `split` takes away from rows it sends right
// (`right` all ones): mask & (~right | keep), one ternary-logic instruction.
#define NARROW(mask, right, keep) _mm256_ternarylogic_epi32((mask), (right), (keep), 0xB0)

// The leaf values of eight rows from their masks: the lowest bit left is a power of two, whose
// float exponent is its index (bit 31, INT_MIN as a signed integer, converts to -2^31: the same
// exponent); the index selects from the tree's first 32 leaf values.
WALK_TARGET static inline __m256 narrowLeafValues(__m256i masks, __m512 firstLeaves, __m512 nextLeaves) {
    const __m256i lowest = _mm256_and_si256(masks, _mm256_sub_epi32(_mm256_setzero_si256(), masks));
    const __m256i exponent = _mm256_srli_epi32(_mm256_castps_si256(_mm256_cvtepi32_ps(lowest)), 23);
    const __m256i leaf = _mm256_sub_epi32(_mm256_and_si256(exponent, _mm256_set1_epi32(0xFF)), _mm256_set1_epi32(127));
    return _mm512_castps512_ps256(_mm512_permutex2var_ps(firstLeaves, _mm512_castsi256_si512(leaf), nextLeaves));
}

// Narrows the masks of `count` groups of rows by the splits `first[from..<to]`, which all send a
// missing value right (`missingGoesLeft` 0: not-less-than, unordered) or all left (1: ordered
// greater-or-equal). Inlined with constant arguments, the choice is made once, not per split.
WALK_TARGET static inline __attribute__((always_inline)) void narrowBySplits(
    const swerve_mask_split *first, intptr_t from, intptr_t to, const float *x, intptr_t groupSize, __m256i *mask, const int count,
    const int missingGoesLeft) {
    for (intptr_t s = from; s < to; s++) {
        const __m256 threshold = _mm256_set1_ps(first[s].threshold);
        const __m256i keep = _mm256_set1_epi32((int)(uint32_t)first[s].keep);
        const float *feature = x + (first[s].feature & 0x3FFFFFFFu);
        for (int k = 0; k < count; k++) {
            const __m256 value = _mm256_loadu_ps(feature + k * groupSize);
            const __m256 right =
                missingGoesLeft ? _mm256_cmp_ps(value, threshold, _CMP_GE_OQ) : _mm256_cmp_ps(value, threshold, _CMP_NLT_UQ);
            mask[k] = NARROW(mask[k], _mm256_castps_si256(right), keep);
        }
    }
}

// `count` (1 to 8) groups of eight rows, `groupSize` floats apart from `x`, through every tree;
// their sums are `sums[0..<8 * count]`. Inlined with a constant count, the loops over groups unroll.
WALK_TARGET static inline __attribute__((always_inline)) void sumNarrowGroups(
    const swerve_mask_split *splits, const swerve_mask_tree *trees, intptr_t treeCount, const float *leafValues, const float *x,
    intptr_t groupSize, float *sums, const int count) {
    __m256 sum[8];
    for (int k = 0; k < count; k++) sum[k] = _mm256_loadu_ps(sums + 8 * k);
    for (intptr_t t = 0; t < treeCount; t++) {
        const swerve_mask_tree tree = trees[t];
        const swerve_mask_split *first = splits + tree.firstSplit;
        __m256i mask[8];
        for (int k = 0; k < count; k++) mask[k] = _mm256_set1_epi32(-1);
        narrowBySplits(first, 0, tree.missingRightCount, x, groupSize, mask, count, 0);
        narrowBySplits(first, tree.missingRightCount, tree.splitCount, x, groupSize, mask, count, 1);
        const __m512 firstLeaves = _mm512_loadu_ps(leafValues + tree.firstLeaf);
        const __m512 nextLeaves = _mm512_loadu_ps(leafValues + tree.firstLeaf + 16);
        for (int k = 0; k < count; k++) sum[k] = _mm256_add_ps(sum[k], narrowLeafValues(mask[k], firstLeaves, nextLeaves));
    }
    for (int k = 0; k < count; k++) _mm256_storeu_ps(sums + 8 * k, sum[k]);
}

WALK_TARGET void swerve_forest_sum_narrow_masks(
    const swerve_mask_split *splits, const swerve_mask_tree *trees, intptr_t treeCount, const uint32_t *leafValues,
    const float *groups, intptr_t groupSize, intptr_t rowCount, float *sums) {
    const float *values = (const float *)leafValues;
    const intptr_t groupsOfRows = rowCount / 8;
    intptr_t g = 0;
    // Eight groups of rows (a whole block) at a time: each split's threshold and mask are read
    // once for 64 rows.
    for (; g + 8 <= groupsOfRows; g += 8) sumNarrowGroups(splits, trees, treeCount, values, groups + g * groupSize, groupSize, sums + 8 * g, 8);
    for (; g < groupsOfRows; g++) sumNarrowGroups(splits, trees, treeCount, values, groups + g * groupSize, groupSize, sums + 8 * g, 1);
}

#else

int swerve_forest_walk_masks_available(void) { return 0; }

void swerve_forest_sum_narrow_masks(
    const swerve_mask_split *splits, const swerve_mask_tree *trees, intptr_t treeCount, const uint32_t *leafValues,
    const float *groups, intptr_t groupSize, intptr_t rowCount, float *sums) {
    (void)splits; (void)trees; (void)treeCount; (void)leafValues; (void)groups; (void)groupSize; (void)rowCount; (void)sums;
}

void swerve_forest_sum_masks(
    const swerve_mask_split *splits, const swerve_mask_tree *trees, intptr_t treeCount, const uint32_t *leafValues,
    const float *groups, intptr_t groupSize, intptr_t rowCount, float *sums, intptr_t groupCount) {
    (void)splits; (void)trees; (void)treeCount; (void)leafValues; (void)groups; (void)groupSize; (void)rowCount; (void)sums;
    (void)groupCount;
}

void swerve_forest_walk_masks(
    const swerve_mask_split *splits, intptr_t splitCount, const uint32_t *leafOffsets, const float *groups, intptr_t groupSize,
    intptr_t rowCount, uint32_t *leaves) {
    (void)splits; (void)splitCount; (void)leafOffsets; (void)groups; (void)groupSize; (void)rowCount; (void)leaves;
}

#endif
