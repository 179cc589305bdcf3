import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The floor of SwiftNIO's HTTP/1.1 server path on this machine, for issue 13's targets against
/// nginx: NIO's sockets and request decoder, and one handler that answers every request with the
/// same fixed body, already serialised, flushed once per read batch. No routing, no model, no
/// pool, no metrics, no request ids: whatever Swerve adds, this does not pay.
///
///   swerve-bench --nio-floor [--port 18190] [--body '{"cost":50.3}'] [--content-type application/json]
///
/// `scripts/bench_perf.sh --floor` runs it beside nginx and Swerve in one interleaved run.
enum NIOFloorServer {
    static func run(_ arguments: [String]) throws {
        var port = 18190
        var body = #"{"cost":50.3}"#
        var contentType = "application/json"
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--port": port = Int(iterator.next() ?? "") ?? port
            case "--body": body = iterator.next() ?? body
            case "--content-type": contentType = iterator.next() ?? contentType
            default:
                FileHandle.standardError.write(Data("usage: swerve-bench --nio-floor [--port P] [--body TEXT] [--content-type TYPE]\n".utf8))
                exit(2)
            }
        }
        let response = ByteBuffer(
            string: "HTTP/1.1 200 OK\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        // One event loop: the benchmark pins the server to one core.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder()))
                    try channel.pipeline.syncOperations.addHandler(FixedResponseHandler(response: response))
                }
            }
            .bind(host: "127.0.0.1", port: port).wait()
        print("nio floor on 127.0.0.1:\(port)")
        try channel.closeFuture.wait()
    }
}

/// Answers each complete request with the fixed response; flushes once per read batch and closes
/// after a request that did not ask to keep the connection alive.
final class FixedResponseHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer

    private let response: ByteBuffer
    private var keepAlive = true
    private var pendingFlush = false

    init(response: ByteBuffer) { self.response = response }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): keepAlive = head.isKeepAlive
        case .body: break
        case .end:
            if keepAlive {
                context.write(wrapOutboundOut(response), promise: nil)
                pendingFlush = true
            } else {
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.writeAndFlush(wrapOutboundOut(response)).whenComplete { _ in bound.value.close(promise: nil) }
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if pendingFlush {
            pendingFlush = false
            context.flush()
        }
    }
}
