import NIOEmbedded
import Testing

@testable import InferenceServer

@Suite("An event-loop tick: its inline budget and the accounting window of its inline runs")
struct EventLoopTicksTests {
    @Test("a tick takes up to its budget; the task at the tick's end gives the next tick a full one")
    func budgetPerTick() throws {
        let loop = EmbeddedEventLoop()
        defer { try? loop.syncShutdownGracefully() }
        let ticks = EventLoopTicks(perTick: 2, metrics: nil)
        #expect(ticks.takeInlineRun(on: loop))
        #expect(ticks.takeInlineRun(on: loop))
        #expect(!ticks.takeInlineRun(on: loop), "the tick's budget is spent")
        loop.run()  // the tick ends
        #expect(ticks.takeInlineRun(on: loop))
        #expect(ticks.takeInlineRun(on: loop))
        #expect(!ticks.takeInlineRun(on: loop))
        #expect(ticks.openWindow(on: loop) == nil, "no accounting with metrics off")
    }

    @Test("0 sets no limit")
    func noLimit() throws {
        let loop = EmbeddedEventLoop()
        defer { try? loop.syncShutdownGracefully() }
        let ticks = EventLoopTicks(perTick: 0, metrics: nil)
        for _ in 0..<1000 { #expect(ticks.takeInlineRun(on: loop)) }
    }

    @Test("the tick's end closes the window its inline runs opened and reports their CPU", arguments: [1, 0])
    func windowClosesAtTickEnd(perTick: Int) throws {
        let loop = EmbeddedEventLoop()
        defer { try? loop.syncShutdownGracefully() }
        let factory = PreciseTestMetrics()
        let ticks = EventLoopTicks(perTick: perTick, metrics: ServerMetrics(factory: factory, model: "m", stageNames: ["stage"]))
        for tick in 1...2 {
            #expect(ticks.takeInlineRun(on: loop))
            let accounting = try #require(ticks.openWindow(on: loop))
            #expect(accounting.isWindowOpen)
            var mark = CPUClock.monotonicNanoseconds()
            accounting.measure(container: accounting.inputContainer, from: &mark) {
                let start = CPUClock.monotonicNanoseconds()
                while CPUClock.monotonicNanoseconds() - start < 2_000_000 {}  // 2 ms on the CPU
            }
            #expect(ticks.openWindow(on: loop) === accounting, "a second inline run of the tick shares the window")
            let before = factory.floatingTotal(MetricNames.inlineModelCPU)
            loop.run()  // the tick ends
            #expect(!accounting.isWindowOpen, "tick \(tick): the window closed with the tick")
            #expect(factory.floatingTotal(MetricNames.inlineModelCPU) - max(0, before) > 0.001, "tick \(tick): its 2 ms were reported")
        }
    }
}
