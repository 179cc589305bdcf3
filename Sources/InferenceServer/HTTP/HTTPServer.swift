import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// The listening socket and its connections, as a swift-service-lifecycle `Service`.
///
/// `run` binds, serves until graceful shutdown is requested (SIGTERM/SIGINT through the service
/// group), then closes the listening socket at once, lets every in-flight request finish, and
/// returns once the last connection has closed. Every connection asks `responder` for its
/// answers.
public final class HTTPServer: Service, Sendable {
    private let configuration: ServerConfiguration
    private let responder: any HTTPResponder
    private let group: any EventLoopGroup
    private let logger: Logger
    private let tracker = ConnectionTracker()
    /// The last large request body, kept for the next one (`BodyBufferSpare`).
    private let bodySpare = BodyBufferSpare()
    private let onBound: @Sendable (Int) -> Void

    /// - Parameters:
    ///   - configuration: host, port and the per-connection limits.
    ///   - responder: what every connection asks for its answers.
    ///   - group: the event loops that serve the connections.
    ///   - logger: where listening, draining and bind failures are logged.
    ///   - onBound: called with the port once the socket listens (useful with port 0).
    public init(
        configuration: ServerConfiguration, responder: any HTTPResponder, group: any EventLoopGroup, logger: Logger,
        onBound: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.responder = responder
        self.group = group
        self.logger = logger
        self.onBound = onBound
    }

    public func run() async throws {
        let channel: any Channel
        do {
            channel = try await bind()
        } catch let error as IOError {
            throw ConfigurationError(
                name: "port", problem: "cannot listen on \(configuration.host):\(configuration.port): \(String(cString: strerror(error.errnoCode)))")
        }
        let port = channel.localAddress?.port ?? configuration.port
        logger.info("listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
        onBound(port)
        await withGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
        let open = tracker.count
        logger.info("draining", metadata: ["connections": "\(open)"])
        await tracker.drain()
        logger.info("drained")
    }

    private func bind() async throws -> any Channel {
        let configuration = self.configuration
        let responder = self.responder
        let tracker = self.tracker
        let logger = self.logger
        let bodySpare = self.bodySpare
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        Self.acceptBackoff(logger: logger), ConnectionCap(limit: ConnectionCap.limitFromDescriptors(), logger: logger))
                }
            }
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelOption(.writeBufferWaterMark, value: Self.writeBufferWaterMark)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try Self.configurePipeline(
                        channel.pipeline.syncOperations, responder: responder, configuration: configuration, logger: logger, bodySpare: bodySpare)
                    tracker.track(channel)
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
    }

    /// Answers waiting to be sent on one connection, in bytes NIO holds beyond what the kernel took:
    /// above `high` the channel is not writable and the connection stops reading and answering
    /// (a client that pipelines and never reads cannot make the server buffer its answers without
    /// bound, RELIABILITY.md section 4), below `low` it goes on. 256 KiB is five `/metrics` pages
    /// or thousands of small answers, so clients that read never pause.
    static let writeBufferWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 32 * 1024, high: 256 * 1024)

    /// How long the listening socket stops accepting after `accept` failed (out of file
    /// descriptors: EMFILE, ENFILE). The pending connections wait in the backlog meanwhile.
    static let acceptBackoffDelay = TimeAmount.milliseconds(100)

    /// NIO's backoff for a failing `accept`. `ServerBootstrap`'s future-based `bind` does not install
    /// one (only its async variant does); without it a server out of file descriptors retries
    /// `accept` in a busy loop, since the listening socket stays readable. It does not hold when
    /// every `accept` of a round fails (a NIO limitation, see `ConnectionCap`, which keeps
    /// connections from exhausting the descriptors; RELIABILITY.md, section 4). The first failure
    /// is logged, then at most one every 10 s.
    static func acceptBackoff(logger: Logger) -> AcceptBackoffHandler {
        var lastLogged: NIODeadline?
        var failures = 0
        return AcceptBackoffHandler(shouldForwardIOErrorCaught: false) { error in
            failures += 1
            let now = NIODeadline.now()
            if lastLogged.map({ now - $0 >= .seconds(10) }) ?? true {
                logger.warning(
                    "cannot accept connections",
                    metadata: [
                        "cause": "\(String(cString: strerror(error.errnoCode)))", "failures": "\(failures)",
                        "retry_in_ms": "\(Self.acceptBackoffDelay.nanoseconds / 1_000_000)",
                    ])
                lastLogged = now
                failures = 0
            }
            return Self.acceptBackoffDelay
        }
    }

    /// Installs NIO's HTTP/1.1 request decoder (in `RequestDecoder`, which names why it refuses a head) and the connection handler (which serialises
    /// responses itself): the whole per-connection pipeline.
    static func configurePipeline(
        _ pipeline: ChannelPipeline.SynchronousOperations, responder: any HTTPResponder, configuration: ServerConfiguration,
        logger: Logger = Logger(label: "swerve"), bodySpare: BodyBufferSpare? = nil
    ) throws {
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        decoderLimits.maxHeaderListSize = configuration.maxHeaderBytes
        decoderLimits.maxHeaderFieldSize = configuration.maxHeaderBytes
        decoderLimits.maxHeaderFieldCount = 1000
        try pipeline.addHandler(ByteToMessageHandler(RequestDecoder(limits: decoderLimits)))
        try pipeline.addHandler(
            HTTPConnectionHandler(responder: responder, limits: ConnectionLimits(configuration), logger: logger, bodySpare: bodySpare))
    }
}
