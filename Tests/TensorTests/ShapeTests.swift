import XCTest
import Tensor
import TestSupport

final class ShapeTests: XCTestCase {
    func testPermuteAgainstNaive() {
        let cases: [([Int], [Int])] = [
            ([2, 3], [1, 0]), ([2, 3, 4], [2, 0, 1]), ([2, 3, 4], [0, 2, 1]), ([2, 3, 4, 5], [0, 2, 1, 3]),
            ([3, 1, 5, 2], [3, 2, 1, 0]), ([37, 45], [1, 0]), ([4, 65, 33], [0, 2, 1]),
        ]
        for (i, (shape, axes)) in cases.enumerated() {
            let x = randomTensor(shape, seed: UInt64(i))
            assertClose(x.permuted(axes), naivePermute(x, axes), atol: 0, rtol: 0, "\(shape) \(axes)")
        }
        let x = randomTensor([3, 4, 5], seed: 9)
        assertClose(x.transposed(), naivePermute(x, [0, 2, 1]), atol: 0, rtol: 0)
    }

    func testSliceSplitConcatStack() {
        let x = randomTensor([3, 7, 5], seed: 1)
        for axis in 0..<3 {
            let n = x.shape[axis]
            let s = x.sliced(axis: axis, range: 1..<n - 1)
            assertClose(s, naiveMap(s.shape) { idx in var j = idx; j[axis] += 1; return element(x, j) }, atol: 0, rtol: 0)
            let parts = x.split(axis: axis, sizes: [1, n - 1])
            assertClose(concat(parts, axis: axis), x, atol: 0, rtol: 0)
        }
        let a = randomTensor([2, 3], seed: 2), b = randomTensor([2, 3], seed: 3)
        let st = stack([a, b], axis: 1)
        XCTAssertEqual(st.shape, [2, 2, 3])
        assertClose(st, naiveMap([2, 2, 3]) { i in element(i[1] == 0 ? a : b, [i[0], i[2]]) }, atol: 0, rtol: 0)
        let c = concat([a, randomTensor([2, 4], seed: 4)], axis: -1)
        XCTAssertEqual(c.shape, [2, 7])
        assertClose(c.sliced(axis: 1, range: 0..<3), a, atol: 0, rtol: 0)
    }

    func testPadExpandIndexSelect() {
        let x = randomTensor([2, 3, 4], seed: 5)
        let pads = [(before: 1, after: 0), (before: 2, after: 1)]
        let p = x.padded(pads, value: -9)
        XCTAssertEqual(p.shape, [3, 6, 4])
        assertClose(p, naiveMap(p.shape) { i in
            (i[0] >= 1 && i[1] >= 2 && i[1] < 5) ? element(x, [i[0] - 1, i[1] - 2, i[2]]) : -9
        }, atol: 0, rtol: 0)
        assertClose(p.unpadded(pads), x, atol: 0, rtol: 0)

        let e = Tensor(shape: [3, 1], scalars: [1, 2, 3]).expanded(to: [2, 3, 4])
        assertClose(e, naiveMap([2, 3, 4]) { i in Float(i[1] + 1) }, atol: 0, rtol: 0)

        let sel = x.indexSelect(axis: 1, indices: [2, 0, 2])
        assertClose(sel, naiveMap([2, 3, 4]) { i in element(x, [i[0], [2, 0, 2][i[1]], i[2]]) }, atol: 0, rtol: 0)
        let back = sel.indexAdd(axis: 1, indices: [2, 0, 2], into: x.shape)
        assertClose(back, naiveMap(x.shape) { i in
            i[1] == 1 ? 0 : (i[1] == 0 ? element(x, i) : 2 * element(x, i))
        }, atol: 1e-6, rtol: 1e-6)
    }

    func testGatherAndScatterAddAreAdjoint() {
        let x = randomTensor([3, 5, 2], seed: 6)
        var rng = RandomGenerator(seed: 1)
        let idx = Tensor(shape: [3, 4, 2], scalars: (0..<24).map { _ in Float(rng.nextInt(below: 5)) })
        let g = x.gather(axis: 1, indices: idx)
        assertClose(g, naiveMap([3, 4, 2]) { i in element(x, [i[0], Int(element(idx, i)), i[2]]) }, atol: 0, rtol: 0)
        // ⟨gather(x), y⟩ = ⟨x, scatterAdd(y)⟩ for any y.
        let y = randomTensor([3, 4, 2], seed: 7)
        let s = y.scatterAdd(axis: 1, indices: idx, into: x.shape)
        XCTAssertEqual((g * y).sum().scalar, (x * s).sum().scalar, accuracy: 1e-5)
        // Smaller index extent on a non-gather axis (torch allows it).
        let idx2 = Tensor(shape: [1, 2, 1], scalars: [4, 0])
        XCTAssertEqual(x.gather(axis: 1, indices: idx2).scalars, [element(x, [0, 4, 0]), element(x, [0, 0, 0])])
    }
}
