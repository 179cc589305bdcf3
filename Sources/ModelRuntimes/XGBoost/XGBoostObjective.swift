#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The learning objectives Swerve can serve, with the two places an objective shows at inference:
/// how the stored `base_score` becomes the starting margin, and how margins become outputs.
///
/// Both follow xgboost 3.2.0 in float32, calling the C `expf`/`logf` of the system libm as the
/// xgboost wheel does, so outputs are bit-identical (see docs/xgboost-json-format.md §3, §4).
public enum XGBoostObjective: String, Sendable, CaseIterable {
    case binaryLogistic = "binary:logistic"
    case binaryLogitraw = "binary:logitraw"
    case regSquaredError = "reg:squarederror"
    case regLogistic = "reg:logistic"
    case multiSoftprob = "multi:softprob"
    case multiSoftmax = "multi:softmax"

    /// True for the multi-class objectives, whose trees are spread over `num_class` output groups.
    public var isMultiClass: Bool { self == .multiSoftprob || self == .multiSoftmax }

    /// Values written per row: one per class for `multi:softprob`, one otherwise.
    public func outputsPerRow(groups: Int) -> Int { self == .multiSoftprob ? groups : 1 }

    /// The starting margin for a stored `base_score` value (xgboost's `ProbToMargin`).
    ///
    /// Logistic objectives store a probability: it is clamped to [1e-6, 1 - 1e-6] and mapped to
    /// `-logf(1/b - 1)`. Every other supported objective stores the margin itself.
    public func baseMargin(fromStored stored: Float) -> Float {
        switch self {
        case .binaryLogistic, .regLogistic:
            let lower: Float = 1e-6
            let upper: Float = 1 - 1e-6
            let clamped = Swift.min(Swift.max(stored, lower), upper)
            return -logf(1 / clamped - 1)
        case .binaryLogitraw, .regSquaredError, .multiSoftprob, .multiSoftmax:
            return stored
        }
    }

    /// Turns one row's margins (`groups` values) into its outputs (`outputsPerRow` values).
    @inline(__always)
    public func transform(margins: UnsafePointer<Float>, groups: Int, into output: UnsafeMutablePointer<Float>) {
        switch self {
        case .binaryLogistic, .regLogistic:
            output[0] = Self.sigmoid(margins[0])
        case .binaryLogitraw, .regSquaredError:
            output[0] = margins[0]
        case .multiSoftprob:
            Self.softmax(margins, count: groups, into: output)
        case .multiSoftmax:
            output[0] = Float(Self.firstMaximum(margins, count: groups))
        }
    }

    /// xgboost's `common::Sigmoid`: `1 / (expf(min(-x, 88.7)) + 1 + 1e-16)`, all in Float.
    @inline(__always)
    static func sigmoid(_ margin: Float) -> Float {
        let epsilon: Float = 1e-16
        let denominator = expf(Swift.min(-margin, 88.7)) + 1 + epsilon
        return 1 / denominator
    }

    /// xgboost's `common::Softmax`: exponentials in Float, their sum in Double.
    static func softmax(_ margins: UnsafePointer<Float>, count: Int, into output: UnsafeMutablePointer<Float>) {
        var maximum = margins[0]
        for k in 1..<max(count, 1) { maximum = fmaxf(margins[k], maximum) }
        var sum: Double = 0
        for k in 0..<count {
            let e = expf(margins[k] - maximum)
            output[k] = e
            sum += Double(e)
        }
        let total = Float(sum)
        for k in 0..<count { output[k] = output[k] / total }
    }

    /// The index of the first largest margin (`std::max_element`), the class `multi:softmax` answers.
    static func firstMaximum(_ margins: UnsafePointer<Float>, count: Int) -> Int {
        var best = 0
        for k in 1..<max(count, 1) where margins[k] > margins[best] { best = k }
        return best
    }
}
