#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes numbers into a UTF-8 byte buffer as the shortest text that reads back exactly.
///
/// Clients compare Swerve's answers with their library's bit for bit, so a Double is written
/// with Swift's shortest round-trip text, and a Float (an XGBoost output) with the shortest text
/// that reads back to the same Float. Integral values lose the `.0` (`1`, not `1.0`), as Python's
/// `json` would not, but CSV consumers such as Aurora expect.
public enum NumberFormatting {
    /// Appends `value`, or `nonFinite` (`null` for JSON) for NaN and infinities.
    public static func append(_ value: Double, to output: inout [UInt8], nonFinite: String = "null") {
        appendShortest(value, integralBelow: 1e15, to: &output, nonFinite: nonFinite)
    }

    /// Appends a Float as its shortest round-trip text.
    public static func append(_ value: Float, to output: inout [UInt8], nonFinite: String = "null") {
        appendShortest(value, integralBelow: 1e7, to: &output, nonFinite: nonFinite)
    }

    /// Integral values below `integralBelow` (where every integer is exact) are written as
    /// integers; others as Swift's shortest round-trip text for the type.
    @inline(__always)
    private static func appendShortest<Value: BinaryFloatingPoint & CustomStringConvertible>(
        _ value: Value, integralBelow limit: Value, to output: inout [UInt8], nonFinite: String
    ) {
        guard value.isFinite else {
            output.append(contentsOf: nonFinite.utf8)
            return
        }
        if value == value.rounded(), abs(value) < limit {
            appendInteger(Int(value), to: &output)
            return
        }
        output.append(contentsOf: value.description.utf8)
    }

    /// `value` rounded to `decimals` places exactly as Python's `round(value, decimals)`: the
    /// Double nearest to the decimal that is nearest to the exact binary value.
    ///
    /// The scaled product is exact enough unless it lies within rounding error of a tie; only then
    /// does it ask `snprintf`, which rounds the exact binary value.
    public static func rounded(_ value: Double, decimals: Int) -> Double {
        guard value.isFinite, decimals >= 0, decimals <= 15 else { return value }
        let scale = pow(10.0, Double(decimals))
        let scaled = value * scale
        guard abs(scaled) < 1e15 else { return value }
        let distanceFromTie = abs(abs(scaled - scaled.rounded(.towardZero)) - 0.5)
        if distanceFromTie > 1e-6 {
            return scaled.rounded(.toNearestOrEven) / scale
        }
        var buffer = [CChar](repeating: 0, count: 64)
        let written = withVaList([decimals, value]) { vsnprintf(&buffer, buffer.count, "%.*f", $0) }
        guard written > 0, written < buffer.count else { return value }
        return strtod(buffer, nil)
    }

    /// Appends a decimal integer.
    public static func appendInteger(_ value: Int, to output: inout [UInt8]) {
        if value < 0 {
            output.append(UInt8(ascii: "-"))
            if value == Int.min {
                output.append(contentsOf: "9223372036854775808".utf8)
                return
            }
        }
        var magnitude = value.magnitude
        if magnitude < 10 {
            output.append(UInt8(ascii: "0") + UInt8(magnitude))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var count = 0
            while magnitude > 0 {
                digits[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: digits[(20 - count)...]))
        }
    }
}
