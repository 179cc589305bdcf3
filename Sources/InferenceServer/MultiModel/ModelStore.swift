import ModelRuntimes
import NIOConcurrencyHelpers

/// The names a multi-model server knows, and the state of each: loaded (`ServedModel`), being
/// loaded, or being unloaded; with the budget of the loaded models' memory.
///
/// Event loops ask it for a model to invoke (`acquire`), reserve names for loads, start unloads,
/// and read descriptions and pages of the listing; the loader thread admits loaded models,
/// evicts, and finishes unloads. A name is in at most one state, so two loads of one name give
/// one load and one 409, and a model being unloaded is never invoked (404) nor reloaded (409)
/// until its memory is released.
///
/// Thread-safety: every field is guarded by `lock` (held for a dictionary lookup on the request
/// path; for an O(n) scan only when evicting or ranking labels).
final class ModelStore: @unchecked Sendable {
    /// A name that is not loaded but is taken.
    enum Reservation: Sendable {
        case loading, unloading

        var description: String {
            switch self {
            case .loading: "being loaded"
            case .unloading: "being unloaded"
            }
        }
    }

    /// What the loader may do with a loaded model.
    enum Admission {
        /// Loaded; `evicted` were dropped to make room and must be released.
        case admitted(evicted: [ServedModel])
        /// No room within the budget: `usedBytes` by `models` loaded models.
        case refused(usedBytes: Int, models: Int)
    }

    /// A loaded model's figures, for `GET /models/{name}`.
    struct Description {
        var name: String
        var url: String
        var memoryBytes: Int
        var loadSeconds: Double
        var inFlight: Int
        var idleSeconds: Double
    }

    let budget: MemoryBudget
    private let lock = NIOLock()
    /// Keyed by `Substring` (which hashes like `String`), so that a request's name is looked up
    /// without copying it out of the path.
    private var serving: [Substring: ServedModel] = [:]
    /// The loaded names in ascending order, for paging.
    private var sortedNames: [String] = []
    private var reserved: [String: Reservation] = [:]
    /// The measured sizes of the loaded models, and of evicted or unloaded ones until released.
    private var usedBytes = 0

    init(budget: MemoryBudget) {
        self.budget = budget
    }

    // MARK: Requests (event loops)

    /// The loaded model `name` with a request counted in flight, or nil when it is not loaded.
    /// The lease must be finished exactly once.
    @inline(__always)
    func acquire(_ name: Substring) -> (pipeline: InferencePipeline, lease: ModelLease)? {
        let now = CPUClock.monotonicNanoseconds()
        lock.lock()
        defer { lock.unlock() }
        guard let model = serving[name], let pipeline = model.pipeline else { return nil }
        model.admitted(now: now)
        return (pipeline, ModelLease(model: model, series: model.series))
    }

    /// Takes `name` for a load, or says why not (409).
    func reserveForLoad(_ name: String) -> ServingError? {
        lock.withLock {
            if serving[name[...]] != nil { return .modelNameTaken(name, state: "already loaded") }
            if let reservation = reserved[name] { return .modelNameTaken(name, state: reservation.description) }
            reserved[name] = .loading
            return nil
        }
    }

    /// Gives back a name reserved for a load that did not happen.
    func cancelLoad(_ name: String) {
        lock.withLock { _ = reserved.removeValue(forKey: name) }
    }

    /// Drops `name` from the loaded models (requests get 404 from now on) and keeps the name
    /// taken until the loader has released its memory; nil when it is not loaded.
    func beginUnload(_ name: Substring) -> ServedModel? {
        lock.withLock {
            guard let model = serving.removeValue(forKey: name) else { return nil }
            removeSorted(model.name)
            reserved[model.name] = .unloading
            return model
        }
    }

    func describe(_ name: Substring) -> Description? {
        let now = CPUClock.monotonicNanoseconds()
        return lock.withLock {
            guard let model = serving[name] else { return nil }
            return Description(
                name: model.name, url: model.url, memoryBytes: model.memoryBytes, loadSeconds: model.loadSeconds,
                inFlight: model.requestsInFlight, idleSeconds: Double(now &- min(now, model.lastUsed)) / 1e9)
        }
    }

    /// Up to `limit` loaded models after name `after` (nil: from the start), in name order, and
    /// the name to continue after, if more follow.
    func page(after: String?, limit: Int) -> (models: [(name: String, url: String)], last: String?) {
        lock.withLock {
            let start = after.map { upperBound($0) } ?? 0
            let end = min(sortedNames.count, start + limit)
            let models = sortedNames[start..<end].map { ($0, serving[$0[...]]!.url) }
            return (models, end < sortedNames.count && end > start ? sortedNames[end - 1] : nil)
        }
    }

    /// Loaded models and their measured bytes (with models evicted or unloaded but not yet released).
    var usage: (models: Int, bytes: Int) {
        lock.withLock { (serving.count, usedBytes) }
    }

    // MARK: The loader thread

    /// True when nothing can be loaded without exceeding the budget: it is used up, and no idle
    /// model may be evicted. (A model's size is known only once it is loaded.)
    func isBudgetExhausted() -> Bool {
        lock.withLock {
            guard usedBytes >= budget.bytes else { return false }
            return !budget.evictsLeastRecentlyUsed || !serving.values.contains { $0.requestsInFlight == 0 }
        }
    }

    /// Makes `model` servable if the budget has room for it, evicting idle models (least recently
    /// used first) when the budget allows eviction. The name's reservation ends either way.
    func admit(_ model: ServedModel) -> Admission {
        lock.withLock {
            reserved[model.name] = nil
            var evicted: [ServedModel] = []
            var freed = 0
            if usedBytes + model.memoryBytes > budget.bytes {
                guard budget.evictsLeastRecentlyUsed else { return .refused(usedBytes: usedBytes, models: serving.count) }
                while usedBytes - freed + model.memoryBytes > budget.bytes, let victim = leastRecentlyUsedIdle(excluding: evicted) {
                    evicted.append(victim)
                    freed += victim.memoryBytes
                }
                guard usedBytes - freed + model.memoryBytes <= budget.bytes else {
                    return .refused(usedBytes: usedBytes, models: serving.count)
                }
                for victim in evicted {
                    serving[victim.name[...]] = nil
                    removeSorted(victim.name)
                    reserved[victim.name] = .unloading
                }
            }
            serving[model.name[...]] = model
            sortedNames.insert(model.name, at: upperBound(model.name))
            usedBytes += model.memoryBytes
            return .admitted(evicted: evicted)
        }
    }

    /// Drops the store's hold on an unloaded model's pipeline; returns a weak reference that
    /// turns nil once the last request's hold is gone too.
    func dropPipeline(of model: ServedModel) -> WeakPipeline {
        lock.withLock {
            let weak = WeakPipeline(model.pipeline)
            model.pipeline = nil
            return weak
        }
    }

    /// Ends an unload: the name is free again and its bytes leave the budget.
    func released(_ model: ServedModel) {
        lock.withLock {
            reserved[model.name] = nil
            usedBytes -= model.memoryBytes
        }
    }

    /// Runs `body` on the loaded models under the lock (label ranking; O(models)).
    func withLoadedModels<T>(_ body: ([Substring: ServedModel]) -> T) -> T {
        lock.withLock { body(serving) }
    }

    // MARK: Internals (lock held)

    private func leastRecentlyUsedIdle(excluding taken: [ServedModel]) -> ServedModel? {
        var best: ServedModel?
        for model in serving.values where model.requestsInFlight == 0 && !taken.contains(where: { $0 === model }) {
            if best == nil || model.lastUsed < best!.lastUsed { best = model }
        }
        return best
    }

    /// The index of the first name after `name`.
    private func upperBound(_ name: String) -> Int {
        var low = 0
        var high = sortedNames.count
        while low < high {
            let middle = (low + high) >> 1
            if sortedNames[middle] <= name { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private func removeSorted(_ name: String) {
        let index = upperBound(name) - 1
        if index >= 0, sortedNames[index] == name { sortedNames.remove(at: index) }
    }
}

/// A weak reference to a released model's pipeline: nil once its memory is freed.
struct WeakPipeline: @unchecked Sendable {
    weak var pipeline: InferencePipeline?

    init(_ pipeline: InferencePipeline?) { self.pipeline = pipeline }

    var isReleased: Bool { pipeline == nil }
}
