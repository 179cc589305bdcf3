import NIOCore

/// The per-connection limits, from the server configuration.
struct ConnectionLimits: Sendable {
    var maxPayloadBytes: Int
    var maxURILength: Int
    var maxHeaderBytes: Int
    var idleTimeout: TimeAmount
    var requestTimeout: TimeAmount

    init(_ configuration: ServerConfiguration) {
        maxPayloadBytes = configuration.maxPayloadBytes
        maxURILength = configuration.maxURILength
        maxHeaderBytes = configuration.maxHeaderBytes
        idleTimeout = configuration.idleTimeout
        requestTimeout = configuration.requestTimeout
    }
}
