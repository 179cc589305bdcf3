#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A linear regression read from `linear-regression/v1`: `y = intercept + Σ coefficients[i] * f_i(x_i)`
/// with each `f_i` the identity or the natural log.
///
/// The real-estate model (`cost = 95.02 - 8.92 ln(distance)`) is one; the arithmetic is float64 in
/// input order, as numpy computed it.
public struct LinearRegressionModel: Sendable {
    /// How an input is transformed before it is weighted.
    public enum Transform: String, Sendable {
        case identity
        case ln
    }

    /// One input column.
    public struct Input: Sendable {
        public var name: String
        public var transform: Transform
    }

    public var inputs: [Input]
    public var intercept: Double
    public var coefficients: [Double]
    /// The response field's name (`cost`).
    public var outputName: String

    /// Reads a `linear-regression/v1` document.
    public init(document: ArtifactObject) throws {
        let format = try document.string("format")
        guard format == "linear-regression/v1" else {
            throw document.error("format", "expected \"linear-regression/v1\", found \"\(format)\"")
        }
        inputs = try document.objects("inputs").map { input in
            let name = try input.string("name")
            let transformName = input.contains("transform") ? try input.string("transform") : "identity"
            guard let transform = Transform(rawValue: transformName) else {
                throw input.error("transform", "unknown \"\(transformName)\" (known: identity, ln)")
            }
            return Input(name: name, transform: transform)
        }
        intercept = try document.double("intercept")
        coefficients = try document.doubles("coefficients")
        guard !inputs.isEmpty, coefficients.count == inputs.count else {
            throw document.error("coefficients", "\(coefficients.count) coefficients for \(inputs.count) inputs")
        }
        outputName = try document.object("output").string("name")
    }

    /// Checks one input value; returns the problem when the model cannot use it.
    @inlinable
    public func problem(with value: Double, input: Int) -> String? {
        if !value.isFinite { return "\(value) is not a finite number" }
        if inputs[input].transform == .ln && value <= 0 {
            return "\(NumberText.shortest(value)) is not positive (the model takes ln(\(inputs[input].name)))"
        }
        return nil
    }

    /// The prediction for one row of valid values, in input order.
    @inlinable
    public func predict(_ values: (Int) -> Double) -> Double {
        var sum = intercept
        for index in coefficients.indices {
            let x = values(index)
            sum += coefficients[index] * (inputs[index].transform == .ln ? log(x) : x)
        }
        return sum
    }
}

/// Short number text for messages.
public enum NumberText {
    public static func shortest(_ value: Double) -> String {
        var bytes: [UInt8] = []
        NumberFormatting.append(value, to: &bytes, nonFinite: value.isNaN ? "NaN" : (value > 0 ? "Infinity" : "-Infinity"))
        return String(decoding: bytes, as: UTF8.self)
    }
}
