// Config values and their declared types: what one key of the experiment schema may hold, how a value
// is checked against its type and range, and how it is parsed from a command-line override string.
import Foundation

/// A value of one config key.
public enum ConfigValue: Hashable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)
    case list([ConfigValue])

    /// Compact text form used in run labels, `config show` and error messages.
    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return ConfigValue.format(v)
        case .bool(let v): return v ? "true" : "false"
        case .string(let v): return v
        case .list(let vs): return "[" + vs.map(\.description).joined(separator: ",") + "]"
        }
    }

    static func format(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(format: "%.1f", v) }
        return String(v)
    }

    /// The value as a JSON fragment.
    public var json: Any {
        switch self {
        case .int(let v): return v
        case .double(let v): return v
        case .bool(let v): return v
        case .string(let v): return v
        case .list(let vs): return vs.map(\.json)
        }
    }

    public var intValue: Int? { if case .int(let v) = self { return v }; return nil }
    public var doubleValue: Double? {
        switch self { case .double(let v): return v; case .int(let v): return Double(v); default: return nil }
    }
}

/// The declared type of a config key.
public enum ConfigType: CustomStringConvertible {
    case int(ClosedRange<Int>?)
    case double(ClosedRange<Double>?)
    case bool
    case string
    /// One of a closed set of names.
    case choice([String])
    case intList
    case doubleList

    public var description: String {
        switch self {
        case .int(let r): return "integer" + (r.map { " in \($0.lowerBound)...\($0.upperBound)" } ?? "")
        case .double(let r): return "number" + (r.map { " in \(ConfigValue.format($0.lowerBound))...\(ConfigValue.format($0.upperBound))" } ?? "")
        case .bool: return "boolean"
        case .string: return "string"
        case .choice(let names): return "one of " + names.joined(separator: ", ")
        case .intList: return "list of integers"
        case .doubleList: return "list of numbers"
        }
    }

    /// Checks (and normalises: integers are accepted for numbers) a value; the error text names the problem only.
    public func check(_ value: ConfigValue) -> Result<ConfigValue, ConfigProblem> {
        switch (self, value) {
        case (.int(let range), .int(let v)):
            if let range, !range.contains(v) { return .failure(.outOfRange("\(v) is outside \(range.lowerBound)...\(range.upperBound)")) }
            return .success(value)
        case (.double(let range), .int), (.double(let range), .double):
            let v = value.doubleValue!
            if !v.isFinite { return .failure(.wrongType("expected a finite number, got \(v)")) }
            if let range, !range.contains(v) { return .failure(.outOfRange("\(ConfigValue.format(v)) is outside \(ConfigValue.format(range.lowerBound))...\(ConfigValue.format(range.upperBound))")) }
            return .success(.double(v))
        case (.bool, .bool), (.string, .string): return .success(value)
        case (.choice(let names), .string(let v)):
            if names.contains(v) { return .success(value) }
            return .failure(.notAChoice(v, names))
        case (.intList, .list(let items)):
            guard items.allSatisfy({ $0.intValue != nil }) else { return .failure(.wrongType("expected a list of integers, got \(value)")) }
            return .success(value)
        case (.doubleList, .list(let items)):
            guard items.allSatisfy({ $0.doubleValue != nil }) else { return .failure(.wrongType("expected a list of numbers, got \(value)")) }
            return .success(.list(items.map { .double($0.doubleValue!) }))
        default:
            return .failure(.wrongType("expected \(self), got \(value.kindName) \(value)"))
        }
    }

    /// Parses a command-line value string for this type (`3`, `1e-4`, `true`, `ddim`, `[1,2,4]`).
    public func parse(_ text: String) -> Result<ConfigValue, ConfigProblem> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let raw: ConfigValue
        switch self {
        case .int:
            guard let v = Int(trimmed) else { return .failure(.wrongType("expected an integer, got '\(text)'")) }
            raw = .int(v)
        case .double:
            guard let v = Double(trimmed) else { return .failure(.wrongType("expected a number, got '\(text)'")) }
            raw = .double(v)
        case .bool:
            switch trimmed.lowercased() {
            case "true", "yes", "on", "1": raw = .bool(true)
            case "false", "no", "off", "0": raw = .bool(false)
            default: return .failure(.wrongType("expected true or false, got '\(text)'"))
            }
        case .string, .choice:
            raw = .string(trimmed.count >= 2 && trimmed.hasPrefix("\"") && trimmed.hasSuffix("\"") ? String(trimmed.dropFirst().dropLast()) : trimmed)
        case .intList, .doubleList:
            guard trimmed.hasPrefix("["), trimmed.hasSuffix("]") else { return .failure(.wrongType("expected a list like [1,2], got '\(text)'")) }
            let inner = trimmed.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            var items: [ConfigValue] = []
            for item in inner {
                if case .intList = self, let v = Int(item) { items.append(.int(v)) }
                else if case .doubleList = self, let v = Double(item) { items.append(.double(v)) }
                else { return .failure(.wrongType("'\(item)' in \(text) is not a number")) }
            }
            raw = .list(items)
        }
        return check(raw)
    }
}

extension ConfigValue {
    var kindName: String {
        switch self {
        case .int: return "integer"
        case .double: return "number"
        case .bool: return "boolean"
        case .string: return "string"
        case .list: return "list"
        }
    }
}

/// Why a value does not fit its key.
public enum ConfigProblem: Error, CustomStringConvertible {
    case wrongType(String)
    case outOfRange(String)
    case notAChoice(String, [String])

    public var description: String {
        switch self {
        case .wrongType(let m), .outOfRange(let m): return m
        case .notAChoice(let v, let names):
            let close = closestMatches(to: v, in: names)
            return "'\(v)' is not one of \(names.joined(separator: ", "))" + (close.isEmpty ? "" : "; did you mean \(close.map { "'\($0)'" }.joined(separator: " or "))?")
        }
    }
}

/// Levenshtein distance between two strings (characters).
public func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var previous = Array(0...y.count)
    var current = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        current[0] = i
        for j in 1...y.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[y.count]
}

/// The candidates nearest to `word` by edit distance (at most 3, within a distance that still looks like a typo).
/// For dotted keys the last component is compared too, so `lr` finds `optimizer.lr`.
public func closestMatches(to word: String, in candidates: [String], limit: Int = 3) -> [String] {
    let scored = candidates.map { candidate -> (String, Int) in
        var d = editDistance(word.lowercased(), candidate.lowercased())
        if let last = candidate.split(separator: ".").last, let wordLast = word.split(separator: ".").last {
            d = min(d, editDistance(String(wordLast).lowercased(), String(last).lowercased()) + 1)
        }
        return (candidate, d)
    }
    let threshold = max(2, word.count / 3)
    let best = scored.map(\.1).min() ?? 0
    return scored.filter { $0.1 <= threshold && $0.1 <= best + 1 }.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(limit).map(\.0)
}
