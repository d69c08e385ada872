// IoU matrices between detections and ground truth, as pycocotools computes them: box IoU in double precision
// with crowd regions dividing by the detection's area, and mask IoU on RLE runs, only for pairs whose mask
// boxes overlap. A dense reference for mask IoU sits beside the run-based one for tests.
import Structures

public enum IoU {
    /// `[d][g]` IoU of COCO boxes `[x, y, w, h]` (pycocotools `bbIou`); crowd ground truth: intersection / det area.
    public static func boxes(_ detections: [[Double]], _ groundTruth: [[Double]], crowd: [Bool]) -> [[Double]] {
        var result = [[Double]](repeating: [Double](repeating: 0, count: groundTruth.count), count: detections.count)
        for (d, det) in detections.enumerated() {
            result[d] = boxRow(det, groundTruth, crowd: crowd)
        }
        return result
    }

    @inline(__always)
    static func boxIoU(_ det: [Double], _ gt: [Double], crowd: Bool) -> Double {
        // Same operation order as pycocotools so that ties at a threshold resolve identically.
        let w = min(det[2] + det[0], gt[2] + gt[0]) - max(det[0], gt[0])
        if w <= 0 { return 0 }
        let h = min(det[3] + det[1], gt[3] + gt[1]) - max(det[1], gt[1])
        if h <= 0 { return 0 }
        let intersection = w * h
        let detArea = det[2] * det[3]
        let union = crowd ? detArea : detArea + gt[2] * gt[3] - intersection
        return intersection / union
    }

    static func boxRow(_ det: [Double], _ groundTruth: [[Double]], crowd: [Bool]) -> [Double] {
        var row = [Double](repeating: 0, count: groundTruth.count)
        for g in 0..<groundTruth.count { row[g] = boxIoU(det, groundTruth[g], crowd: crowd[g]) }
        return row
    }

    /// A mask prepared for repeated IoU: runs, area and box computed once.
    public struct PreparedMask {
        public let rle: RLE
        public let area: Int
        public let box: [Double]
        public init(_ rle: RLE) { self.rle = rle; self.area = rle.area; self.box = rle.boundingBox }
    }

    /// `[d][g]` mask IoU (pycocotools `rleIou`): pairs whose boxes do not overlap are 0 without touching runs.
    public static func masks(_ detections: [PreparedMask], _ groundTruth: [PreparedMask], crowd: [Bool]) -> [[Double]] {
        var result = [[Double]](repeating: [Double](repeating: 0, count: groundTruth.count), count: detections.count)
        for d in 0..<detections.count {
            let det = detections[d]
            det.rle.counts.withUnsafeBufferPointer { detCounts in
                for g in 0..<groundTruth.count {
                    let gt = groundTruth[g]
                    if boxIoU(det.box, gt.box, crowd: crowd[g]) <= 0 { continue }
                    let intersection = gt.rle.counts.withUnsafeBufferPointer { RLE.intersectionArea(detCounts, $0) }
                    if intersection == 0 { continue }
                    let union = crowd[g] ? det.area : det.area + gt.area - intersection
                    result[d][g] = Double(intersection) / Double(union)
                }
            }
        }
        return result
    }

    /// Dense reference: decodes both masks and counts pixels (slow; tests only).
    public static func masksReference(_ detections: [RLE], _ groundTruth: [RLE], crowd: [Bool]) -> [[Double]] {
        let detBits = detections.map { $0.toBitMask().bits }, gtBits = groundTruth.map { $0.toBitMask().bits }
        return detBits.map { d in
            gtBits.enumerated().map { g, bits in
                var intersection = 0, union = 0, detArea = 0
                for p in 0..<bits.count {
                    let a = d[p] != 0, b = bits[p] != 0
                    if a && b { intersection += 1 }
                    if a || b { union += 1 }
                    if a { detArea += 1 }
                }
                if intersection == 0 { return 0 }
                return Double(intersection) / Double(crowd[g] ? detArea : union)
            }
        }
    }
}
