// `diffinst bench ops --kernels`: element-wise, reduction, layout and small-product kernels, under the
// names `scripts/bench_ops_pytorch.py --kernels` prints, so the two line up case by case in one session.
import Tensor
import Autodiff
import NN

enum BenchKernelCases {
    /// `bench(name, flops, body)` times one case; flops 0 marks a memory-bound case (no GFLOP/s).
    static func run(_ bench: (String, Double, () -> Void) -> Void) {
        var random = RandomGenerator(seed: 1)
        func normal(_ shape: [Int]) -> Tensor { Tensor.randomNormal(shape: shape, mean: 0, std: 1, using: &random) }
        let big = normal([4, 64, 64, 64]), big2 = normal([4, 64, 64, 64]), channel = normal([1, 64, 1, 1])
        bench("add same shape 4x64x64x64", 0) { _ = big + big2 }
        bench("mul per-channel 4x64x64x64 * 64x1x1", 0) { _ = big * channel }
        let rows = normal([40000, 256]), row = normal([256])
        bench("add trailing [40000,256]+[256]", 0) { _ = rows + row }
        bench("exp 4x64x64x64", 0) { _ = big.exp() }
        bench("gelu 4x64x64x64", 0) { _ = big.gelu() }
        bench("gelu backward 4x64x64x64", 0) { _ = big.geluBackward(big2) }
        bench("sum last axis [40000,256]", 0) { _ = rows.sum(axes: [1]) }
        bench("sum first axis [40000,256]", 0) { _ = rows.sum(axes: [0]) }
        let scores = normal([32, 100, 100])
        bench("softmax last axis [32,100,100]", 0) { _ = scores.softmax(axis: -1) }
        let heads = normal([4, 100, 8, 16])
        bench("permute [4,100,8,16]->(0,2,1,3)", 0) { _ = heads.permuted([0, 2, 1, 3]) }
        let square = normal([512, 512])
        bench("matmul 512^3", 2 * 512 * 512 * 512) { _ = matmul(square, square) }
        let x = normal([400, 256]), w = normal([256, 256]), b = normal([256])
        bench("linear 400x256x256 fwd+bwd", 3 * 2 * 400 * 256 * 256) {
            let xv = Variable(x, requiresGrad: true), wv = Variable(w, requiresGrad: true), bv = Variable(b, requiresGrad: true)
            linear(xv, weight: wv, bias: bv).sum().backward()
        }
        bench("layerNorm [400,256] fwd+bwd", 0) {
            let xv = Variable(x, requiresGrad: true), wv = Variable(row, requiresGrad: true), bv = Variable(row, requiresGrad: true)
            layerNorm(xv, weight: wv, bias: bv).sum().backward()
        }
        // ResNet-18's layer3 and layer4 3×3 convolutions at batch 4, 128² input (few output columns).
        for (channels, size) in [(256, 8), (512, 4)] {
            let input = normal([4, channels, size, size])
            let weight = Parameter(Tensor.randomNormal(shape: [channels, channels, 3, 3], mean: 0, std: 0.02, using: &random))
            let flops = Double(2 * 4 * size * size * channels * channels * 9)
            let name = "conv3x3 \(channels)->\(channels) 4x\(size)x\(size)"
            bench("\(name) fwd", flops) { _ = withNoGrad { conv2d(Variable(input), weight: weight, padding: 1) } }
            bench("\(name) fwd+bwd", 3 * flops) {
                weight.grad = nil
                conv2d(Variable(input, requiresGrad: true), weight: weight, padding: 1).sum().backward()
            }
        }
        let attention = MultiHeadAttention(embedDimension: 128, heads: 8, using: &random)
        let tokens = normal([4, 100, 128])
        bench("attention d128 h8 4x100 fwd", 0) { _ = withNoGrad { attention(Variable(tokens)) } }
    }
}
