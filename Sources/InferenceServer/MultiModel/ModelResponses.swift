import ModelRuntimes

/// The JSON bodies of the multi-model API's successful answers (errors go through
/// `Response(error:)`). Field names are SageMaker's and MMS's (`modelName`, `modelUrl`,
/// `nextPageToken`); the sizes and times are Swerve's own additions.
enum ModelResponses {
    /// `POST /models`: 200 with what was loaded.
    static func loaded(_ model: ServedModel) -> Response {
        var json = JSONWriter()
        json.field("modelName", model.name)
        json.field("modelUrl", model.url)
        json.field("memoryBytes", model.memoryBytes)
        json.field("loadSeconds", model.loadSeconds)
        return Response.json(json.finish()).labelled(.models)
    }

    /// `DELETE /models/{name}`: 200 once the memory is released.
    static func unloaded(_ name: String, freedBytes: Int) -> Response {
        var json = JSONWriter()
        json.field("modelName", name)
        json.field("freedBytes", freedBytes)
        return Response.json(json.finish()).labelled(.model)
    }

    /// `GET /models/{name}`.
    static func description(_ model: ModelStore.Description) -> Response {
        var json = JSONWriter()
        json.field("modelName", model.name)
        json.field("modelUrl", model.url)
        json.field("memoryBytes", model.memoryBytes)
        json.field("loadSeconds", model.loadSeconds)
        json.field("inFlight", model.inFlight)
        json.field("idleSeconds", model.idleSeconds)
        return Response.json(json.finish()).labelled(.model)
    }

    /// `GET /models`: one page, and the token of the next if there is one.
    static func list(_ models: [(name: String, url: String)], nextPageToken: String?) -> Response {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32 + models.count * 64)
        bytes.append(contentsOf: #"{"models":["#.utf8)
        for (index, model) in models.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: #"{"modelName":"#.utf8)
            JSONText.appendString(model.name, to: &bytes)
            bytes.append(contentsOf: #","modelUrl":"#.utf8)
            JSONText.appendString(model.url, to: &bytes)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "]"))
        if let nextPageToken {
            bytes.append(contentsOf: #","nextPageToken":"#.utf8)
            JSONText.appendString(nextPageToken, to: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
        return Response.json(String(decoding: bytes, as: UTF8.self)).labelled(.models)
    }
}

/// A flat JSON object written field by field.
private struct JSONWriter {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]

    mutating func field(_ name: String, _ value: String) {
        key(name)
        JSONText.appendString(value, to: &bytes)
    }

    mutating func field(_ name: String, _ value: Int) {
        key(name)
        NumberFormatting.appendInteger(value, to: &bytes)
    }

    mutating func field(_ name: String, _ value: Double) {
        key(name)
        NumberFormatting.append(value, to: &bytes)
    }

    private mutating func key(_ name: String) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        JSONText.appendString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    func finish() -> String { String(decoding: bytes + [UInt8(ascii: "}")], as: UTF8.self) }
}
