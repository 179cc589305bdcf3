import ModelRuntimes

/// A k-nearest-neighbours regressor: the mean target of the `k` training points nearest to a
/// row, by Euclidean distance over features scaled to unit standard deviation.
///
/// Its file format is its own (`knn-regressor/v1`):
/// `{"format": "knn-regressor/v1", "features": [...], "k": 5, "target": "price",
///   "points": [[...], ...], "targets": [...]}`.
struct KNNRegressor: Sendable {
    let features: [String]
    let k: Int
    let target: String
    /// Training points, row-major, already divided by `scale`.
    let points: [Double]
    let targets: [Double]
    let scale: [Double]

    /// Reads the document; every error names the file and the field (that is what
    /// `ArtifactObject` is for).
    init(document: ArtifactObject) throws {
        let format = try document.string("format")
        guard format == "knn-regressor/v1" else { throw document.error("format", "expected \"knn-regressor/v1\", found \"\(format)\"") }
        features = try document.strings("features")
        guard !features.isEmpty else { throw document.error("features", "no features") }
        target = try document.string("target")
        targets = try document.doubles("targets")
        let rows = try document.array("points", count: targets.count)
        guard !rows.isEmpty else { throw document.error("points", "no training points") }
        k = try document.integer("k")
        guard (1...rows.count).contains(k) else { throw document.error("k", "must be between 1 and the number of points (\(rows.count))") }
        var raw: [Double] = []
        for (index, row) in rows.enumerated() {
            guard let values = row.arrayValue, values.count == features.count else {
                throw document.error("points[\(index)]", "expected \(features.count) numbers")
            }
            for value in values {
                guard let number = value.doubleValue, number.isFinite else { throw document.error("points[\(index)]", "expected finite numbers") }
                raw.append(number)
            }
        }
        let width = features.count
        let scale = (0..<width).map { column in
            let values = stride(from: column, to: raw.count, by: width).map { raw[$0] }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            return variance > 0 ? variance.squareRoot() : 1
        }
        self.scale = scale
        points = raw.enumerated().map { $0.element / scale[$0.offset % width] }
    }

    /// The prediction for one row of raw feature values.
    func predict(_ row: [Double]) -> Double {
        let width = features.count
        var nearest: [(distance: Double, index: Int)] = []
        nearest.reserveCapacity(targets.count)
        for index in targets.indices {
            var distance = 0.0
            for column in 0..<width {
                let difference = row[column] / scale[column] - points[index * width + column]
                distance += difference * difference
            }
            nearest.append((distance, index))
        }
        nearest.sort { ($0.distance, $0.index) < ($1.distance, $1.index) }
        return nearest.prefix(k).reduce(0) { $0 + targets[$1.index] } / Double(k)
    }
}
