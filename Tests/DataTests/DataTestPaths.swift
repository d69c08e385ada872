// Where DataTests find their fixtures (Tests/Fixtures/data) and the shared datasets (../shared/data),
// both located from this file's path so that tests run from any working directory.
import Foundation
import XCTest

enum DataTestPaths {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures/data")
    static let sharedData = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    /// A fresh empty temporary folder.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("DataTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
