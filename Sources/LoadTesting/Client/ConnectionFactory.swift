import NIOCore
import NIOPosix

/// Opens load connections from one event loop to an address resolved once before the run.
///
/// Exists to keep connection set-up (socket options, the pipeline) in one place, and off the hot
/// path: no DNS lookup per connection, no request encoding per request. The pipeline is
/// ``LoadConnection`` alone: it writes prepared bytes and frames responses itself.
struct ConnectionFactory {
    let eventLoop: EventLoop
    let address: SocketAddress
    let connectTimeout: TimeAmount

    /// Connects and calls `completion` on the event loop with a connection ready to send.
    func connect(delegate: LoadConnectionDelegate, completion: @escaping (Result<LoadConnection, Error>) -> Void) {
        let handler = LoadConnection()
        handler.delegate = delegate
        let handlers = NIOLoopBound(handler, eventLoop: self.eventLoop)
        ClientBootstrap(group: self.eventLoop)
            .connectTimeout(self.connectTimeout)
            .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(handlers.value)
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
