import ModelRuntimes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import InferenceServer

@Suite("The connection state machine, transition by transition")
struct ConnectionStateMachineTests {
    private let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
    private var testLimits: ConnectionLimits {
        var configuration = ServerConfiguration()
        configuration.maxPayloadBytes = 10
        configuration.idleTimeout = .seconds(5)
        configuration.requestTimeout = .seconds(2)
        return ConnectionLimits(configuration)
    }

    private func head(_ method: HTTPMethod = .POST, _ uri: String = "/invocations", headers: [(String, String)] = [], version: HTTPVersion = .http1_1)
        -> HTTPRequestHead
    {
        HTTPRequestHead(version: version, method: method, uri: uri, headers: HTTPHeaders(headers))
    }

    @Test("a keep-alive request: idle, receiving, responding, idle again; the body is whole")
    func keepAliveCycle() {
        var machine = ConnectionStateMachine(limits: testLimits, openedAt: start)
        guard case .proceed = machine.headReceived(head(), at: start + .milliseconds(1)) else {
            Issue.record("head refused")
            return
        }
        let result1 = machine.bodyReceived(ByteBuffer(string: "12345"), buffers: BodyBufferSource(allocator: .init()))
        #expect(result1 == nil)
        let result2 = machine.bodyReceived(ByteBuffer(string: "678"), buffers: BodyBufferSource(allocator: .init()))
        #expect(result2 == nil)
        let body = machine.endReceived().map { String(buffer: $0.body) }
        #expect(body == "12345678")
        #expect(machine.isResponding)
        let write = machine.answerReady(at: start + .milliseconds(3))
        #expect(!write.close)
        #expect(write.receivedAt == start + .milliseconds(1))
        #expect(machine.nextDeadline == start + .milliseconds(3) + .seconds(5), "the idle timeout counts from the last answer")
    }

    @Test("HTTP/1.0 without keep-alive, and draining, close after the answer")
    func closingAnswers() {
        var old = ConnectionStateMachine(limits: testLimits, openedAt: start)
        _ = old.headReceived(head(version: .http1_0), at: start)
        _ = old.endReceived()
        let result3 = old.answerReady(at: start)
        #expect(result3.close)
        #expect(old.isClosing)

        var draining = ConnectionStateMachine(limits: testLimits, openedAt: start)
        _ = draining.headReceived(head(), at: start)
        _ = draining.endReceived()
        let quiesced = draining.quiesce()
        #expect(!quiesced, "a request is being answered: not yet")
        let result4 = draining.answerReady(at: start)
        #expect(result4.close)
        var idle = ConnectionStateMachine(limits: testLimits, openedAt: start)
        let result5 = idle.quiesce()
        #expect(result5, "between requests a draining connection closes at once")
    }

    @Test("limits refuse a request before its body: 414, 413, 417; and 100-continue is answered")
    func limits() {
        var long = ConnectionStateMachine(limits: testLimits, openedAt: start)
        guard case .fail(let uri) = long.headReceived(head(.GET, "/" + String(repeating: "a", count: 9000)), at: start) else {
            Issue.record("long URI accepted")
            return
        }
        #expect(uri.status == 414)
        var large = ConnectionStateMachine(limits: testLimits, openedAt: start)
        guard case .fail(let size) = large.headReceived(head(headers: [("Content-Length", "11")]), at: start) else {
            Issue.record("large body accepted")
            return
        }
        #expect(size.status == 413)
        var expect = ConnectionStateMachine(limits: testLimits, openedAt: start)
        guard case .fail(let expectation) = expect.headReceived(head(headers: [("Expect", "magic")]), at: start) else {
            Issue.record("odd Expect accepted")
            return
        }
        #expect(expectation.status == 417)
        var proceed = ConnectionStateMachine(limits: testLimits, openedAt: start)
        guard case .sendContinue = proceed.headReceived(head(headers: [("Expect", "100-Continue")]), at: start) else {
            Issue.record("no 100 Continue")
            return
        }
    }

    @Test("a body that grows past the limit fails; failing closes with the request's version and drops what follows")
    func bodyOverLimit() {
        var machine = ConnectionStateMachine(limits: testLimits, openedAt: start)
        _ = machine.headReceived(head(version: .http1_0), at: start)
        let result6 = machine.bodyReceived(ByteBuffer(string: "123456"), buffers: BodyBufferSource(allocator: .init()))
        #expect(result6 == nil)
        let result7 = machine.bodyReceived(ByteBuffer(string: "78901"), buffers: BodyBufferSource(allocator: .init()))
        #expect(result7?.status == 413)
        let write = machine.failed(at: start)
        #expect(write?.close == true && write?.version == .http1_0)
        #expect(machine.isClosing)
        let result8 = machine.bodyReceived(ByteBuffer(string: "more"), buffers: BodyBufferSource(allocator: .init()))
        #expect(result8 == nil, "bytes after a failure are ignored")
        let result9 = machine.endReceived()
        #expect(result9 == nil)
        let result10 = machine.failed(at: start)
        #expect(result10 == nil, "a closing connection is not answered twice")
    }

    @Test("a parse error while an answer is pending lets the answer finish, then closes")
    func errorWhileResponding() {
        var machine = ConnectionStateMachine(limits: testLimits, openedAt: start)
        _ = machine.headReceived(head(), at: start)
        _ = machine.endReceived()
        let result11 = machine.failed(at: start)
        #expect(result11 == nil)
        let result12 = machine.answerReady(at: start)
        #expect(result12.close)
    }

    @Test("the timer: idle timeout while waiting, request deadline while a deferred answer is pending")
    func timer() {
        var machine = ConnectionStateMachine(limits: testLimits, openedAt: start)
        guard case .rearm(let idle) = machine.timerFired(at: start + .seconds(1)) else {
            Issue.record("idle timer")
            return
        }
        #expect(idle == start + .seconds(5))
        guard case .closeIdle = machine.timerFired(at: start + .seconds(5)) else {
            Issue.record("not closed when idle")
            return
        }
        _ = machine.headReceived(head(), at: start + .seconds(1))
        _ = machine.endReceived()
        let pending = PendingResponse(eventLoop: EmbeddedEventLoop())
        machine.waiting(on: pending)
        guard case .rearm(let deadline) = machine.timerFired(at: start + .seconds(2)) else {
            Issue.record("deadline timer")
            return
        }
        #expect(deadline == start + .seconds(3))
        guard case .timeOut(let late) = machine.timerFired(at: start + .seconds(3)) else {
            Issue.record("no time-out")
            return
        }
        #expect(late === pending)
        let result13 = machine.closed()
        #expect(result13 === pending, "closing hands back the answer to abandon")
    }
}
