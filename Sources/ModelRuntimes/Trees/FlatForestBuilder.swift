/// One tree as a model file describes it, before flattening: parallel arrays indexed by the
/// file's own node ids, node 0 being the root and `leftChildren[n] == -1` marking a leaf.
///
/// Entries of nodes that cannot be reached from the root (xgboost's deleted nodes) are never read.
struct SourceTree {
    var leftChildren: [Int32]
    var rightChildren: [Int32]
    /// Feature index read at each split.
    var features: [Int32]
    /// Threshold of each numerical split: a value `< threshold` goes left.
    var thresholds: [Float]
    /// Where a missing (NaN) value goes at each split.
    var missingGoesLeft: [Bool]
    /// What each leaf stores in the flattened node (see `FlatNode.payload`).
    var leafPayloads: [UInt32]
    /// Categorical splits: node id to the category codes that go right.
    var categories: [Int: [Int]] = [:]
}

/// A structural defect found while flattening: the array, the node, and what is wrong.
struct TreeShapeError: Error {
    /// The source array at fault (`left_children`, `split_indices`, ...).
    var field: String
    var node: Int
    var problem: String
}

/// Flattens and checks trees one at a time into a `FlatForest`.
///
/// Every node reachable from a root is visited once, breadth first: a child index outside the
/// arrays, a node reached twice (a cycle or a shared subtree) or a feature index outside
/// `featureCount` is refused, which is what lets the walk run without bounds checks.
struct FlatForestBuilder {
    /// Category codes at or above this never match (xgboost sends such values left).
    static let categoryLimit = 1 << 24
    /// Features a forest may read: their lane offsets must fit the node's 30-bit field.
    static let maximumFeatureCount = Int(FlatNode.featureMask) / ForestWalker.lanes
    /// Nodes a forest may hold: their byte offsets must fit a `UInt32`.
    static let maximumNodeCount = 1 << 27
    static let nodeSize = MemoryLayout<FlatNode>.stride
    /// Bit-set words all categorical splits together may take (64 MB), so that a file listing
    /// huge category codes on many nodes cannot exhaust memory.
    static let maximumCategoryWords = 1 << 24

    let featureCount: Int
    private var nodes: [FlatNode] = []
    private var trees: [FlatTree] = []
    private var categoryWords: [UInt32] = []

    init(featureCount: Int) {
        precondition(featureCount >= 0 && featureCount <= Self.maximumFeatureCount, "too many features")
        self.featureCount = featureCount
    }

    /// Appends `tree`, which adds to output group `group`.
    mutating func add(_ tree: SourceTree, group: Int) throws(TreeShapeError) {
        let count = tree.leftChildren.count
        guard count > 0 else { throw TreeShapeError(field: "left_children", node: 0, problem: "the tree has no nodes") }
        guard nodes.count + count < Self.maximumNodeCount else {
            throw TreeShapeError(field: "left_children", node: 0, problem: "too many nodes in the model")
        }
        var newIndex = [Int32](repeating: -1, count: count)
        var depthOf = [Int32](repeating: 0, count: count)
        var queue: [Int] = [0]
        let root = Int32(nodes.count)
        newIndex[0] = root
        nodes.append(FlatNode(threshold: 0, word: 0, left: 0, payload: 0))
        var maximumDepth: Int32 = 0
        var head = 0
        while head < queue.count {
            let n = queue[head]
            head += 1
            let slot = Int(newIndex[n])
            let left = Int(tree.leftChildren[n])
            if left == -1 {
                maximumDepth = max(maximumDepth, depthOf[n])
                nodes[slot] = FlatNode(
                    threshold: .nan, word: FlatNode.missingRightFlag, left: UInt32(truncatingIfNeeded: (slot - 1) * Self.nodeSize),
                    payload: tree.leafPayloads[n])
                continue
            }
            let right = Int(tree.rightChildren[n])
            try checkChild(left, field: "left_children", of: n, newIndex: newIndex)
            try checkChild(right, field: "right_children", of: n, newIndex: newIndex)
            guard left != right else { throw TreeShapeError(field: "right_children", node: n, problem: "both children are node \(left)") }
            let feature = Int(tree.features[n])
            guard feature >= 0, feature < featureCount else {
                throw TreeShapeError(
                    field: "split_indices", node: n, problem: "feature \(feature) is outside 0..<\(featureCount) (num_feature)")
            }
            var word = UInt32(feature * ForestWalker.lanes)
            if !tree.missingGoesLeft[n] { word |= FlatNode.missingRightFlag }
            var payload: UInt32 = 0
            if let codes = tree.categories[n] {
                word |= FlatNode.categoricalFlag
                payload = try appendCategorySet(codes, node: n)
            }
            let leftSlot = Int32(nodes.count)
            nodes[slot] = FlatNode(threshold: tree.thresholds[n], word: word, left: UInt32(Int(leftSlot) * Self.nodeSize), payload: payload)
            nodes.append(FlatNode(threshold: 0, word: 0, left: 0, payload: 0))
            nodes.append(FlatNode(threshold: 0, word: 0, left: 0, payload: 0))
            newIndex[left] = leftSlot
            newIndex[right] = leftSlot + 1
            depthOf[left] = depthOf[n] + 1
            depthOf[right] = depthOf[n] + 1
            queue.append(left)
            queue.append(right)
        }
        trees.append(FlatTree(root: UInt32(Int(root) * Self.nodeSize), depth: maximumDepth, group: Int32(group)))
    }

    private func checkChild(_ child: Int, field: String, of node: Int, newIndex: [Int32]) throws(TreeShapeError) {
        guard child >= 0, child < newIndex.count else {
            throw TreeShapeError(field: field, node: node, problem: "child \(child) is outside 0..<\(newIndex.count) (num_nodes)")
        }
        guard newIndex[child] == -1 else {
            throw TreeShapeError(field: field, node: node, problem: "node \(child) is reached twice (a cycle or a shared subtree)")
        }
    }

    /// Stores a category set as a word count followed by a bit set; returns its offset.
    private mutating func appendCategorySet(_ codes: [Int], node: Int) throws(TreeShapeError) -> UInt32 {
        let usable = codes.filter { $0 >= 0 && $0 < Self.categoryLimit }
        let wordCount = usable.isEmpty ? 0 : usable.max()! / 32 + 1
        guard categoryWords.count + wordCount < Self.maximumCategoryWords else {
            throw TreeShapeError(field: "categories", node: node, problem: "category sets too large to hold (codes up to \(usable.max() ?? 0))")
        }
        let offset = UInt32(categoryWords.count)
        categoryWords.append(UInt32(wordCount))
        let start = categoryWords.count
        categoryWords.append(contentsOf: repeatElement(0, count: wordCount))
        for code in usable { categoryWords[start + code / 32] |= 1 << UInt32(code % 32) }
        return offset
    }

    /// The finished forest. A sentinel node and word keep the arrays non-empty.
    func build() -> FlatForest {
        FlatForest(
            nodes: nodes + [FlatNode(threshold: .nan, word: FlatNode.missingRightFlag, left: 0, payload: 0)],
            trees: trees, categoryWords: categoryWords + [0], featureCount: featureCount)
    }
}
