import NIOCore
import NIOHTTP1

/// NIO's HTTP/1.1 request decoder, unchanged, except that when it refuses a request head the
/// error says why when the head shows it (`FramingProblem.diagnose`).
///
/// NIO keeps the bytes of a head in the decoder's buffer until the head is complete, so when its
/// parser throws, the refused head (from the request line or the line being parsed) is still
/// there to look at. Nothing is copied or scanned unless the parser has thrown.
struct RequestDecoder: ByteToMessageDecoder {
    typealias InboundOut = HTTPServerRequestPart

    private let decoder: HTTPRequestDecoder

    init(limits: NIOHTTPDecoderLimitConfiguration) {
        decoder = HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .drop, limitConfiguration: limits)
    }

    func decoderAdded(context: ChannelHandlerContext) { decoder.decoderAdded(context: context) }
    func decoderRemoved(context: ChannelHandlerContext) { decoder.decoderRemoved(context: context) }

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        do {
            return try decoder.decode(context: context, buffer: &buffer)
        } catch let error as HTTPParserError {
            throw RefusedRequest(parserError: error, problem: FramingProblem.diagnose(buffer.readableBytesView))
        }
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        do {
            return try decoder.decodeLast(context: context, buffer: &buffer, seenEOF: seenEOF)
        } catch let error as HTTPParserError {
            throw RefusedRequest(parserError: error, problem: FramingProblem.diagnose(buffer.readableBytesView))
        }
    }
}

/// NIO's parser refused the request; `problem` names the framing problem when the head shows one.
struct RefusedRequest: Error, CustomStringConvertible {
    var parserError: HTTPParserError
    var problem: String?

    var description: String { problem.map { "\($0) (\(parserError))" } ?? "\(parserError)" }
}
