import ModelRuntimes
import NIOCore
import NIOHTTP1

/// Protocol errors, draining on shutdown, and the connection's one timer (idle timeout and
/// request deadline) of `HTTPConnectionHandler`.
extension HTTPConnectionHandler {
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parseError = error as? HTTPParserError else {
            context.close(promise: nil)
            return
        }
        let serving: ServingError
        switch parseError {
        case .headerOverflow:
            serving = ServingError(status: 431, code: "headers_too_large", message: "the request's header section exceeds \(limits.maxHeaderBytes) bytes")
        case .invalidURL:
            serving = ServingError(status: 400, code: "bad_request", message: "malformed request target")
        default:
            serving = ServingError(status: 400, code: "bad_request", message: "malformed HTTP request: \(parseError)")
        }
        switch state {
        case .idle, .receiving: fail(serving, context: context)
        case .responding: keepAlive = false  // finish the answer in flight, then close
        case .closing: break
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is QuiesceEvent {
            quiescing = true
            if state == .idle && pendingParts.isEmpty { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func armTimer(at deadline: NIODeadline, context: ChannelHandlerContext) {
        if timer != nil && timerDeadline <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in timerFired() }
    }

    private func timerFired() {
        timer = nil
        guard let context else { return }
        let now = context.eventLoop.now
        switch state {
        case .idle, .receiving:
            let deadline = lastProgress + limits.idleTimeout
            if now >= deadline {
                context.close(promise: nil)
            } else {
                armTimer(at: deadline, context: context)
            }
        case .responding:
            let deadline = receivedAt + limits.requestTimeout
            if let ticket = inflight, now >= deadline {
                ticket.abandon()
                inflight = nil
                write(Response.error(.timedOut(after: limits.requestTimeout)), context: context)
                armTimer(at: lastProgress + limits.idleTimeout, context: context)
            } else {
                armTimer(at: inflight == nil ? lastProgress + limits.idleTimeout : deadline, context: context)
            }
        case .closing:
            break
        }
    }
}
