import NIOCore
import NIOHTTP1
import NIOPosix

/// Opens load connections from one event loop to an address resolved once before the run.
///
/// Exists to keep connection set-up (socket options, NIO's HTTP/1.1 codec, our handler) in one
/// place, and off the hot path: no DNS lookup per connection, no header validation per request
/// (headers are validated once in ``RequestTemplate/validate()``), no framing rewrite per request
/// (``RequestTemplate`` sets `Content-Length` itself).
struct ConnectionFactory {
    let eventLoop: EventLoop
    let address: SocketAddress
    let connectTimeout: TimeAmount

    /// Connects and calls `completion` on the event loop with a connection ready to send.
    func connect(delegate: LoadConnectionDelegate, completion: @escaping (Result<LoadConnection, Error>) -> Void) {
        let handler = LoadConnection()
        handler.delegate = delegate
        let bound = NIOLoopBound(handler, eventLoop: self.eventLoop)
        ClientBootstrap(group: self.eventLoop)
            .connectTimeout(self.connectTimeout)
            .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    var encoder = HTTPRequestEncoder.Configuration()
                    encoder.automaticallySetFramingHeaders = false
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        enableOutboundHeaderValidation: false,
                        encoderConfiguration: encoder
                    )
                    try channel.pipeline.syncOperations.addHandler(bound.value)
                }
            }
            .connect(to: self.address)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let channel) where channel.isActive && handler.isUsable:
                    completion(.success(handler))
                case .success(let channel):
                    handler.delegate = nil
                    channel.close(promise: nil)
                    completion(.failure(ChannelError.ioOnClosedChannel))
                case .failure(let error):
                    completion(.failure(error))
                }
            }
    }
}
