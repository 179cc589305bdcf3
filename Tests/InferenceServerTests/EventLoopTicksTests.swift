import NIOEmbedded
import Testing

@testable import InferenceServer

@Suite("The inline budget of an event-loop tick")
struct InlineTickBudgetTests {
    @Test("a tick takes up to its budget; the task at the tick's end gives the next tick a full one")
    func budgetPerTick() throws {
        let loop = EmbeddedEventLoop()
        defer { try? loop.syncShutdownGracefully() }
        let budget = InlineTickBudget(perTick: 2)
        #expect(budget.take(on: loop))
        #expect(budget.take(on: loop))
        #expect(!budget.take(on: loop), "the tick's budget is spent")
        loop.run()  // the tick ends
        #expect(budget.take(on: loop))
        #expect(budget.take(on: loop))
        #expect(!budget.take(on: loop))
    }

    @Test("0 sets no limit")
    func noLimit() throws {
        let loop = EmbeddedEventLoop()
        defer { try? loop.syncShutdownGracefully() }
        let budget = InlineTickBudget(perTick: 0)
        for _ in 0..<1000 { #expect(budget.take(on: loop)) }
    }
}
