import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A swift-log handler that writes each message as it is, one line to standard output: for logs
/// whose messages are already structured (the access log's JSON lines), where a timestamp and
/// label prefix would break the format.
///
/// Each line goes out in one `write(2)` of the whole line (retried if the kernel takes part of
/// it): lines from several threads never interleave, and a line under 4 KiB written to a pipe is
/// atomic with respect to the server's other log lines (swift-log's `StreamLogHandler` flushes
/// after every line, so nothing of its lines waits in a buffer).
public struct JSONLineLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    public init() {}

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = event.message.description
        line.append("\n")
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return  // standard output is gone: nothing to log to
                }
            }
        }
    }
}
