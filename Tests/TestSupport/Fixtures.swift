// Locates and decodes committed test fixtures under Tests/Fixtures (found from this file's path,
// so tests run from any working directory).
import Foundation

/// Absolute URL of `Tests/Fixtures/<name>`.
public func fixtureURL(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(name)
}

/// Top-level JSON object of a fixture file; fails with the file name when it is missing or malformed.
public func loadJSONFixture(_ name: String) throws -> [String: Any] {
    let url = fixtureURL(name)
    guard let data = try? Data(contentsOf: url) else { throw FixtureError("cannot read fixture \(url.path)") }
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw FixtureError("fixture \(url.path) is not a JSON object")
    }
    return object
}

public struct FixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Dictionary where Key == String, Value == Any {
    /// A numeric array field as [Float].
    public func floats(_ key: String) throws -> [Float] {
        guard let values = self[key] as? [Any] else { throw FixtureError("fixture field \"\(key)\" missing or not an array") }
        return values.map { Float(($0 as? NSNumber)?.doubleValue ?? .nan) }
    }
    public func int(_ key: String) throws -> Int {
        guard let v = self[key] as? NSNumber else { throw FixtureError("fixture field \"\(key)\" missing or not a number") }
        return v.intValue
    }
    public func object(_ key: String) throws -> [String: Any] {
        guard let v = self[key] as? [String: Any] else { throw FixtureError("fixture field \"\(key)\" missing or not an object") }
        return v
    }
}
