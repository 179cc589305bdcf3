import NIOCore
import NIOHTTP1
import NIOPosix

/// Opens load connections from one event loop to an address resolved once before the run.
///
/// Exists to keep connection set-up (socket options, the pipeline) in one place, and off the hot
/// path: no DNS lookup per connection, no request encoding per request. The pipeline is
/// ``RequestWriter``, NIO's `HTTPResponseDecoder`, then ``LoadConnection``.
struct ConnectionFactory {
    let eventLoop: EventLoop
    let address: SocketAddress
    let connectTimeout: TimeAmount

    /// Connects and calls `completion` on the event loop with a connection ready to send.
    func connect(delegate: LoadConnectionDelegate, completion: @escaping (Result<LoadConnection, Error>) -> Void) {
        let writer = RequestWriter()
        let decoder = HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes)
        let handler = LoadConnection(writer: writer, decoder: decoder)
        handler.delegate = delegate
        let handlers = NIOLoopBound((writer, decoder, handler), eventLoop: self.eventLoop)
        ClientBootstrap(group: self.eventLoop)
            .connectTimeout(self.connectTimeout)
            .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let (writer, decoder, handler) = handlers.value
                    try channel.pipeline.syncOperations.addHandlers(writer, ByteToMessageHandler(decoder), handler)
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
