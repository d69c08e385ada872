// The package's exact JSON reader and writer (Structures/JSONValue.swift): correctly rounded decimals, escapes,
// syntax errors, file errors naming the file, and writer output that reads back bit-identical.
import XCTest
import Foundation
@testable import Structures

final class JSONValueTests: XCTestCase {
    func testJSONReaderParsesDecimalsExactly() throws {
        let values = [0.22826086956521738, 0.1, 1e-300, 123456789.123456789, -0.0, 5e-324, 0.30000000000000004]
        let text = "[" + values.map { "\($0)" }.joined(separator: ",") + ", 12, -7, 1.5e3, \"a\\\"b\\u00e9\"]"
        let parsed = try JSONValue.parse(Data(text.utf8)).array!
        XCTAssertEqual(parsed.prefix(values.count).map { $0.double! }, values)
        XCTAssertEqual(parsed[values.count].int, 12)
        XCTAssertEqual(parsed[values.count + 1].int, -7)
        XCTAssertEqual(parsed[values.count + 2].double, 1500)
        XCTAssertEqual(parsed[values.count + 3].string, "a\"bé")
        XCTAssertThrowsError(try JSONValue.parse(Data("[1, 2".utf8)))
        XCTAssertThrowsError(try JSONValue.parse(Data("{\"a\" 1}".utf8)))
    }

    func testFileErrorsNameTheFile() throws {
        let path = NSTemporaryDirectory() + "json-\(UUID().uuidString).json"
        try "{\"a\": [1, 2}".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try JSONValue.parse(contentsOf: path)) { error in
            XCTAssertEqual((error as? JSONFileError)?.path, path)
            XCTAssertTrue("\(error)".hasPrefix("\(path): is not valid JSON: expected ',' or ']' at byte"), "\(error)")
        }
        XCTAssertThrowsError(try JSONValue.parse(contentsOf: "/no/such/file.json")) { error in
            XCTAssertTrue("\(error)".hasPrefix("/no/such/file.json: cannot be read (file not found)"), "\(error)")
        }
    }

    func testWriterOutputReadsBackBitIdentical() throws {
        var generator = SystemRandomNumberGenerator()
        let values = (0..<200).map { _ in Double.random(in: -1e6...1e6, using: &generator) } + [0.1, 3, -2, 1e-7, 12345678.9]
        let text = "[" + values.map(JSONWriter.number).joined(separator: ",") + "," + JSONWriter.string("q\"\\\n\u{1}é") + "]"
        let parsed = try XCTUnwrap(try JSONValue.parse(Data(text.utf8)).array)
        XCTAssertEqual(parsed.prefix(values.count).map { $0.double!.bitPattern }, values.map(\.bitPattern))
        XCTAssertEqual(parsed.last?.string, "q\"\\\n\u{1}é")
    }
}
