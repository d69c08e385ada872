// The dice loss of spec §9.5 on global stride-4 masks: 1 − 2Σ(p·g)/(Σp² + Σg² + 1e-5) per instance,
// with p = σ(logits) and g the subsampled binary ground truth.
import Tensor
import Autodiff

public enum DiceLoss {
    /// Per-instance dice losses, R values. `logits` R×Hm×Wm, `targets` R×Hm×Wm in {0, 1}.
    public static func perInstance(logits: Variable, targets: Tensor, epsilon: Float = 1e-5) -> Variable {
        precondition(logits.shape == targets.shape, "dice: logits \(logits.shape) vs targets \(targets.shape)")
        let r = logits.shape[0], pixels = logits.shape.dropFirst().reduce(1, *)
        let p = logits.sigmoid().reshaped([r, pixels])
        let g = Variable(targets.reshaped([r, pixels]))
        let numerator = (p * g).sum(axes: [1]) * 2
        let denominator = (p * p).sum(axes: [1]) + (g * g).sum(axes: [1]) + epsilon
        return 1 - numerator / denominator
    }
}
