// Errors of the data module. Each names the file (or config) and what is wrong, so that a user can fix it;
// `DatasetIssue` collects the problems that loading reports and skips instead of failing.

/// A problem that stops loading.
public enum DatasetError: Error, CustomStringConvertible, Equatable {
    case unreadableFile(path: String, reason: String)
    case invalidJSON(path: String, reason: String)
    case missingKey(path: String, key: String, context: String)
    case invalidConfig(String)

    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason): return "\(path): cannot read file: \(reason)"
        case .invalidJSON(let path, let reason): return "\(path): not valid JSON: \(reason)"
        case .missingKey(let path, let key, let context): return "\(path): \(context) lacks the required key \"\(key)\""
        case .invalidConfig(let message): return "invalid data config: \(message)"
        }
    }
}

/// A problem that loading reports and works around (the annotation or image is skipped).
public struct DatasetIssue: CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable { case unknownImage, unknownCategory, degenerateBox, degeneratePolygon,
                                             badSegmentation, missingImage, duplicateID, sizeMismatch }
    public let file: String
    public let kind: Kind
    public let message: String

    public init(file: String, kind: Kind, message: String) {
        self.file = file
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}
