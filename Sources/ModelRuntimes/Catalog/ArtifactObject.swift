/// A JSON object inside a model artifact, with its path from the document root, so every
/// load error names the file and the exact field: `trees[3].left_children[7]`.
///
/// It is the one reader of JSON artifacts: manifests and every model document (linear
/// regression, XGBoost, transform, logistic regression, random forest, ensemble) read through it,
/// so nothing they load can fail without saying where.
public struct ArtifactObject: Sendable {
    public let object: JSONObject
    /// The dotted path of this object from the document root; empty for the root itself.
    public let path: String
    /// The artifact's full file path.
    public let file: String

    public init(_ object: JSONObject, path: String = "", file: String) {
        self.object = object
        self.path = path
        self.file = file
    }

    /// Reads file `name` in `directory` as a JSON object.
    public static func read(_ name: String, in directory: ModelDirectory) throws -> ArtifactObject {
        let file = directory.url(name)
        let bytes = try directory.read(name)
        guard bytes.contains(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else {
            throw ModelLoadError(file: file, problem: "the file is empty: expected a JSON object")
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch let error as JSONSyntaxError {
            throw ModelLoadError(file: file, problem: error.description)
        }
        guard let object = value.objectValue else {
            throw ModelLoadError(file: file, problem: "expected a JSON object, found \(value.kindName)")
        }
        return ArtifactObject(object, file: file)
    }

    /// The value of optional member `key`, nil when absent.
    public func optional(_ key: String) -> JSONValue? { object[key] }

    /// The full path of member `key`.
    public func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// A load error about member `key`.
    public func error(_ key: String, _ problem: String) -> ModelLoadError {
        ModelLoadError(file: file, problem: "field \"\(fieldPath(key))\": \(problem)")
    }

    public func contains(_ key: String) -> Bool { object[key] != nil }

    public func value(_ key: String) throws -> JSONValue {
        guard let value = object[key] else { throw ModelLoadError(file: file, problem: "missing field \"\(fieldPath(key))\"") }
        return value
    }

    public func object(_ key: String) throws -> ArtifactObject {
        let value = try value(key)
        guard let object = value.objectValue else { throw error(key, "expected an object, found \(value.summary)") }
        return ArtifactObject(object, path: fieldPath(key), file: file)
    }

    public func string(_ key: String) throws -> String {
        let value = try value(key)
        guard let text = value.stringValue else { throw error(key, "expected a string, found \(value.summary)") }
        return text
    }

    public func array(_ key: String, count: Int? = nil) throws -> [JSONValue] {
        let value = try value(key)
        guard let elements = value.arrayValue else { throw error(key, "expected an array, found \(value.summary)") }
        if let count, elements.count != count {
            throw error(key, "has \(elements.count) entries, expected \(count)")
        }
        return elements
    }

    /// The objects of array `key`, each with its indexed path (`trees[3]`).
    public func objects(_ key: String) throws -> [ArtifactObject] {
        try array(key).enumerated().map { index, element in
            guard let object = element.objectValue else { throw error("\(key)[\(index)]", "expected an object, found \(element.summary)") }
            return ArtifactObject(object, path: fieldPath("\(key)[\(index)]"), file: file)
        }
    }

    /// A finite number.
    public func double(_ key: String) throws -> Double {
        let value = try value(key)
        guard let number = value.doubleValue, number.isFinite else { throw error(key, "expected a finite number, found \(value.summary)") }
        return number
    }

    /// An integral number.
    public func integer(_ key: String) throws -> Int {
        let value = try value(key)
        guard let number = value.intValue else { throw error(key, "expected an integer, found \(value.summary)") }
        return number
    }

    /// An integer written as a string (xgboost writes all its parameters so: `"71"`).
    public func integerString(_ key: String, in range: ClosedRange<Int>) throws -> Int {
        let text = try string(key)
        guard let number = Int(text.trimmingASCIISpaces()) else { throw error(key, "expected an integer in a string, found \"\(text)\"") }
        guard range.contains(number) else { throw error(key, "\(number) is outside \(range.lowerBound)...\(range.upperBound)") }
        return number
    }

    /// An array of finite numbers, of `count` entries when given.
    public func doubles(_ key: String, count: Int? = nil) throws -> [Double] {
        try array(key, count: count).enumerated().map { index, element in
            guard let number = element.doubleValue, number.isFinite else {
                throw error("\(key)[\(index)]", "expected a finite number, found \(element.summary)")
            }
            return number
        }
    }

    /// An array of integers within `range`, of `count` entries when given.
    public func integers(_ key: String, count: Int? = nil, in range: ClosedRange<Int> = Int(Int32.min)...Int(Int32.max)) throws -> [Int32] {
        try array(key, count: count).enumerated().map { index, element in
            guard let number = element.intValue ?? element.boolValue.map({ $0 ? 1 : 0 }) else {
                throw error("\(key)[\(index)]", "expected an integer, found \(element.summary)")
            }
            guard range.contains(number) else {
                throw error("\(key)[\(index)]", "\(number) is outside \(range.lowerBound)...\(range.upperBound)")
            }
            return Int32(number)
        }
    }

    /// An array of strings, of `count` entries when given.
    public func strings(_ key: String, count: Int? = nil) throws -> [String] {
        try array(key, count: count).enumerated().map { index, element in
            guard let text = element.stringValue else { throw error("\(key)[\(index)]", "expected a string, found \(element.summary)") }
            return text
        }
    }
}
