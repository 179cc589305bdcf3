import FuzzSupport
import InferenceServer
import ModelRuntimes

/// libFuzzer target for the header parsers: `MediaType(parsing:)`, `ContentNegotiator`'s
/// `Content-Type` and `Accept` choices, and the custom-attributes reader.
///
/// The input is up to three header values separated by line ends: Content-Type, Accept,
/// X-Amzn-SageMaker-Custom-Attributes. A Content-Type must give one of the model's input types
/// or a 415; an Accept one of its output types or a 406; nothing else may happen.
@main
enum FuzzMediaTypes {
    static func main() { FuzzDriver.run(fuzzMediaTypes) }
}

private let tabular: [MediaType] = [.json, .csv, .jsonLines]

/// The negotiators of a tabular model: without a default Accept, and with one (SageMaker's
/// `SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT`).
private let negotiators: [ContentNegotiator] = [nil, "text/csv"].map { defaultAccept in
    do {
        return try ContentNegotiator(inputTypes: tabular, outputTypes: tabular, defaultAccept: defaultAccept)
    } catch {
        fatalError("\(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzMediaTypes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let headers = text.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
    let contentTypeHeader = headers[0]
    let acceptHeader = headers.count > 1 ? headers[1] : nil
    let attributes = headers.count > 2 ? headers[2] : nil

    for header in headers { checkParsed(header) }
    for negotiator in negotiators {
        let requestType = Refusals.allowingClientErrors("contentType") { try negotiator.contentType(for: contentTypeHeader) }
        if let requestType {
            Refusals.check(negotiator.inputTypes.contains(requestType), "Content-Type \(contentTypeHeader.debugDescription) gave \(requestType)")
        }
        for type in [requestType].compactMap({ $0 }) + tabular {
            let accept = Refusals.allowingClientErrors("accept") { try negotiator.accept(for: acceptHeader, requestType: type) }
            if let accept {
                Refusals.check(negotiator.outputTypes.contains(accept), "Accept \(acceptHeader.debugDescription) gave \(accept)")
            }
        }
    }
    let context = InvocationContext(customAttributes: attributes)
    if let output = context.customAttribute("output") {
        Refusals.check(!output.hasPrefix(" ") && !output.hasSuffix(" "), "custom attribute value \(output.debugDescription) not trimmed")
    }
    return 0
}

/// A parsed media type is lower case, has a non-empty type and subtype, and parses back to
/// itself from its own description.
private func checkParsed(_ header: String) {
    guard let type = MediaType(parsing: header) else { return }
    Refusals.check(!type.type.isEmpty && !type.subtype.isEmpty, "\(header.debugDescription) parsed to \(type)")
    Refusals.check(type.essence == type.essence.lowercased(), "\(header.debugDescription) parsed to \(type.essence)")
    Refusals.check(type.canonical == type.canonical.canonical, "canonical of \(type) is not stable")
    guard let again = MediaType(parsing: type.essence) else { Refusals.finding("\(type.essence.debugDescription) does not parse") }
    Refusals.check(again == type && again.essence == type.essence, "\(type.essence.debugDescription) parsed to \(again.essence)")
    _ = type.parameter("q").flatMap(Double.init)
}
