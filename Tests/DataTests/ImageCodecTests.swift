// PNG (every colour type and bit depth) and JPEG decoding against references computed independently by
// Tests/Fixtures/data/make_data_fixtures.py, PNG writing, and the errors for bad files.
import Data
import Foundation
import XCTest

final class ImageCodecTests: XCTestCase {
    private func expected(_ name: String) throws -> [UInt8] {
        [UInt8](try Foundation.Data(contentsOf: URL(fileURLWithPath: DataTestPaths.fixture(name + ".rgb"))))
    }

    func testEveryPNGKindDecodesToExpectedRGB8() throws {
        for name in ["gray1", "gray8", "gray16", "gray_alpha8", "rgb8", "rgb16", "rgba8", "palette4"] {
            let image = try ImageCodec.read(path: DataTestPaths.fixture(name + ".png"))
            XCTAssertEqual(image.width, 13, name)
            XCTAssertEqual(image.height, 9, name)
            XCTAssertEqual(image.pixels, try expected(name), "\(name).png decodes differently from the numpy reference")
        }
    }

    func testJPEGMatchesReferenceDecoder() throws {
        for (file, reference) in [("color.jpg", "color_jpg"), ("gray.jpg", "gray_jpg")] {
            let image = try ImageCodec.read(path: DataTestPaths.fixture(file))
            XCTAssertEqual(image.width, 40)
            XCTAssertEqual(image.height, 48)
            let want = try expected(reference)
            XCTAssertEqual(image.pixels.count, want.count)
            // Both decoders are libjpeg(-turbo) with the accurate integer DCT; allow one level for upsampling rounding.
            let worst = zip(image.pixels, want).map { abs(Int($0) - Int($1)) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1, "\(file): largest difference to Pillow's decode is \(worst)")
        }
    }

    func testPNGWriteReadRoundTrip() throws {
        let folder = try DataTestPaths.temporaryDirectory()
        var random = DataRandom(seed: 3)
        let image = RGBImage(width: 17, height: 5, pixels: (0..<(17 * 5 * 3)).map { _ in UInt8.random(in: 0...255, using: &random) })
        let path = folder.appendingPathComponent("round.png").path
        try ImageCodec.writePNG(image, path: path)
        XCTAssertEqual(try ImageCodec.read(path: path), image)
        let gray = (0..<(6 * 4)).map { UInt8($0 * 10) }
        try ImageCodec.writePNG(pixels: gray, width: 6, height: 4, channels: 1, path: path)
        XCTAssertEqual(try ImageCodec.read(path: path).pixels, gray.flatMap { [$0, $0, $0] })
    }

    func testBadFilesGiveErrorsNamingTheFile() {
        let cases: [(String, String)] = [
            ("truncated.png", "cannot decode"), ("truncated.jpg", "cannot decode"),
            ("not_an_image.png", "neither PNG nor JPEG"), ("does_not_exist.png", "not found"),
        ]
        for (name, phrase) in cases {
            let path = DataTestPaths.fixture(name)
            XCTAssertThrowsError(try ImageCodec.read(path: path), name) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(path), "error does not name the file: \(text)")
                XCTAssertTrue(text.contains(phrase), "error does not say '\(phrase)': \(text)")
            }
        }
        XCTAssertThrowsError(try ImageCodec.writePNG(RGBImage(width: 2, height: 2), path: "/nonexistent-folder/x.png")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent-folder/x.png"))
        }
    }
}
