// An optional embedding of each proposal's box geometry, added to its feature before the
// self-attention (`model.decoder.box_embedding`; not in the official code, off by default).
// Why: RoIAlign resamples every box to the same 7×7 grid, so a stage never sees a box's aspect
// ratio or position — an axis-aligned ellipse pools like a circle, and the self-attention that
// should suppress duplicates cannot tell where two proposals are. DETR-style detectors feed the
// box in as a positional query; this is the smallest form of that.
import Foundation
import Tensor
import Autodiff
import NN
import Diffusion

public final class BoxEmbedding: Module {
    /// (cx, cy, w, h) over the padded image, centred on 0, and log(w/h).
    public static let featureCount = 5
    public let projection: DenseLayer

    /// Zero weights and bias: the stage starts as the official one, and building it draws
    /// nothing from the initialiser, so every other weight equals the model without it.
    public init(dimension: Int) {
        projection = DenseLayer(zerosFrom: BoxEmbedding.featureCount, to: dimension)
        super.init()
    }

    /// boxes: P×4 xyxy pixels (constants) → P×D.
    public func callAsFunction(boxes: Tensor, imageWidth: Float, imageHeight: Float) -> Variable {
        projection(Variable(BoxEmbedding.geometry(boxes: boxes, imageWidth: imageWidth, imageHeight: imageHeight)))
    }

    public static func geometry(boxes: Tensor, imageWidth: Float, imageHeight: Float) -> Tensor {
        let rows = boxes.shape[0], k = featureCount
        return Tensor(shape: [rows, k]) { out in
            boxes.withUnsafePointer { b in
                for r in 0..<rows {
                    let c = BoxGeometry.centerSize(fromXYXY: Box(b[r * 4], b[r * 4 + 1], b[r * 4 + 2], b[r * 4 + 3]))
                    // At least a pixel wide, so degenerate noise boxes give a finite log ratio.
                    let w = max(c.z, 1), h = max(c.w, 1)
                    out[r * k] = c.x / imageWidth - 0.5
                    out[r * k + 1] = c.y / imageHeight - 0.5
                    out[r * k + 2] = w / imageWidth
                    out[r * k + 3] = h / imageHeight
                    out[r * k + 4] = Foundation.log(w / h)
                }
            }
        }
    }
}
