import Atomics
import Logging
import ModelRuntimes
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One structured line per response, through swift-log, for operators who grep, ship or sample
/// logs rather than scrape metrics.
///
/// A line is one JSON object:
/// `{"time":"2026-11-29T21:40:00.123Z","method":"POST","route":"/invocations","path":"/invocations",
/// "status":200,"bytes_in":85,"bytes_out":2,"duration_ms":0.412,"model_ms":0.120,"queue_ms":0.051,
/// "request_id":"3f9a12c4-1b-7","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}` (`error` with the
/// error's code on 4xx and 5xx, `amzn_trace_id` when the caller sent one).
///
/// So that logging cannot take the server down under load, successful responses are sampled
/// (one in round(1 / rate)) and capped per second; every 4xx and 5xx is logged regardless unless
/// configured otherwise. Both decisions are an atomic counter, no lock; only lines that are
/// written build a string.
public final class AccessLog: Sendable {
    private let logger: Logger
    private let sampleEvery: UInt64
    private let maxPerSecond: UInt64
    private let logAllErrors: Bool
    private let sampled = ManagedAtomic<UInt64>(0)
    /// The second being counted (high 32 bits) and the lines written in it (low 32 bits).
    private let window = ManagedAtomic<UInt64>(0)
    /// Successful lines left out by the cap (sampling skips are not counted).
    private let capped = ManagedAtomic<UInt64>(0)

    /// - Parameter logger: where lines go; `swerve serve` gives the label `swerve.access` a handler
    ///   that writes each message as a bare line (`JSONLineLogHandler`).
    public init(configuration: AccessLogConfiguration, logger: Logger) {
        self.logger = logger
        self.sampleEvery = configuration.sampleEvery
        self.maxPerSecond = UInt64(max(0, configuration.maxLinesPerSecond))
        self.logAllErrors = configuration.logAllErrors
    }

    /// Lines the per-second cap has left out so far.
    public var cappedLines: UInt64 { capped.load(ordering: .relaxed) }

    /// Logs `response` if sampling and the cap let it through; `elapsed` is its total latency.
    public func record(_ response: Response, elapsed: TimeAmount) {
        let isError = response.status.code >= 400
        if !(isError && logAllErrors) {
            guard admitsSample(), admitsUnderCap() else { return }
        }
        logger.info(Logger.Message(stringLiteral: Self.line(response, elapsed: elapsed, now: Self.wallNanoseconds())))
    }

    private func admitsSample() -> Bool {
        guard sampleEvery > 0 else { return false }
        if sampleEvery == 1 { return true }
        return sampled.loadThenWrappingIncrement(ordering: .relaxed) % sampleEvery == 0
    }

    private func admitsUnderCap() -> Bool {
        guard maxPerSecond > 0 else { return true }
        let second = CPUClock.monotonicNanoseconds() / 1_000_000_000 & 0xffff_ffff
        var current = window.load(ordering: .relaxed)
        while true {
            let next: UInt64
            if current >> 32 == second {
                guard current & 0xffff_ffff < maxPerSecond else {
                    capped.wrappingIncrement(ordering: .relaxed)
                    return false
                }
                next = current &+ 1
            } else {
                next = second << 32 | 1
            }
            let (exchanged, original) = window.compareExchange(expected: current, desired: next, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    // MARK: The line

    /// The JSON line for `response`, written at `now` (wall-clock nanoseconds).
    static func line(_ response: Response, elapsed: TimeAmount, now: UInt64) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(320)
        bytes.append(contentsOf: #"{"time":""#.utf8)
        appendTimestamp(now, to: &bytes)
        bytes.append(contentsOf: #"","method":"#.utf8)
        JSONText.appendString(response.request.method?.rawValue ?? "-", to: &bytes)
        bytes.append(contentsOf: #","route":"#.utf8)
        JSONText.appendString(response.route.name, to: &bytes)
        bytes.append(contentsOf: #","path":"#.utf8)
        JSONText.appendString(String(Request.path(of: response.request.uri).prefix(256)), to: &bytes)
        bytes.append(contentsOf: #","status":"#.utf8)
        bytes.append(contentsOf: String(response.status.code).utf8)
        bytes.append(contentsOf: #","bytes_in":"#.utf8)
        bytes.append(contentsOf: String(response.request.bytesIn).utf8)
        bytes.append(contentsOf: #","bytes_out":"#.utf8)
        bytes.append(contentsOf: String(response.body.readableBytes).utf8)
        bytes.append(contentsOf: #","duration_ms":"#.utf8)
        appendMilliseconds(UInt64(max(0, elapsed.nanoseconds)), to: &bytes)
        bytes.append(contentsOf: #","model_ms":"#.utf8)
        appendMilliseconds(response.modelNanoseconds, to: &bytes)
        bytes.append(contentsOf: #","queue_ms":"#.utf8)
        appendMilliseconds(response.queueNanoseconds, to: &bytes)
        bytes.append(contentsOf: #","request_id":"#.utf8)
        JSONText.appendString(response.request.id.description, to: &bytes)
        bytes.append(contentsOf: #","trace_id":"#.utf8)
        if let traceID = response.request.traceID(response.trace) {
            JSONText.appendString(String(traceID), to: &bytes)
        } else {
            bytes.append(contentsOf: "null".utf8)
        }
        if let amzn = response.request.traceHeaders.amznTraceID {
            bytes.append(contentsOf: #","amzn_trace_id":"#.utf8)
            JSONText.appendString(amzn, to: &bytes)
        }
        if let error = response.error {
            bytes.append(contentsOf: #","error":"#.utf8)
            JSONText.appendString(error.code, to: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Milliseconds with microsecond precision: `12.345`.
    private static func appendMilliseconds(_ nanoseconds: UInt64, to bytes: inout [UInt8]) {
        let micros = nanoseconds / 1000
        bytes.append(contentsOf: String(micros / 1000).utf8)
        bytes.append(UInt8(ascii: "."))
        appendDigits(Int(micros % 1000), width: 3, to: &bytes)
    }

    /// RFC 3339 in UTC with milliseconds: `2026-11-29T21:40:00.123Z`.
    static func appendTimestamp(_ nanoseconds: UInt64, to bytes: inout [UInt8]) {
        var seconds = time_t(nanoseconds / 1_000_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        appendDigits(Int(parts.tm_year) + 1900, width: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mon) + 1, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mday), width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "T"))
        appendDigits(Int(parts.tm_hour), width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_min), width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_sec), width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "."))
        appendDigits(Int(nanoseconds / 1_000_000 % 1000), width: 3, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
    }

    private static func appendDigits(_ value: Int, width: Int, to bytes: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var remaining = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(remaining / divisor % 10))
            remaining %= divisor
            divisor /= 10
        }
    }

    static func wallNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }
}
