/// Prediction, following xgboost's CPU predictor step for step: every feature is a Float, a
/// split sends `value < threshold` left (strict, Float against Float) and NaN its default way,
/// and each group's margin starts at its base margin and adds one leaf per tree, in Float, in
/// the order of the trees. The objective then transforms the margins in Float.
extension XGBoostModel {
    /// Scores rows `rows` of `source`, writing `groupCount` margins and `outputsPerRow` outputs per
    /// row (row-major, row `rows.lowerBound` first). Either buffer may be nil when not wanted.
    public func predict<Source: FeatureSource>(
        _ source: Source, rows: Range<Int>,
        margins: UnsafeMutablePointer<Float>?, outputs: UnsafeMutablePointer<Float>?
    ) {
        let groups = groupCount
        let perRow = outputsPerRow
        withUnsafeTemporaryAllocation(of: Float.self, capacity: FlatForest.blockRows * groups) { scratch in
            scratch.initialize(repeating: 0)  // rows past a block's end are summed too, and never read
            let accumulators = scratch.baseAddress!
            forest.forEachBlock(source, rows: rows) { block in
                let count = block.rows.count
                baseMargins.withUnsafeBufferPointer { base in
                    for row in 0..<count {
                        for group in 0..<groups { accumulators[row * groups + group] = base[group] }
                    }
                }
                if block.sumLeafValues(into: accumulators, groupCount: groups) {
                    // Every tree's leaf added by the mask walk, in tree order.
                } else if groups == 1 {
                    for tree in 0..<forest.treeCount {
                        let leaves = block.leaves(ofTree: tree)
                        for row in 0..<count { accumulators[row] += Float(bitPattern: block.payload(leaves[row])) }
                    }
                } else {
                    for tree in 0..<forest.treeCount {
                        let leaves = block.leaves(ofTree: tree)
                        let group = forest.group(ofTree: tree)
                        for row in 0..<count {
                            accumulators[row * groups + group] += Float(bitPattern: block.payload(leaves[row]))
                        }
                    }
                }
                let offset = block.rows.lowerBound - rows.lowerBound
                if let margins {
                    (margins + offset * groups).update(from: accumulators, count: count * groups)
                }
                if let outputs {
                    for row in 0..<count {
                        objective.transform(margins: accumulators + row * groups, groups: groups, into: outputs + (offset + row) * perRow)
                    }
                }
            }
        }
    }

    /// Scores every row of `source` (`rowCount` rows); returns margins and outputs row-major.
    public func predict<Source: FeatureSource>(_ source: Source, rowCount: Int) -> (margins: [Float], outputs: [Float]) {
        var margins = [Float](repeating: 0, count: rowCount * groupCount)
        var outputs = [Float](repeating: 0, count: rowCount * outputsPerRow)
        margins.withUnsafeMutableBufferPointer { m in
            outputs.withUnsafeMutableBufferPointer { o in
                predict(source, rows: 0..<rowCount, margins: m.baseAddress, outputs: o.baseAddress)
            }
        }
        return (margins, outputs)
    }
}
