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
    public init(document: JSONObject, file: String) throws {
        let format = try document.requiredString("format", file: file)
        guard format == "linear-regression/v1" else {
            throw ModelLoadError(file: file, problem: "field \"format\": expected \"linear-regression/v1\", found \"\(format)\"")
        }
        inputs = try document.requiredArray("inputs", file: file).enumerated().map { index, element in
            guard let object = element.objectValue else {
                throw ModelLoadError(file: file, problem: "field \"inputs\"[\(index)]: expected an object")
            }
            let name = try object.requiredString("name", file: file)
            let transformName = object["transform"]?.stringValue ?? "identity"
            guard let transform = Transform(rawValue: transformName) else {
                throw ModelLoadError(file: file, problem: "field \"inputs\"[\(index)].transform: unknown \"\(transformName)\" (known: identity, ln)")
            }
            return Input(name: name, transform: transform)
        }
        intercept = try document.requiredDouble("intercept", file: file)
        coefficients = try document.requiredDoubles("coefficients", file: file)
        guard !inputs.isEmpty, coefficients.count == inputs.count else {
            throw ModelLoadError(
                file: file, problem: "field \"coefficients\": \(coefficients.count) coefficients for \(inputs.count) inputs")
        }
        outputName = try document.requiredObject("output", file: file).requiredString("name", file: file)
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
