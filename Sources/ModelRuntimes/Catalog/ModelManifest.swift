/// The small self-description at the top of a model directory (`manifest.json`).
///
/// It names the handler kind and the files, so one image serves either shipped model, or a user's
/// own directory, unchanged:
///
/// ```json
/// {"format": "swerve-model/v1", "name": "real-estate", "handler": "linear-regression", "model": "model.json"}
/// ```
public struct ModelManifest: Sendable {
    /// The file name looked for in a model directory.
    public static let fileName = "manifest.json"

    /// The model's name, used in metrics labels and logs.
    public var name: String
    /// The handler kind the catalog dispatches on.
    public var handler: String
    /// The whole document, for handler-specific settings.
    public var document: JSONObject
    /// Full path of the manifest, for messages.
    public var path: String

    /// Reads and checks `manifest.json` in `directory`.
    public static func read(from directory: ModelDirectory) throws -> ModelManifest {
        let path = directory.url(fileName)
        let document = try ArtifactFile.readObject(fileName, in: directory)
        let format = try document.requiredString("format", file: path)
        guard format == "swerve-model/v1" else {
            throw ModelLoadError(file: path, problem: "field \"format\": unsupported \"\(format)\" (expected \"swerve-model/v1\")")
        }
        return ModelManifest(
            name: try document.requiredString("name", file: path),
            handler: try document.requiredString("handler", file: path),
            document: document, path: path)
    }

    /// The file named by string field `key`, checked to exist in `directory`.
    public func file(_ key: String, in directory: ModelDirectory) throws -> String {
        let name = try document.requiredString(key, file: path)
        guard directory.fileExists(name) else {
            throw ModelLoadError(file: path, problem: "field \"\(key)\": file \"\(name)\" is not in \(directory.path)")
        }
        return name
    }
}

/// Reading JSON artifacts with errors that name the file and the field.
public enum ArtifactFile {
    /// Parses `name` in `directory` as a JSON object.
    public static func readObject(_ name: String, in directory: ModelDirectory) throws -> JSONObject {
        let bytes = try directory.read(name)
        guard bytes.contains(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else {
            throw ModelLoadError(file: directory.url(name), problem: "the file is empty: expected a JSON object")
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch let error as JSONSyntaxError {
            throw ModelLoadError(file: directory.url(name), problem: error.description)
        }
        guard let object = value.objectValue else {
            throw ModelLoadError(file: directory.url(name), problem: "expected a JSON object, found \(value.summary)")
        }
        return object
    }
}

extension JSONObject {
    /// The value of `key`, or an error naming the file and the field.
    public func required(_ key: String, file: String) throws -> JSONValue {
        guard let value = self[key] else { throw ModelLoadError(file: file, problem: "missing field \"\(key)\"") }
        return value
    }

    public func requiredString(_ key: String, file: String) throws -> String {
        let value = try required(key, file: file)
        guard let text = value.stringValue else {
            throw ModelLoadError(file: file, problem: "field \"\(key)\": expected a string, found \(value.summary)")
        }
        return text
    }

    public func requiredDouble(_ key: String, file: String) throws -> Double {
        let value = try required(key, file: file)
        guard let number = value.doubleValue, number.isFinite else {
            throw ModelLoadError(file: file, problem: "field \"\(key)\": expected a finite number, found \(value.summary)")
        }
        return number
    }

    public func requiredArray(_ key: String, file: String) throws -> [JSONValue] {
        let value = try required(key, file: file)
        guard let elements = value.arrayValue else {
            throw ModelLoadError(file: file, problem: "field \"\(key)\": expected an array, found \(value.summary)")
        }
        return elements
    }

    public func requiredObject(_ key: String, file: String) throws -> JSONObject {
        let value = try required(key, file: file)
        guard let object = value.objectValue else {
            throw ModelLoadError(file: file, problem: "field \"\(key)\": expected an object, found \(value.summary)")
        }
        return object
    }

    /// An array of finite numbers, or an error naming the field and the bad position.
    public func requiredDoubles(_ key: String, file: String) throws -> [Double] {
        try requiredArray(key, file: file).enumerated().map { index, element in
            guard let number = element.doubleValue, number.isFinite else {
                throw ModelLoadError(file: file, problem: "field \"\(key)\"[\(index)]: expected a finite number, found \(element.summary)")
            }
            return number
        }
    }
}
