// The fully resolved configuration of one run: every schema key with its value and where that value
// came from (default, a file, the command line, a sweep axis), the run's own settings (what makes it
// differ from its experiment), a stable content hash, and the JSON form written as config.json.
import Tensor
import Foundation

public struct ResolvedConfig {
    public let experiment: String
    public let experimentFile: String
    public private(set) var values: [String: ConfigValue]
    public private(set) var sources: [String: String]
    /// The overrides and sweep values that distinguish this run, in order (used for its label).
    public private(set) var settings: [(key: String, value: ConfigValue)]
    public let schema: ConfigSchema

    /// Defaults + the file's assignments.
    public init(file: ExperimentFile, schema: ConfigSchema = .standard) {
        experiment = file.name
        experimentFile = file.path
        self.schema = schema
        values = schema.defaults
        sources = Dictionary(uniqueKeysWithValues: schema.keys.map { ($0.path, "default") })
        settings = []
        for (key, assignment) in file.assignments {
            values[key] = assignment.value
            sources[key] = assignment.source
        }
    }

    init(experiment: String, experimentFile: String, values: [String: ConfigValue], sources: [String: String],
         settings: [(key: String, value: ConfigValue)], schema: ConfigSchema) {
        self.experiment = experiment
        self.experimentFile = experimentFile
        self.values = values
        self.sources = sources
        self.settings = settings
        self.schema = schema
    }

    /// Sets a (validated) value and records it as one of this run's settings.
    public mutating func set(_ key: String, _ value: ConfigValue, source: String, isSetting: Bool = true) {
        values[key] = value
        sources[key] = source
        if isSetting {
            settings.removeAll { $0.key == key }
            settings.append((key, value))
        }
    }

    // MARK: Typed access (keys are validated, so a missing or mistyped key is a programming error)

    public func value(_ key: String) -> ConfigValue {
        guard let v = values[key] else { preconditionFailure("config key \(key) is not declared in the schema") }
        return v
    }
    public func int(_ key: String) -> Int { value(key).intValue! }
    public func double(_ key: String) -> Double { value(key).doubleValue! }
    public func bool(_ key: String) -> Bool { if case .bool(let b) = value(key) { return b }; preconditionFailure("\(key) is not a boolean") }
    public func string(_ key: String) -> String { if case .string(let s) = value(key) { return s }; preconditionFailure("\(key) is not a string") }
    public func ints(_ key: String) -> [Int] { if case .list(let items) = value(key) { return items.compactMap(\.intValue) }; return [] }
    public func doubles(_ key: String) -> [Double] { if case .list(let items) = value(key) { return items.compactMap(\.doubleValue) }; return [] }

    /// The seed for one purpose (`init`, `data`, `sampling`): explicit when set, otherwise derived from `seeds.base`.
    public func seed(_ purpose: String) -> Int {
        let explicit = int("seeds." + purpose)
        if explicit >= 0 { return explicit }
        return Int(SplitMix64.mix(UInt64(int("seeds.base")) &+ fnv1a(purpose)) & 0x7fff_ffff)
    }

    public var seeds: [String: Int] {
        ["base": int("seeds.base"), "init": seed("init"), "data": seed("data"), "sampling": seed("sampling")]
    }

    // MARK: Identity

    /// "lr=0.01,hidden=16,seed=1" from the settings (short key names where unambiguous), or "base".
    public var label: String {
        guard !settings.isEmpty else { return "base" }
        let lastNames = settings.map { String($0.key.split(separator: ".").last!) }
        return settings.enumerated().map { index, setting in
            let name = lastNames.filter { $0 == lastNames[index] }.count > 1 ? setting.key : lastNames[index]
            return "\(name == "base" && setting.key == "seeds.base" ? "seed" : name)=\(setting.value)"
        }.joined(separator: ",")
    }

    /// 8 hex digits of a 64-bit FNV-1a hash over the canonical (key-sorted) values.
    public var hash: String {
        let canonical = values.keys.sorted().map { "\($0)=\(values[$0]!)" }.joined(separator: "\n")
        return String(format: "%08x", UInt32(truncatingIfNeeded: fnv1a(canonical) ^ (fnv1a(canonical) >> 32)))
    }

    /// Directory-safe run id: label (shortened) + hash.
    public var runID: String {
        var safe = String(label.map { $0.isLetter || $0.isNumber || "=.,+-_".contains($0) ? $0 : "_" })
        if safe.count > 80 { safe = String(safe.prefix(80)) }
        return safe + "-" + hash
    }

    // MARK: JSON

    public var jsonObject: [String: Any] {
        [
            "experiment": experiment,
            "experiment_file": experimentFile,
            "label": label,
            "hash": hash,
            "settings": settings.map { [$0.key, $0.value.json] },
            "values": values.mapValues(\.json),
            "sources": sources,
        ]
    }

    public var jsonString: String {
        let data = try! JSONSerialization.data(withJSONObject: jsonObject, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads a run's config.json back (resume, report); unknown keys from an older schema are an error.
    public static func read(jsonFile path: String, schema: ConfigSchema = .standard) throws -> ResolvedConfig {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let rawValues = object["values"] as? [String: Any] else {
            throw ConfigError(source: path, key: nil, message: "not a run config (expected a JSON object with 'values')")
        }
        var values = schema.defaults
        for (key, raw) in rawValues {
            guard let value = schema.value(fromJSON: raw, for: key) else {
                throw ConfigError(source: path, key: key, message: "unknown key or bad value \(raw)")
            }
            values[key] = try schema.validate(key, value, source: path)
        }
        var settings: [(key: String, value: ConfigValue)] = []
        for pair in object["settings"] as? [[Any]] ?? [] {
            if let key = pair.first as? String, pair.count == 2, let value = schema.value(fromJSON: pair[1], for: key) { settings.append((key, value)) }
        }
        return ResolvedConfig(experiment: object["experiment"] as? String ?? "unknown", experimentFile: object["experiment_file"] as? String ?? "",
                              values: values, sources: object["sources"] as? [String: String] ?? [:], settings: settings, schema: schema)
    }

    /// `config show` text: every key with value, source, type and doc, grouped by section.
    public func documented(onlyChanged: Bool = false) -> String {
        var lines = ["# experiment: \(experiment) (\(experimentFile))", "# run id: \(runID)", ""]
        var section = ""
        for key in schema.keys {
            let value = values[key.path]!
            let source = sources[key.path] ?? "default"
            if onlyChanged && source == "default" { continue }
            let keySection = key.path.split(separator: ".").dropLast().joined(separator: ".")
            if keySection != section {
                section = keySection
                lines.append(section.isEmpty ? "" : "[\(section)]")
            }
            let origin = source == "default" ? "default" : "from \(source); default \(key.defaultValue)"
            lines.append("\(key.path) = \(value)    # \(key.type); \(origin)")
            lines.append("    \(key.doc)")
        }
        return lines.joined(separator: "\n")
    }
}

/// 64-bit FNV-1a over UTF-8 bytes.
func fnv1a(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf29ce484222325
    for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
    return hash
}
