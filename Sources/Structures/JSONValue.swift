// The one JSON reader and writer of the package (COCO ground truth in Data and Evaluation, results files).
// Numbers are parsed correctly rounded (glibc strtod; Foundation's reader on Linux can be off in the last bit,
// which would break bit-exact agreement with pycocotools), it is fast on multi-megabyte annotation files, and
// it accepts Python's NaN/Infinity tokens so that such values are reported as errors instead of failing to parse.
import Foundation

public enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Members in file order (small COCO objects: a linear key search beats hashing).
    case object(keys: [String], values: [JSONValue])

    /// The member named `key` (the last one when a key repeats, as Python's json module).
    public subscript(key: String) -> JSONValue? {
        guard case let .object(keys, values) = self else { return nil }
        var j = keys.count - 1
        while j >= 0 { if keys[j] == key { return values[j] }; j -= 1 }
        return nil
    }

    public var isObject: Bool { if case .object = self { return true }; return false }

    public var double: Double? { if case let .number(value) = self { return value }; return nil }
    public var string: String? { if case let .string(value) = self { return value }; return nil }
    public var array: [JSONValue]? { if case let .array(value) = self { return value }; return nil }
    public var object: [String: JSONValue]? {
        guard case let .object(keys, values) = self else { return nil }
        return Dictionary(zip(keys, values), uniquingKeysWith: { _, last in last })
    }

    /// An integer value (a number with no fractional part that fits in Int).
    public var int: Int? {
        guard case let .number(value) = self, value.rounded() == value, abs(value) < 9.0e15 else { return nil }
        return Int(value)
    }

    /// Parses UTF-8 JSON text.
    public static func parse(_ data: Data) throws -> JSONValue {
        try data.withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw.bindMemory(to: UInt8.self))
            parser.skipWhitespace()
            let value = try parser.parseValue(depth: 0)
            parser.skipWhitespace()
            guard parser.position == parser.bytes.count else { throw parser.error("unexpected text after the JSON value") }
            return value
        }
    }

    /// Reads and parses a file; errors name the file (callers wrap them into their module's error type).
    public static func parse(contentsOf path: String) throws -> JSONValue {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? error.localizedDescription : "file not found"
            throw JSONFileError.unreadable(path: path, reason: reason)
        }
        do { return try parse(data) } catch let error as JSONParseError {
            throw JSONFileError.invalid(path: path, reason: error.message)
        }
    }
}

/// A JSON file that cannot be read or parsed.
public enum JSONFileError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case invalid(path: String, reason: String)

    public var path: String {
        switch self { case let .unreadable(path, _), let .invalid(path, _): return path }
    }

    /// What is wrong, without the path: "cannot be read (…)" or "is not valid JSON: … at byte N".
    public var problem: String {
        switch self {
        case let .unreadable(_, reason): return "cannot be read (\(reason))"
        case let .invalid(_, reason): return "is not valid JSON: \(reason)"
        }
    }

    public var description: String { "\(path): \(problem)" }
}

public struct JSONParseError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func error(_ message: String) -> JSONParseError {
        JSONParseError(message: "\(message) at byte \(position)")
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            let c = bytes[position]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { position += 1 } else { break }
        }
    }

    mutating func expect(_ literal: String) throws {
        for byte in literal.utf8 {
            guard position < bytes.count, bytes[position] == byte else { throw error("expected '\(literal)'") }
            position += 1
        }
    }

    mutating func parseValue(depth: Int) throws -> JSONValue {
        guard depth < 512 else { throw error("nesting too deep") }
        guard position < bytes.count else { throw error("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            var keys: [String] = [], values: [JSONValue] = []
            skipWhitespace()
            if position < bytes.count && bytes[position] == UInt8(ascii: "}") { position += 1; return .object(keys: keys, values: values) }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a key string") }
                let key = try parseString()
                skipWhitespace()
                try expect(":")
                skipWhitespace()
                keys.append(key)
                values.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard position < bytes.count else { throw error("unterminated object") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(keys: keys, values: values) }
                throw error("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            position += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if position < bytes.count && bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
            while true {
                skipWhitespace()
                elements.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard position < bytes.count else { throw error("unterminated array") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
                throw error("expected ',' or ']'")
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "N"): try expect("NaN"); return .number(.nan)
        case UInt8(ascii: "I"): try expect("Infinity"); return .number(.infinity)
        default:
            return .number(try parseNumber())
        }
    }

    mutating func parseNumber() throws -> Double {
        let start = position
        if position < bytes.count && bytes[position] == UInt8(ascii: "-") {
            position += 1
            if position < bytes.count && bytes[position] == UInt8(ascii: "I") { try expect("Infinity"); return -.infinity }
        }
        var integerOnly = true
        var digits = 0
        var value: Int64 = 0
        while position < bytes.count {
            let c = bytes[position]
            if c >= 0x30 && c <= 0x39 {
                if digits < 18 { value = value * 10 + Int64(c - 0x30) }
                digits += 1
            } else if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
                        || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                integerOnly = false
            } else {
                break
            }
            position += 1
        }
        guard digits > 0 else { throw error("invalid number") }
        if integerOnly && digits <= 15 {
            return Double(bytes[start] == UInt8(ascii: "-") ? -value : value)
        }
        // glibc's strtod is correctly rounded; hand it a NUL-terminated copy of the token.
        let length = position - start
        guard length < 128 else {
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            guard let parsed = Double(text) else { throw error("invalid number '\(text)'") }
            return parsed
        }
        return try withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            for j in 0..<length { buffer[j] = CChar(bitPattern: bytes[start + j]) }
            buffer[length] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            let parsed = strtod(buffer.baseAddress!, &end)
            guard let end, end - buffer.baseAddress! == length else { throw error("invalid number") }
            return parsed
        }
    }

    mutating func parseString() throws -> String {
        position += 1  // opening quote
        let start = position
        // Fast path: no escapes.
        while position < bytes.count {
            let c = bytes[position]
            if c == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                position += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            position += 1
        }
        var scalars: [UInt8] = Array(bytes[start..<position])
        while position < bytes.count {
            let c = bytes[position]
            position += 1
            if c == UInt8(ascii: "\"") { return String(decoding: scalars, as: UTF8.self) }
            guard c == UInt8(ascii: "\\") else { scalars.append(c); continue }
            guard position < bytes.count else { break }
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "n"): scalars.append(0x0A)
            case UInt8(ascii: "t"): scalars.append(0x09)
            case UInt8(ascii: "r"): scalars.append(0x0D)
            case UInt8(ascii: "b"): scalars.append(0x08)
            case UInt8(ascii: "f"): scalars.append(0x0C)
            case UInt8(ascii: "u"):
                var code = try parseHex4()
                if code >= 0xD800 && code < 0xDC00, position + 1 < bytes.count,
                   bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                    position += 2
                    let low = try parseHex4()
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: scalars.append(escape)
            }
        }
        throw error("unterminated string")
    }

    mutating func parseHex4() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("bad \\u escape") }
        var code: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[position]
            position += 1
            guard let digit = Character(UnicodeScalar(c)).hexDigitValue else { throw error("bad \\u escape") }
            code = code * 16 + UInt32(digit)
        }
        return code
    }
}

/// Writes JSON text; doubles use Swift's shortest round-tripping form, so values read back bit-identical.
public enum JSONWriter {
    public static func number(_ value: Double) -> String {
        if value.rounded() == value && abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    public static func string(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
