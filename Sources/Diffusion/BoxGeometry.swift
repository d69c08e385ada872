// Plain-value box arithmetic shared by diffusion, matching, NMS and post-processing: format
// conversions, areas, IoU/GIoU (spec §9.4: areas (x2−x1)(y2−y1), no +1) and the Sparse R-CNN
// delta decoding of spec §6.4. The differentiable versions used by the losses live in Modeling.
import Foundation

/// A box as four Floats; the format (xyxy or cxcywh) is stated by each function.
public typealias Box = SIMD4<Float>

public enum BoxGeometry {
    /// ln(100000/16) ≈ 8.7403: the cap on dw, dh before exponentiation (spec §6.4).
    public static let scaleClamp: Float = Float(log(100_000.0 / 16.0))
    /// Delta weights (wx, wy, ww, wh) of DiffusionDet's decoder.
    public static let deltaWeights = Box(2, 2, 1, 1)

    /// (cx, cy, w, h) → (x1, y1, x2, y2).
    @inlinable public static func xyxy(fromCenterSize b: Box) -> Box {
        Box(b.x - b.z / 2, b.y - b.w / 2, b.x + b.z / 2, b.y + b.w / 2)
    }

    /// (x1, y1, x2, y2) → (cx, cy, w, h).
    @inlinable public static func centerSize(fromXYXY b: Box) -> Box {
        Box((b.x + b.z) / 2, (b.y + b.w) / 2, b.z - b.x, b.w - b.y)
    }

    /// (x2 − x1)·(y2 − y1); negative sides give a negative or zero area, as in the reference.
    @inlinable public static func area(_ b: Box) -> Float { (b.z - b.x) * (b.w - b.y) }

    /// Intersection-over-union of two xyxy boxes (0 when the union is empty).
    public static func iou(_ a: Box, _ b: Box) -> Float {
        let (inter, union) = intersectionAndUnion(a, b)
        return union > 0 ? inter / union : 0
    }

    /// Generalised IoU = IoU − (|C| − |U|)/|C|, C the smallest enclosing box (spec §9.4).
    public static func generalizedIoU(_ a: Box, _ b: Box) -> Float {
        let (inter, union) = intersectionAndUnion(a, b)
        let iouValue = union > 0 ? inter / union : 0
        let enclosing = max(0, max(a.z, b.z) - min(a.x, b.x)) * max(0, max(a.w, b.w) - min(a.y, b.y))
        return enclosing > 0 ? iouValue - (enclosing - union) / enclosing : iouValue
    }

    @inlinable static func intersectionAndUnion(_ a: Box, _ b: Box) -> (Float, Float) {
        let width = max(0, min(a.z, b.z) - max(a.x, b.x))
        let height = max(0, min(a.w, b.w) - max(a.y, b.y))
        let inter = width * height
        return (inter, area(a) + area(b) - inter)
    }

    /// Applies deltas (δ₀..δ₃) to an xyxy box (spec §6.4): dx = δ₀/2, dy = δ₁/2, dw = min(δ₂, ln 6250),
    /// dh = min(δ₃, ln 6250); centre moves by (dx·W, dy·H), sides scale by (e^dw, e^dh).
    public static func decode(deltas: Box, reference b: Box) -> Box {
        let width = b.z - b.x, height = b.w - b.y
        let centerX = b.x + 0.5 * width, centerY = b.y + 0.5 * height
        let dx = deltas.x / deltaWeights.x, dy = deltas.y / deltaWeights.y
        let dw = min(deltas.z / deltaWeights.z, scaleClamp), dh = min(deltas.w / deltaWeights.w, scaleClamp)
        let newCenterX = dx * width + centerX, newCenterY = dy * height + centerY
        let newWidth = exp(dw) * width, newHeight = exp(dh) * height
        return Box(newCenterX - 0.5 * newWidth, newCenterY - 0.5 * newHeight,
                   newCenterX + 0.5 * newWidth, newCenterY + 0.5 * newHeight)
    }

    /// Scales an xyxy box by (sx, sy) and clips it to [0, width] × [0, height] (spec §10.5 step 1).
    public static func scaledAndClipped(_ b: Box, scaleX: Float, scaleY: Float, width: Float, height: Float) -> Box {
        Box(min(max(b.x * scaleX, 0), width), min(max(b.y * scaleY, 0), height),
            min(max(b.z * scaleX, 0), width), min(max(b.w * scaleY, 0), height))
    }
}
