import Dispatch
import FuzzSupport
import ModelRuntimes
import NIOCore
import NIOEmbedded
import NIOHTTP1

@testable import InferenceServer

// libFuzzer target for the HTTP connection pipeline: bytes in, as a client would send them, to
// the server's own pipeline (`HTTPServer.configurePipeline`: NIO's request decoder and the
// connection handler) on NIO's testing channel, with the real-estate model behind a real
// worker pool. Everything that touches the server core's internal API is in this one file.
//
// The first byte chooses how the rest is cut into socket reads, whether the client closes
// after sending, and whether the server is asked to drain. Checked for every input:
// - every answer is well-framed HTTP/1.x (status line, headers, Content-Length and that many
//   body bytes; none after a HEAD), one per request in order (a final one may answer bytes
//   that never became a request), and never a 5xx other than 503;
// - every request is answered within 10 s (a hang is a finding);
// - once the idle timeout has passed, the connection is closed, whatever state it was left in.

@main
enum FuzzHTTP {
    static func main() { FuzzDriver.run(fuzzHTTP) }
}

/// The server side: small limits, so 413, 414 and 431 are reachable within `-max_len`.
private let server: (responder: Router, configuration: ServerConfiguration) = {
    var configuration = ServerConfiguration()
    configuration.workerCount = 2
    configuration.queueDepth = 8
    configuration.maxPayloadBytes = 4096
    configuration.maxHeaderBytes = 2048
    configuration.maxURILength = 512
    let pool = WorkerPool(workerCount: 2, queueDepth: 8, maxQueuedBytes: configuration.queueMaxBytes, inlineMaxMicroseconds: 200)
    pool.start()
    do {
        let pipeline = try InferencePipeline(handler: ShippedModels.handlers[0], defaultAccept: nil)
        let router = Router(
            invocations: InvocationService(pipeline: pipeline, pool: pool),
            health: HealthCheck(pool: pool, stuckAfter: configuration.requestTimeout), configuration: configuration)
        return (router, configuration)
    } catch {
        fatalError("\(error)")
    }
}()

private let readSizes = [1, 2, 3, 7, 16, 64, 512, 1 << 20]

/// One long-lived task runs every input, so that no task is created (and freed on another
/// thread after the input is over) per input: libFuzzer counts mallocs and frees per input and
/// runs LeakSanitizer whenever they differ.
private let inputs = AsyncStream.makeStream(of: [UInt8].self)
private let finished = DispatchSemaphore(value: 0)
private let driver = Task {
    for await input in inputs.stream {
        let options = input[0]
        let bytes = Array(input.dropFirst())
        do {
            try await exercise(bytes, readSize: readSizes[Int(options & 7)], clientCloses: options & 8 != 0, drain: options & 16 != 0)
        } catch {
            Refusals.finding("the testing channel threw \(error)")
        }
        finished.signal()
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzHTTP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size >= 1 else { return 0 }
    _ = driver
    inputs.continuation.yield(Array(UnsafeBufferPointer(start: data, count: size)))
    finished.wait()
    return 0
}

private func exercise(_ bytes: [UInt8], readSize: Int, clientCloses: Bool, drain: Bool) async throws {
    let channel = NIOAsyncTestingChannel()
    let recorder = RequestRecorder()
    try await channel.eventLoop.submit {
        let pipeline = channel.pipeline.syncOperations
        try HTTPServer.configurePipeline(pipeline, responder: server.responder, configuration: server.configuration)
        let decoder = try pipeline.handler(type: ByteToMessageHandler<RequestDecoder>.self)
        try pipeline.addHandler(recorder, position: .after(decoder))
    }.get()
    try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).get()
    var output: [UInt8] = []
    var start = 0
    while start < bytes.count, channel.isActive {
        let end = min(bytes.count, start + readSize)
        do {
            try await channel.writeInbound(ByteBuffer(bytes: bytes[start..<end]))
        } catch ChannelError.ioOnClosedChannel, ChannelError.alreadyClosed {
            break  // the server closed the connection, as it does after a framing error
        }
        await channel.testingEventLoop.run()
        start = end
    }
    try await awaitAnswers(channel, output: &output)
    if drain, channel.isActive { channel.pipeline.fireUserInboundEventTriggered(QuiesceEvent()) }
    try await awaitAnswers(channel, output: &output)
    if clientCloses, channel.isActive { try? await channel.close() }
    await channel.testingEventLoop.advanceTime(by: server.configuration.idleTimeout + .seconds(1))
    try await drainOutbound(channel, into: &output)
    Refusals.check(!channel.isActive, "the connection is still open after the idle timeout")
    checkAnswers(output, methods: try await channel.eventLoop.submit { recorder.methods }.get())
}

/// Waits (in real time, for the workers) until no request is being answered.
private func awaitAnswers(_ channel: NIOAsyncTestingChannel, output: inout [UInt8]) async throws {
    let deadline = DispatchTime.now().uptimeNanoseconds + 10_000_000_000
    while true {
        await channel.testingEventLoop.run()
        try await drainOutbound(channel, into: &output)
        let answering = try await channel.eventLoop.submit {
            (try? channel.pipeline.syncOperations.handler(type: HTTPConnectionHandler.self))?.isResponding == true
        }.get()
        if !answering || !channel.isActive { return }
        Refusals.check(DispatchTime.now().uptimeNanoseconds < deadline, "no answer within 10 s")
        try await Task.sleep(nanoseconds: 20_000)
    }
}

private func drainOutbound(_ channel: NIOAsyncTestingChannel, into output: inout [UInt8]) async throws {
    while let buffer = try await channel.readOutbound(as: ByteBuffer.self) { output += buffer.readableBytesView }
}

/// Records the method of each request head the decoder produces, in order, and passes it on.
private final class RequestRecorder: ChannelInboundHandler, @unchecked Sendable {  // used on its event loop only
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    var methods: [HTTPMethod] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) { methods.append(head.method) }
        context.fireChannelRead(data)
    }
}

/// Reads the answers back as a client would, knowing which were to HEAD requests.
private func checkAnswers(_ output: [UInt8], methods: [HTTPMethod]) {
    var index = 0
    var answered = 0
    let text = { String(decoding: output, as: UTF8.self).debugDescription }
    while index < output.count {
        guard let headEnd = find([13, 10, 13, 10], in: output, from: index) else { Refusals.finding("an answer without a complete head: \(text())") }
        let head = String(decoding: output[index..<headEnd], as: UTF8.self)
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let status = lines[0].split(separator: " ")
        Refusals.check(status.count >= 2 && (status[0] == "HTTP/1.1" || status[0] == "HTTP/1.0"), "a bad status line \(lines[0].debugDescription)")
        guard let code = Int(status[1]) else { Refusals.finding("a bad status \(lines[0].debugDescription)") }
        index = headEnd + 4
        if code == 100 { continue }
        Refusals.check(code < 500 || code == 503, "answered \(code): \(text())")
        let lengths = lines.dropFirst().filter { $0.lowercased().hasPrefix("content-length:") }
        Refusals.check(lengths.count == 1, "\(lengths.count) Content-Length headers in \(head.debugDescription)")
        guard let length = Int(lengths[0].dropFirst("content-length:".count).trimmingPrefix(" ")) else {
            Refusals.finding("a bad Content-Length in \(head.debugDescription)")
        }
        Refusals.check(answered <= methods.count, "answer \(answered + 1) for \(methods.count) requests: \(text())")
        let toHead = answered < methods.count && methods[answered] == .HEAD
        if !toHead {
            Refusals.check(index + length <= output.count, "Content-Length \(length) but \(output.count - index) bytes follow")
            index += length
        }
        answered += 1
        if lines.contains(where: { $0.lowercased() == "connection: close" }) {
            Refusals.check(index == output.count, "bytes after an answer that closes the connection: \(text())")
        }
    }
}

private func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
    guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
    for index in start...(haystack.count - needle.count) where haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
    return nil
}
