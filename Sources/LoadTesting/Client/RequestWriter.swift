import NIOCore

/// The first handler of a load connection's pipeline: the point from which prepared request bytes
/// are written, below the response decoder.
///
/// Exists because NIO's `ByteToMessageHandler(HTTPResponseDecoder)` observes outbound writes and
/// expects them to be `HTTPClientRequestPart`s. Prepared bytes are written from this handler's
/// context instead, straight to the socket, and ``LoadConnection`` tells the decoder about each
/// request itself (the decoder's public `write(data:)`), exactly as the observing handler would.
final class RequestWriter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer

    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Writes and flushes one request: one buffer, one syscall.
    func writeAndFlush(_ bytes: ByteBuffer) {
        self.context?.writeAndFlush(NIOAny(bytes), promise: nil)
    }
}
