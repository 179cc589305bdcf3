import NIOCore
import NIOEmbedded
import NIOHTTP1

/// Turns a request into its HTTP/1.1 wire bytes by running NIO's own `HTTPRequestEncoder` once,
/// in an `EmbeddedChannel`.
///
/// Exists so the generator sends exactly what NIO's codec would (no hand-written HTTP), while
/// paying the encoding cost once per distinct body instead of once per request.
enum RequestEncoding {
    static func encode(_ head: HTTPRequestHead, body: [UInt8]?) throws -> ByteBuffer {
        var configuration = HTTPRequestEncoder.Configuration()
        configuration.automaticallySetFramingHeaders = false
        let channel = EmbeddedChannel(handler: HTTPRequestEncoder(configuration: configuration))
        defer { _ = try? channel.finish() }
        try channel.writeOutbound(HTTPClientRequestPart.head(head))
        if let body { try channel.writeOutbound(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body)))) }
        try channel.writeOutbound(HTTPClientRequestPart.end(nil))
        var wire = ByteBuffer()
        while let part = try channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(var buffer) = part else { continue }
            wire.writeBuffer(&buffer)
        }
        return wire
    }
}
