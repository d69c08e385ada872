// The typed experiment schema: every key a config may set, with its type, default, allowed values and
// documentation. Validation of files and overrides happens against this table before anything runs.
import Foundation

/// One declared config key.
public struct ConfigKey {
    /// Dotted path, e.g. "sampler.steps".
    public let path: String
    public let type: ConfigType
    public let defaultValue: ConfigValue
    public let doc: String

    public init(_ path: String, _ type: ConfigType, _ defaultValue: ConfigValue, _ doc: String) {
        self.path = path
        self.type = type
        self.defaultValue = defaultValue
        self.doc = doc
    }
}

/// A config error: which file (or "command line"), which key, and what is wrong.
public struct ConfigError: Error, CustomStringConvertible {
    public let source: String
    public let key: String?
    public let message: String

    public init(source: String, key: String?, message: String) {
        self.source = source
        self.key = key
        self.message = message
    }

    public var description: String { "\(source): " + (key.map { "\($0): " } ?? "") + message }
}

/// The set of declared keys.
public struct ConfigSchema {
    public let keys: [ConfigKey]
    private let index: [String: Int]

    public init(keys: [ConfigKey]) {
        self.keys = keys
        var index: [String: Int] = [:]
        for (i, key) in keys.enumerated() {
            precondition(index[key.path] == nil, "config key \(key.path) declared twice")
            if case .failure(let problem) = key.type.check(key.defaultValue) {
                preconditionFailure("default of \(key.path) does not fit its type: \(problem)")
            }
            index[key.path] = i
        }
        self.index = index
    }

    public subscript(path: String) -> ConfigKey? { index[path].map { keys[$0] } }

    /// Section names (every dotted prefix of a key), used to tell "a section" from "an unknown key".
    public var sections: Set<String> {
        var result = Set<String>()
        for key in keys {
            let parts = key.path.split(separator: ".")
            for n in 1..<max(1, parts.count) { result.insert(parts.prefix(n).joined(separator: ".")) }
        }
        return result
    }

    /// Looks up a key or throws an error naming the closest declared keys.
    public func key(_ path: String, source: String) throws -> ConfigKey {
        if let key = self[path] { return key }
        let close = closestMatches(to: path, in: keys.map(\.path))
        let hint = close.isEmpty ? " (see `diffinst config show` for every key)" : "; did you mean \(close.map { "'\($0)'" }.joined(separator: " or "))?"
        if sections.contains(path) {
            throw ConfigError(source: source, key: path, message: "is a section, not a key; set one of its keys, e.g. '\(keys.first { $0.path.hasPrefix(path + ".") }!.path)'")
        }
        throw ConfigError(source: source, key: path, message: "unknown key" + hint)
    }

    /// Checks `value` for `path` and returns its normalised form.
    public func validate(_ path: String, _ value: ConfigValue, source: String) throws -> ConfigValue {
        let key = try self.key(path, source: source)
        switch key.type.check(value) {
        case .success(let normalised): return normalised
        case .failure(let problem): throw ConfigError(source: source, key: path, message: problem.description)
        }
    }

    /// Parses a command-line value for `path`.
    public func parse(_ path: String, _ text: String, source: String) throws -> ConfigValue {
        let key = try self.key(path, source: source)
        switch key.type.parse(text) {
        case .success(let value): return value
        case .failure(let problem): throw ConfigError(source: source, key: path, message: problem.description)
        }
    }

    /// Every key at its default.
    public var defaults: [String: ConfigValue] {
        Dictionary(uniqueKeysWithValues: keys.map { ($0.path, $0.defaultValue) })
    }

    /// Reads a value from JSON (a run's config.json) using the key's declared type.
    public func value(fromJSON json: Any, for path: String) -> ConfigValue? {
        guard let key = self[path] else { return nil }
        func scalar(_ type: ConfigType, _ json: Any) -> ConfigValue? {
            switch type {
            case .int: return (json as? NSNumber).map { .int($0.intValue) }
            case .double: return (json as? NSNumber).map { .double($0.doubleValue) }
            case .bool: return (json as? NSNumber).map { .bool($0.boolValue) } ?? (json as? Bool).map { .bool($0) }
            case .string, .choice: return (json as? String).map { .string($0) }
            case .intList: return (json as? [Any]).map { .list($0.compactMap { ($0 as? NSNumber).map { ConfigValue.int($0.intValue) } }) }
            case .doubleList: return (json as? [Any]).map { .list($0.compactMap { ($0 as? NSNumber).map { ConfigValue.double($0.doubleValue) } }) }
            }
        }
        return scalar(key.type, json)
    }

    /// The schema of this workbench (all DiffusionInst research choices plus the runner's own keys).
    public static let standard = ConfigSchema(keys: StandardKeys.all)
}
