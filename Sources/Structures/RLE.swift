// Run-length encoded binary masks in the COCO layout: column-major runs that alternate background and
// foreground, starting with background. Encode/decode to BitMask, the COCO compressed string form,
// area, COCO boxes, union/intersection and IoU, all matching pycocotools' mask API bit for bit.
import Foundation

/// Problems with run-length input; each names what is wrong so callers can add the file and annotation.
public enum RLEError: Error, CustomStringConvertible, Equatable {
    case countsDoNotCoverImage(sum: Int, height: Int, width: Int)
    case invalidCharacter(Character, offset: Int)
    case truncatedString
    case negativeCount(index: Int)
    case sizeMismatch(String)
    case invalidSegmentation(String)

    public var description: String {
        switch self {
        case let .countsDoNotCoverImage(sum, h, w):
            return "malformed RLE: counts sum to \(sum) but the mask is \(h)x\(w) = \(h * w) pixels"
        case let .invalidCharacter(c, offset):
            return "malformed compressed RLE: character '\(c)' at offset \(offset) is outside '0'...'o'"
        case .truncatedString:
            return "malformed compressed RLE: the string ends in the middle of a count"
        case let .negativeCount(index):
            return "malformed compressed RLE: count \(index) decodes to a negative run length"
        case let .sizeMismatch(message):
            return "RLE size mismatch: \(message)"
        case let .invalidSegmentation(message):
            return "invalid segmentation: \(message)"
        }
    }
}

/// A binary mask of `height`×`width` pixels as COCO run lengths.
/// `counts[0]` zeros, then `counts[1]` ones, … over the pixels in column-major order (x outer, y inner);
/// the counts sum to `height * width`.
public struct RLE: Equatable, Hashable, Sendable {
    public let height: Int
    public let width: Int
    public var counts: [UInt32]

    /// Wraps counts as they are (no validation; see `init(height:width:validatingCounts:)`).
    public init(height: Int, width: Int, counts: [UInt32]) {
        self.height = height
        self.width = width
        self.counts = counts
    }

    /// Uncompressed COCO RLE (`{"size": [h, w], "counts": [..]}`): checks that the counts cover the image.
    public init(height: Int, width: Int, validatingCounts counts: [Int]) throws {
        var sum = 0
        for (index, c) in counts.enumerated() {
            if c < 0 || c > Int(UInt32.max) { throw RLEError.negativeCount(index: index) }
            sum += c
        }
        guard sum == height * width else { throw RLEError.countsDoNotCoverImage(sum: sum, height: height, width: width) }
        self.init(height: height, width: width, counts: counts.map { UInt32($0) })
    }

    /// An all-background mask.
    public static func empty(height: Int, width: Int) -> RLE {
        RLE(height: height, width: width, counts: height * width > 0 ? [UInt32(height * width)] : [])
    }

    /// Encodes a row-major BitMask into column-major runs (pycocotools `encode` on a Fortran-order array).
    public init(_ mask: BitMask) {
        let h = mask.height, w = mask.width
        var counts: [UInt32] = []
        counts.reserveCapacity(16)
        var current: UInt8 = 0
        var run: UInt32 = 0
        mask.bits.withUnsafeBufferPointer { bits in
            for x in 0..<w {
                var index = x
                for _ in 0..<h {
                    let bit = bits[index] != 0 ? UInt8(1) : 0
                    if bit != current {
                        counts.append(run)
                        run = 0
                        current = bit
                    }
                    run += 1
                    index += w
                }
            }
        }
        counts.append(run)
        self.init(height: h, width: w, counts: counts)
    }

    /// Decodes to a row-major BitMask.
    public func toBitMask() -> BitMask {
        var bits = [UInt8](repeating: 0, count: height * width)
        let h = height, w = width
        bits.withUnsafeMutableBufferPointer { out in
            var position = 0
            var value = false
            for c in counts {
                if value {
                    for p in position..<(position + Int(c)) {
                        let x = p / h, y = p - x * h
                        out[y * w + x] = 1
                    }
                }
                position += Int(c)
                value.toggle()
            }
        }
        return BitMask(width: width, height: height, bits: bits)
    }

    /// Foreground pixel count (sum of the odd-indexed runs).
    public var area: Int {
        var total = 0
        var index = 1
        while index < counts.count { total += Int(counts[index]); index += 2 }
        return total
    }

    /// COCO box `[x, y, w, h]` of the foreground (pycocotools `toBbox`): all zeros for an empty mask.
    public var boundingBox: [Double] {
        let runs = counts.count / 2 * 2
        if runs == 0 || height == 0 { return [0, 0, 0, 0] }
        let h = height
        var xs = width, ys = height, xe = 0, ye = 0
        var cumulative = 0
        var runStartColumn = 0
        for j in 0..<runs {
            cumulative += Int(counts[j])
            // Even j: `cumulative` is the first foreground pixel of the next run; odd j: one past its last.
            let t = cumulative - (j & 1)
            let y = t % h, x = (t - y) / h
            if j & 1 == 0 {
                runStartColumn = x
            } else if runStartColumn < x {
                // The run wraps into a later column, so it covers every row in between.
                ys = 0
                ye = h - 1
            }
            xs = min(xs, x); xe = max(xe, x)
            ys = min(ys, y); ye = max(ye, y)
        }
        return [Double(xs), Double(ys), Double(xe - xs + 1), Double(ye - ys + 1)]
    }

    /// Foreground runs as half-open pixel intervals `[start, end)` in column-major order.
    public var foregroundIntervals: [(start: Int, end: Int)] {
        var result: [(start: Int, end: Int)] = []
        result.reserveCapacity(counts.count / 2)
        var position = 0
        for (index, c) in counts.enumerated() {
            let next = position + Int(c)
            if index & 1 == 1 && c > 0 { result.append((position, next)) }
            position = next
        }
        return result
    }

    /// Canonical RLE from sorted, disjoint foreground intervals.
    public init(height: Int, width: Int, foregroundIntervals intervals: [(start: Int, end: Int)]) {
        var counts: [UInt32] = []
        counts.reserveCapacity(intervals.count * 2 + 1)
        var position = 0
        for interval in intervals where interval.end > interval.start {
            if interval.start == position && !counts.isEmpty {
                // Touching the previous run: extend it instead of emitting a zero-length gap.
                counts[counts.count - 1] += UInt32(interval.end - interval.start)
            } else {
                counts.append(UInt32(interval.start - position))
                counts.append(UInt32(interval.end - interval.start))
            }
            position = interval.end
        }
        let total = height * width
        if position < total || counts.isEmpty { counts.append(UInt32(total - position)) }
        self.init(height: height, width: width, counts: counts)
    }

    // MARK: COCO compressed string

    /// The COCO compressed string (pycocotools `rleToString`): each count, stored as the difference from the
    /// count two places earlier when its index is above 2, written as 5-bit little-endian groups with a
    /// continuation bit (0x20) and sign bit (0x10) in the last group, each offset by 48 ('0').
    public func compressedString() -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(counts.count * 2)
        for i in 0..<counts.count {
            var x = Int64(counts[i])
            if i > 2 { x -= Int64(counts[i - 2]) }
            var more = true
            while more {
                var c = UInt8(truncatingIfNeeded: x & 0x1f)
                x >>= 5  // arithmetic shift keeps the sign, as the decoder's sign extension expects
                more = (c & 0x10) != 0 ? x != -1 : x != 0
                if more { c |= 0x20 }
                bytes.append(c + 48)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses the COCO compressed string form (pycocotools `rleFrString`), checking characters, termination
    /// and that the decoded counts are non-negative and cover `height * width` pixels.
    public init(compressed string: String, height: Int, width: Int) throws {
        var counts: [UInt32] = []
        var utf8 = Array(string.utf8)
        var p = 0
        var sum = 0
        while p < utf8.count {
            var x: Int64 = 0
            var k: Int64 = 0
            var more = true
            while more {
                guard p < utf8.count else { throw RLEError.truncatedString }
                let byte = utf8[p]
                guard byte >= 48 && byte < 48 + 64 else {
                    throw RLEError.invalidCharacter(Character(UnicodeScalar(byte)), offset: p)
                }
                let c = Int64(byte - 48)
                guard k < 12 else { throw RLEError.negativeCount(index: counts.count) }
                x |= (c & 0x1f) << (5 * k)
                more = (c & 0x20) != 0
                p += 1
                k += 1
                if !more && (c & 0x10) != 0 { x |= -1 << (5 * k) }
            }
            if counts.count > 2 { x += Int64(counts[counts.count - 2]) }
            guard x >= 0 && x <= Int64(UInt32.max) else { throw RLEError.negativeCount(index: counts.count) }
            counts.append(UInt32(x))
            sum += Int(x)
        }
        utf8 = []
        guard sum == height * width else { throw RLEError.countsDoNotCoverImage(sum: sum, height: height, width: width) }
        self.init(height: height, width: width, counts: counts)
    }

    // MARK: Set operations

    /// Number of pixels set in both masks (two-pointer walk over the runs; same-size masks).
    public static func intersectionArea(_ a: RLE, _ b: RLE) -> Int {
        precondition(a.height == b.height && a.width == b.width, "intersectionArea needs masks of equal size")
        return a.counts.withUnsafeBufferPointer { ca in
            b.counts.withUnsafeBufferPointer { cb in
                intersectionArea(ca, cb)
            }
        }
    }

    /// Run-walk intersection on raw counts (both start with a background run).
    public static func intersectionArea(_ ca: UnsafeBufferPointer<UInt32>, _ cb: UnsafeBufferPointer<UInt32>) -> Int {
        var ia = 0, ib = 0
        var aStart = 0, bStart = 0  // start pixel of the current run in each mask
        var total = 0
        // Advance to each mask's foreground runs only: odd indices.
        while ia < ca.count && ib < cb.count {
            let aEnd = aStart + Int(ca[ia]), bEnd = bStart + Int(cb[ib])
            if ia & 1 == 1 && ib & 1 == 1 {
                let lo = max(aStart, bStart), hi = min(aEnd, bEnd)
                if hi > lo { total += hi - lo }
            }
            if aEnd <= bEnd { aStart = aEnd; ia += 1 } else { bStart = bEnd; ib += 1 }
        }
        return total
    }

    /// Union (`intersect == false`) or intersection of same-size masks (pycocotools `merge`); an empty list gives
    /// a 0×0 mask, one mask is returned unchanged.
    public static func merge(_ masks: [RLE], intersect: Bool = false) throws -> RLE {
        guard let first = masks.first else { return RLE(height: 0, width: 0, counts: []) }
        if masks.count == 1 { return first }
        var current = first.foregroundIntervals
        for mask in masks.dropFirst() {
            guard mask.height == first.height && mask.width == first.width else {
                throw RLEError.sizeMismatch("cannot merge \(mask.height)x\(mask.width) with \(first.height)x\(first.width)")
            }
            current = combine(current, mask.foregroundIntervals, intersect: intersect)
        }
        return RLE(height: first.height, width: first.width, foregroundIntervals: current)
    }

    private static func combine(_ a: [(start: Int, end: Int)], _ b: [(start: Int, end: Int)], intersect: Bool) -> [(start: Int, end: Int)] {
        var result: [(start: Int, end: Int)] = []
        var i = 0, j = 0
        if intersect {
            while i < a.count && j < b.count {
                let lo = max(a[i].start, b[j].start), hi = min(a[i].end, b[j].end)
                if hi > lo { result.append((lo, hi)) }
                if a[i].end <= b[j].end { i += 1 } else { j += 1 }
            }
            return result
        }
        while i < a.count || j < b.count {
            let next: (start: Int, end: Int)
            if j >= b.count || (i < a.count && a[i].start <= b[j].start) { next = a[i]; i += 1 } else { next = b[j]; j += 1 }
            if let last = result.last, next.start <= last.end {
                result[result.count - 1].end = max(last.end, next.end)
            } else {
                result.append(next)
            }
        }
        return result
    }

    /// Mask IoU as pycocotools computes it: intersection / union, or intersection / area(self) when the other
    /// mask is a crowd region; 0 when the masks do not overlap.
    public func iou(_ other: RLE, otherIsCrowd: Bool = false) -> Double {
        let intersection = RLE.intersectionArea(self, other)
        if intersection == 0 { return 0 }
        let union = otherIsCrowd ? area : area + other.area - intersection
        return Double(intersection) / Double(union)
    }
}
