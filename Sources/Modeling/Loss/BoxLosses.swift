// Differentiable per-element losses of spec §9.3–9.4: sigmoid focal loss over all (proposal,
// class) pairs and the L1 / GIoU box losses on matched pairs. Sums, not means: the criterion
// divides by the per-stage matched count.
import Tensor
import Autodiff

public enum SetPredictionLosses {
    /// Σ α_t(1 − p_t)^γ·BCE(x, y) over all elements (spec §9.3). logits P×K, targets P×K in {0, 1}.
    public static func focalSum(logits: Variable, targets: Tensor, alpha: Float = 0.25, gamma: Float = 2) -> Variable {
        precondition(logits.shape == targets.shape, "focal: logits \(logits.shape) vs targets \(targets.shape)")
        let y = Variable(targets)
        let p = logits.sigmoid()
        // BCE with logits, stable: softplus(x) − x·y.
        let bce = logits.softplus() - logits * y
        // 1 − p_t = p(1 − y) + (1 − p)y = p + y − 2py.
        let oneMinusPt = p + y - p * y * 2
        let weight = y * (2 * alpha - 1) + (1 - alpha)  // α where y = 1, 1 − α where y = 0
        let modulation = gamma == 2 ? oneMinusPt * oneMinusPt : oneMinusPt.pow(gamma)
        return (weight * modulation * bce).sum()
    }

    /// Σ ‖b̂/whwh − g/whwh‖₁ over matched rows. predicted P×4 (xyxy pixels), targets and scale P×4 constants.
    public static func l1Sum(predicted: Variable, targets: Tensor, scale: Tensor) -> Variable {
        (predicted / Variable(scale) - Variable(targets / scale)).abs().sum()
    }

    /// Σ (1 − GIoU(b̂, g)) over matched rows, pixel xyxy (areas (x2 − x1)(y2 − y1), no +1).
    public static func giouSum(predicted: Variable, targets: Tensor) -> Variable {
        (1 - generalizedIoU(predicted, targets)).sum()
    }

    /// Row-wise GIoU of P×4 predictions against P×4 constant targets → P×1.
    public static func generalizedIoU(_ predicted: Variable, _ targets: Tensor) -> Variable {
        let p = predicted.split(axis: 1, sizes: [1, 1, 1, 1])
        let t = Variable(targets).split(axis: 1, sizes: [1, 1, 1, 1])
        let predictedArea = (p[2] - p[0]) * (p[3] - p[1])
        let targetArea = (t[2] - t[0]) * (t[3] - t[1])
        let interWidth = (minimum(p[2], t[2]) - maximum(p[0], t[0])).clamped(min: 0)
        let interHeight = (minimum(p[3], t[3]) - maximum(p[1], t[1])).clamped(min: 0)
        let intersection = interWidth * interHeight
        let union = predictedArea + targetArea - intersection
        let iou = intersection / union
        let enclosingWidth = (maximum(p[2], t[2]) - minimum(p[0], t[0])).clamped(min: 0)
        let enclosingHeight = (maximum(p[3], t[3]) - minimum(p[1], t[1])).clamped(min: 0)
        let enclosing = enclosingWidth * enclosingHeight
        return iou - (enclosing - union) / enclosing
    }
}
