import CForestWalk

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A forest's trees in the bit-mask form that `CForestWalk` evaluates with AVX-512, eight rows
/// per instruction, instead of walking each row down each tree.
///
/// Built once, when the model loads, from the flattened nodes: for each tree of at most 64 leaves
/// its splits (threshold, feature, and the leaves a row keeps when it goes right) and its leaves
/// left to right, as byte offsets into `FlatForest.nodes` so that the walk's answer is the same
/// leaf the scalar walk finds. A tree with more leaves, or a forest with categorical splits,
/// keeps the scalar walk.
struct MaskForest: Sendable {
    /// Where each tree's splits and leaves start, and its output group; `splitCount` is -1 for a
    /// tree walked the scalar way.
    typealias Tree = swerve_mask_tree

    let splits: [swerve_mask_split]
    /// Each tree's leaves, left to right: byte offsets into `FlatForest.nodes`...
    let leafOffsets: [UInt32]
    /// ...and their payloads (for a forest whose leaves are summed, Float bits).
    let leafPayloads: [UInt32]
    let trees: [Tree]
    /// True when every tree has the mask form, so that a block can be scored in one call.
    let coversEveryTree: Bool
    /// True when, besides, every tree has at most `narrowLeaves` leaves, so that a block can be
    /// scored with 32-bit masks (`swerve_forest_sum_narrow_masks`).
    let everyTreeIsNarrow: Bool

    /// The most leaves a tree may have: one bit of a 64-bit mask each.
    static let maximumLeaves = 64
    /// The most leaves of a tree for 32-bit masks.
    static let narrowLeaves = 32

    /// The mask form of `nodes`' trees, or nil when no tree can use it (or the walk cannot run here).
    init?(nodes: [FlatNode], trees flatTrees: [FlatTree], hasCategoricalSplits: Bool) {
        guard !hasCategoricalSplits, TreeWalkKind.current == .masks else { return nil }
        var splits: [swerve_mask_split] = []
        var leafOffsets: [UInt32] = []
        var trees: [Tree] = []
        var everyTreeIsNarrow = true
        for tree in flatTrees {
            let firstSplit = splits.count
            let firstLeaf = leafOffsets.count
            var treeSplits: [swerve_mask_split] = []
            var treeLeaves: [UInt32] = []
            if Self.collect(tree.root, nodes: nodes, splits: &treeSplits, leaves: &treeLeaves) {
                // The splits that send a missing value right first: the walk then needs no
                // decision per split, and their order does not change the masks.
                let missingRight = treeSplits.filter { $0.feature >> 31 == 0 }
                splits.append(contentsOf: missingRight)
                splits.append(contentsOf: treeSplits.filter { $0.feature >> 31 != 0 })
                leafOffsets.append(contentsOf: treeLeaves)
                everyTreeIsNarrow = everyTreeIsNarrow && treeLeaves.count <= Self.narrowLeaves
                trees.append(
                    Tree(
                        firstSplit: Int32(firstSplit), splitCount: Int32(treeSplits.count), missingRightCount: Int32(missingRight.count),
                        firstLeaf: Int32(firstLeaf), group: tree.group))
            } else {
                trees.append(Tree(firstSplit: 0, splitCount: -1, missingRightCount: 0, firstLeaf: 0, group: tree.group))
            }
        }
        guard trees.contains(where: { $0.splitCount >= 0 }) else { return nil }
        // Copies of exactly their size (the arrays grew by doubling; a model stays loaded for
        // long, and multi-model mode counts its memory), each with a sentinel so it is never
        // empty and has a base address. The payloads have `narrowLeaves` of them: the narrow walk
        // reads 32 values from any tree's first leaf.
        self.splits = Self.exactCopy(splits, appending: swerve_mask_split())
        self.leafOffsets = Self.exactCopy(leafOffsets, appending: 0)
        self.leafPayloads = Self.exactCopy(
            leafOffsets.map { nodes[Int($0) / FlatForestBuilder.nodeSize].payload }, appending: 0, count: Self.narrowLeaves)
        self.trees = Self.exactCopy(trees, appending: Tree(firstSplit: 0, splitCount: -1, missingRightCount: 0, firstLeaf: 0, group: 0))
        self.coversEveryTree = trees.allSatisfy { $0.splitCount >= 0 }
        self.everyTreeIsNarrow = coversEveryTree && everyTreeIsNarrow
    }

    private static func exactCopy<Element>(_ elements: [Element], appending last: Element, count: Int = 1) -> [Element] {
        [Element](unsafeUninitializedCapacity: elements.count + count) { buffer, initialized in
            _ = buffer.initialize(from: elements)
            (buffer.baseAddress! + elements.count).initialize(repeating: last, count: count)
            initialized = elements.count + count
        }
    }

    /// Visits the subtree at byte offset `offset` in order, appending its leaves and its splits;
    /// false (and stops) once the tree has more than `maximumLeaves` leaves. The recursion is as
    /// deep as the leaves counted so far, so it stays under `maximumLeaves` + 1 levels.
    private static func collect(_ offset: UInt32, nodes: [FlatNode], splits: inout [swerve_mask_split], leaves: inout [UInt32]) -> Bool {
        let node = nodes[Int(offset) / FlatForestBuilder.nodeSize]
        if node.left &+ UInt32(FlatForestBuilder.nodeSize) == offset {  // a leaf loops onto itself
            guard leaves.count < maximumLeaves else { return false }
            leaves.append(offset)
            return true
        }
        let first = leaves.count
        guard collect(node.left, nodes: nodes, splits: &splits, leaves: &leaves) else { return false }
        let leftLeaves = leaves.count - first  // at most 63: the right subtree has a leaf too
        guard collect(node.left + UInt32(FlatForestBuilder.nodeSize), nodes: nodes, splits: &splits, leaves: &leaves) else { return false }
        let missingGoesLeft: UInt32 = node.word & FlatNode.missingRightFlag == 0 ? 1 << 31 : 0
        let leftBits = ((UInt64(1) << UInt64(leftLeaves)) - 1) << UInt64(first)
        splits.append(swerve_mask_split(threshold: node.threshold, feature: (node.word & FlatNode.featureMask) | missingGoesLeft, keep: ~leftBits))
        return true
    }
}

/// Which tree walk runs: the AVX-512 bit masks where the CPU has them, else the scalar walk.
///
/// `SWERVE_TREE_WALK=scalar` forces the scalar walk (to compare the two, or to rule the vector
/// walk out); both find the same leaves, so predictions are equal bit for bit.
public enum TreeWalkKind: String, Sendable {
    case scalar
    case masks

    /// The walk this process uses, chosen once.
    public static let current: TreeWalkKind = {
        let requested = getenv("SWERVE_TREE_WALK").map { String(cString: $0) }
        return requested != "scalar" && masksAvailable ? .masks : .scalar
    }()

    /// True when this CPU can run the bit-mask walk (x86-64 with AVX-512F and AVX-512VL).
    public static let masksAvailable: Bool = swerve_forest_walk_masks_available() != 0
}
