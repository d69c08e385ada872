// Mask post-processing (spec §10.5) against hand-computed values of the aligned upsampler and
// the half-pixel resize, and the box clip.
import XCTest
import Masks

final class MaskPostprocessingTests: XCTestCase {
    func testAlignedUpsampleByTwoAndFour() {
        // 1×2 input [0, 1]; f = 2: u = max(0, b−1)/2 → b = 0..3: 0, 0, 0.5, 1.
        XCTAssertEqual(MaskPostprocessing.alignedUpsample([0, 1], height: 1, width: 2, factor: 2), [0, 0, 0.5, 1, 0, 0, 0.5, 1])
        // f = 4: u = max(0, b−2)/4 → 0, 0, 0, 0.25, 0.5, 0.75, 1, 1 (edge replication).
        let row = MaskPostprocessing.alignedUpsample([0, 1], height: 1, width: 2, factor: 4).prefix(8)
        XCTAssertEqual(Array(row), [0, 0, 0, 0.25, 0.5, 0.75, 1, 1])
    }

    func testHalfPixelResize() {
        // 2 → 4: src = (d + 0.5)/2 − 0.5 = −0.25 (→0), 0.25, 0.75, 1.25 (upper clamped).
        XCTAssertEqual(MaskPostprocessing.resizeBilinear([0, 4], height: 1, width: 2, toHeight: 1, width: 4), [0, 1, 3, 4])
        // 4 → 2: src = (d + 0.5)·2 − 0.5 = 0.5, 2.5.
        XCTAssertEqual(MaskPostprocessing.resizeBilinear([0, 2, 4, 6], height: 1, width: 4, toHeight: 1, width: 2), [1, 5])
    }

    func testBinaryMaskIsCroppedResizedAndClippedToTheBox() {
        // 2×2 stride-4 map over an 8×8 canvas; the image is 6×8 resized, 12×16 original.
        let probabilities: [Float] = [1, 1, 0, 0]
        let mask = MaskPostprocessing.binaryMask(probabilities: probabilities, maskHeight: 2, maskWidth: 2,
                                                 resized: (6, 8), original: (12, 16), box: SIMD4(0, 0, 10.9, 12))
        XCTAssertEqual(mask.width, 16)
        XCTAssertEqual(mask.height, 12)
        // Rows in the top part are on; columns ≥ 10 are clipped by the box (x2 truncated to 10).
        XCTAssertTrue(mask[0, 0])
        XCTAssertTrue(mask[9, 2])
        XCTAssertFalse(mask[10, 0])
        XCTAssertFalse(mask[5, 11])
        let fullBox = MaskPostprocessing.binaryMask(probabilities: probabilities, maskHeight: 2, maskWidth: 2,
                                                    resized: (8, 8), original: (8, 8), box: SIMD4(0, 0, 8, 8))
        // Aligned ×4 of rows [1, 0]: row a uses u = max(0, a−2)/4 → > 0.5 for a < 4.
        XCTAssertEqual((0..<8).map { fullBox[3, $0] }, [true, true, true, true, false, false, false, false])
    }
}
