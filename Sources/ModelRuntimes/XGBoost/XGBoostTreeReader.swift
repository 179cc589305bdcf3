/// Reads one `trees[i]` object of an XGBoost JSON model into a `SourceTree`, checking that every
/// parallel array has `tree_param.num_nodes` entries and that categorical splits have their sets.
///
/// Child and feature indices, cycles and reachability are checked when the tree is flattened
/// (`FlatForestBuilder`); this reader checks what the file format itself promises.
enum XGBoostTreeReader {
    static func read(_ tree: ArtifactObject, index: Int) throws -> SourceTree {
        let parameters = try tree.object("tree_param")
        let nodeCount = try parameters.integerString("num_nodes", in: 1...Int(Int32.max))
        if parameters.contains("size_leaf_vector") {
            let leafVector = try parameters.integerString("size_leaf_vector", in: 0...Int(Int32.max))
            guard leafVector <= 1 else {
                throw parameters.error(
                    "size_leaf_vector", "\(leafVector): multi-target trees (multi_strategy=\"multi_output_tree\") are not supported")
            }
        }
        if tree.contains("id") {
            let id = try tree.integer("id")
            guard id == index else { throw tree.error("id", "\(id) does not match the tree's position \(index)") }
        }
        let left = try tree.integers("left_children", count: nodeCount)
        let right = try tree.integers("right_children", count: nodeCount)
        let features = try tree.integers("split_indices", count: nodeCount)
        let conditions = try tree.doubles("split_conditions", count: nodeCount).map { Float($0) }
        let defaultLeft = try tree.integers("default_left", count: nodeCount, in: 0...1)
        let splitTypes =
            tree.contains("split_type")
            ? try tree.integers("split_type", count: nodeCount, in: 0...1)
            : [Int32](repeating: 0, count: nodeCount)
        let sets = try categorySets(tree, nodeCount: nodeCount)
        var categories: [Int: [Int]] = [:]
        for node in 0..<nodeCount where splitTypes[node] == 1 && left[node] != -1 {
            guard let codes = sets[node] else {
                throw tree.error("categories_nodes", "node \(node) is a categorical split (split_type 1) without a category set")
            }
            categories[node] = codes
        }
        return SourceTree(
            leftChildren: left, rightChildren: right, features: features, thresholds: conditions,
            missingGoesLeft: defaultLeft.map { $0 == 1 }, leafPayloads: conditions.map(\.bitPattern),
            categories: categories)
    }

    /// The category set of each categorical node: `categories[segment ..< segment + size]`.
    private static func categorySets(_ tree: ArtifactObject, nodeCount: Int) throws -> [Int: [Int]] {
        guard tree.contains("categories_nodes") else { return [:] }
        let nodes = try tree.integers("categories_nodes", in: 0...(nodeCount - 1))
        let segments = try tree.integers("categories_segments", count: nodes.count, in: 0...Int(Int32.max))
        let sizes = try tree.integers("categories_sizes", count: nodes.count, in: 0...Int(Int32.max))
        let codes = try tree.integers("categories", in: 0...Int(Int32.max))
        var sets: [Int: [Int]] = [:]
        for (i, node) in nodes.enumerated() {
            let start = Int(segments[i])
            let end = Int(segments[i]) + Int(sizes[i])
            guard end <= codes.count else {
                throw tree.error("categories_segments[\(i)]", "segment \(start)..<\(end) runs past the \(codes.count) entries of categories")
            }
            sets[Int(node)] = codes[start..<end].map { Int($0) }
        }
        return sets
    }
}
