// Tree evaluation with AVX-512 bit masks (QuickScorer, Lucchese et al., SIGIR 2015), for trees
// of at most 64 leaves: a batch of 10,000 rows spends half its time walking trees (BENCHMARKS.md,
// "The Aurora batch"), and Swift has neither the masked vector operations nor a way to ask for
// them. The scalar walk in Swift (`ForestWalker`) stays the reference and the fallback: this one
// runs only where the CPU has AVX-512F and AVX-512VL, and only for numerical splits.
//
// Each tree's leaves are numbered left to right, bits 0 to 63 of a row's mask, all set at first.
// Every split a row's value sends right clears the leaves of that split's left subtree, and the
// leaf the row reaches is the lowest bit left: the walk's outcome, from every split evaluated in
// any order, with no dependent loads. Eight rows go through each split at once (one 8-float
// load of the feature, one compare, one masked AND). For XGBoost, one call scores a block of rows
// over every tree and adds the leaf values to the margins itself.
#ifndef CFOREST_WALK_H
#define CFOREST_WALK_H

#include <stdint.h>

#include "CFeatureGroups.h"
#include "CLinearSums.h"

/// One split of a tree in mask form.
typedef struct {
    /// A value `< threshold` goes left.
    float threshold;
    /// The feature's offset in a group of rows (feature index x 8) in the low 30 bits; bit 31
    /// set when a missing (NaN) value goes left (otherwise it goes right).
    uint32_t feature;
    /// The leaves a row keeps when it goes right: every bit but those of the left subtree.
    uint64_t keep;
} swerve_mask_split;

/// 1 when this CPU can run `swerve_forest_walk_masks`, else 0 (any CPU that is not x86-64).
int swerve_forest_walk_masks_available(void);

/// For rows `0..<rowCount` (a multiple of 8), laid out in groups of 8 rows (lane k of a group
/// reads feature f at `group[f * 8 + k]`, groups `groupSize` floats apart), writes to `leaves[row]`
/// the entry of `leafOffsets` (the tree's leaves, left to right) for the leaf that row reaches.
void swerve_forest_walk_masks(
    const swerve_mask_split *splits, intptr_t splitCount, const uint32_t *leafOffsets, const float *groups, intptr_t groupSize,
    intptr_t rowCount, uint32_t *leaves);

/// Where one tree's splits and leaves are in the arrays of `swerve_forest_sum_masks`.
typedef struct {
    int32_t firstSplit;
    int32_t splitCount;
    /// The first `missingRightCount` of the tree's splits send a missing value right, the others
    /// left (the order of a tree's splits does not change its masks).
    int32_t missingRightCount;
    int32_t firstLeaf;
    /// The output (class) whose sum the tree adds to.
    int32_t group;
} swerve_mask_tree;

/// Every tree at once, for a forest whose leaves hold Float values that are summed (XGBoost):
/// for rows `0..<rowCount` (a multiple of 8, laid out as for `swerve_forest_walk_masks`), adds to
/// `sums[row * groupCount + tree.group]` the value (`leafValues[tree.firstLeaf + leaf]`, Float
/// bits) of the leaf the row reaches, tree after tree in order: per sum, the same Float additions
/// in the same order as adding one tree's leaves at a time.
void swerve_forest_sum_masks(
    const swerve_mask_split *splits, const swerve_mask_tree *trees, intptr_t treeCount, const uint32_t *leafValues,
    const float *groups, intptr_t groupSize, intptr_t rowCount, float *sums, intptr_t groupCount);

/// `swerve_forest_sum_masks` with one output (`groupCount` 1, so `sums[row]`), for a forest whose
/// trees have at most 32 leaves each (XGBoost's default depth of 6 has up to 64; churn's depth 5
/// has 32). A row's mask is then a 32-bit lane: a split is one 8-float compare and one bitwise
/// operation for eight rows, with no mask register; the lowest leaf left is found with a
/// conversion to float; its value is looked up in the tree's leaf values held in two registers;
/// and each row's sum stays in a register across every tree, added to in the trees' order.
/// `leafValues` must be readable 32 entries past any tree's `firstLeaf`.
void swerve_forest_sum_narrow_masks(
    const swerve_mask_split *splits, const swerve_mask_tree *trees, intptr_t treeCount, const uint32_t *leafValues,
    const float *groups, intptr_t groupSize, intptr_t rowCount, float *sums);

#endif
