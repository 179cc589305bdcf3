import Atomics
import Logging
import ModelRuntimes
import NIOCore
import NIOHTTP1

/// The multi-model API as SageMaker calls it (its multi-model container contract), behind the
/// router in multi-model mode:
///
/// | request | answer |
/// |---|---|
/// | `POST /models` `{"model_name", "url"}` | 200 once loaded; 409 name taken; 404 no directory; 400 a body, name or model that cannot be used; 507 over the memory budget |
/// | `GET /models?next_page_token=&limit=` | `{"models": [{"modelName", "modelUrl"}], "nextPageToken"}` |
/// | `GET /models/{name}` | the model's figures; 404 |
/// | `DELETE /models/{name}` | 200 once its requests have finished and its memory is released; 404 |
/// | `POST /models/{name}/invoke` | what `/invocations` answers for that model; 404 |
///
/// Everything here answers on the event loop at once, except loads and unloads, which the
/// loader thread completes later.
public final class ModelEndpoints: Sendable {
    let store: ModelStore
    let loader: ModelLoader
    private let invocations: InvocationService
    private let logger: Logger

    init(store: ModelStore, loader: ModelLoader, invocations: InvocationService, logger: Logger) {
        self.store = store
        self.loader = loader
        self.invocations = invocations
        self.logger = logger
    }

    /// The methods a route takes (for 405's `Allow`).
    static func allowedMethods(_ route: RouteLabel) -> String {
        switch route {
        case .models: "GET, POST"
        case .model: "GET, DELETE"
        default: "POST"
        }
    }

    /// The answer for a `/models` route, or nil when the method is not one the route takes.
    func respond(to request: Request, route: RouteLabel, on eventLoop: any EventLoop) -> Reply? {
        switch (route, request.head.method) {
        case (.models, .GET): return .now(list(request))
        case (.models, .POST): return load(request, on: eventLoop)
        case (.model, .GET): return .now(describe(request))
        case (.model, .DELETE): return unload(request, on: eventLoop)
        case (.modelInvocation, .POST): return invoke(request, on: eventLoop)
        default: return nil
        }
    }

    // MARK: Routes

    private func list(_ request: Request) -> Response {
        do {
            let (after, limit) = try ModelRequests.page(uri: request.head.uri)
            let page = store.page(after: after, limit: limit)
            return ModelResponses.list(page.models, nextPageToken: page.last)
        } catch {
            return Response(error: error).labelled(.models)
        }
    }

    private func load(_ request: Request, on eventLoop: any EventLoop) -> Reply {
        let load: ModelRequests.Load
        do {
            load = try ModelRequests.load(from: request.body)
        } catch {
            return .now(Response(error: error).labelled(.models))
        }
        if let conflict = store.reserveForLoad(load.name) { return .now(Response(error: conflict).labelled(.models)) }
        let pending = PendingResponse(eventLoop: eventLoop)
        guard loader.enqueueLoad(name: load.name, url: load.url, pending: pending) else {
            store.cancelLoad(load.name)
            let error = ServingError.loaderUnavailable("too many loads are waiting for the loader, or the server is stopping")
            return .now(Response(error: error, extraHeaders: [("retry-after", "1")]).labelled(.models))
        }
        return .later(pending)
    }

    private func describe(_ request: Request) -> Response {
        guard let name = ModelPath(request.path)?.name, let model = store.describe(name) else {
            return Response(error: .modelNotLoaded(ModelPath(request.path)?.name ?? "")).labelled(.model)
        }
        return ModelResponses.description(model)
    }

    private func unload(_ request: Request, on eventLoop: any EventLoop) -> Reply {
        guard let name = ModelPath(request.path)?.name, let model = store.beginUnload(name) else {
            return .now(Response(error: .modelNotLoaded(ModelPath(request.path)?.name ?? "")).labelled(.model))
        }
        let pending = PendingResponse(eventLoop: eventLoop)
        let loader = self.loader
        model.unload { loader.enqueueRelease(model, pending: pending) }
        return .later(pending)
    }

    private func invoke(_ request: Request, on eventLoop: any EventLoop) -> Reply {
        guard let name = ModelPath(request.path)?.name, let (pipeline, lease) = store.acquire(name) else {
            return .now(Response(error: .modelNotLoaded(ModelPath(request.path)?.name ?? "")).labelled(.modelInvocation))
        }
        if let target = request.headers.targetModel { logTarget(target, of: lease.model) }
        return invocations.respond(to: request, running: pipeline, route: .modelInvocation, tracker: lease, on: eventLoop)
    }

    /// Logs the client's `TargetModel` behind a model name: at info level the first time, at
    /// debug level after that (SageMaker sends it with every request, for logging only).
    private func logTarget(_ target: String, of model: ServedModel) {
        if !model.targetModelLogged.load(ordering: .relaxed),
            model.targetModelLogged.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged
        {
            logger.info("model invoked", metadata: ["model": "\(model.name)", "targetModel": "\(target)"])
        } else {
            logger.debug("model invoked", metadata: ["model": "\(model.name)", "targetModel": "\(target)"])
        }
    }
}
