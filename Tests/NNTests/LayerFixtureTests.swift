// Layers against PyTorch 1.13 fixtures (Tests/Fixtures/make_core_fixtures.py): values and gradients.
import XCTest
import NN
import TestSupport

final class LayerFixtureTests: XCTestCase {
    var fixtures: [String: Any] = [:]
    override func setUpWithError() throws { fixtures = try loadJSONFixture("core_fixtures.json") }

    func testGELUMatchesPyTorch() throws {
        let f = try fixtures.object("gelu")
        let x = Variable(Tensor(shape: [97], scalars: try f.floats("x")), requiresGrad: true)
        let y = x.gelu()
        assertClose(y.value.scalars, try f.floats("y"), atol: 1e-6, rtol: 1e-5)
        y.backward(seed: Tensor(shape: [97], scalars: try f.floats("upstream")))
        assertClose(x.grad!.scalars, try f.floats("dx"), atol: 1e-6, rtol: 1e-5)
    }

    func testLayerNormMatchesPyTorch() throws {
        let f = try fixtures.object("layer_norm")
        let ln = LayerNorm(16)
        ln.weight.value = Tensor(shape: [16], scalars: try f.floats("weight"))
        ln.bias.value = Tensor(shape: [16], scalars: try f.floats("bias"))
        let x = Variable(Tensor(shape: [3, 5, 16], scalars: try f.floats("x")), requiresGrad: true)
        let y = ln(x)
        assertClose(y.value.scalars, try f.floats("y"), atol: 1e-5, rtol: 1e-5)
        y.backward(seed: Tensor(shape: [3, 5, 16], scalars: try f.floats("upstream")))
        assertClose(x.grad!.scalars, try f.floats("dx"), atol: 1e-5, rtol: 1e-4)
        assertClose(ln.weight.grad!.scalars, try f.floats("dweight"), atol: 1e-5, rtol: 1e-4)
        assertClose(ln.bias.grad!.scalars, try f.floats("dbias"), atol: 1e-5, rtol: 1e-4)
    }

    func attentionCase(_ name: String) throws {
        let f = try fixtures.object(name)
        let (d, h, b, lq, lk) = (try f.int("d"), try f.int("heads"), try f.int("batch"), try f.int("lq"), try f.int("lk"))
        var rng = RandomGenerator(seed: 0)
        let mha = MultiHeadAttention(embedDimension: d, heads: h, using: &rng)
        try mha.loadState([
            "inProjection.weight": Tensor(shape: [3 * d, d], scalars: try f.floats("in_proj_weight")),
            "inProjection.bias": Tensor(shape: [3 * d], scalars: try f.floats("in_proj_bias")),
            "outProjection.weight": Tensor(shape: [d, d], scalars: try f.floats("out_proj_weight")),
            "outProjection.bias": Tensor(shape: [d], scalars: try f.floats("out_proj_bias")),
        ])
        let q = Variable(Tensor(shape: [b, lq, d], scalars: try f.floats("query")), requiresGrad: true)
        let selfAttention = f["key"] == nil
        let k = selfAttention ? q : Variable(Tensor(shape: [b, lk, d], scalars: try f.floats("key")), requiresGrad: true)
        let v = selfAttention ? q : Variable(Tensor(shape: [b, lk, d], scalars: try f.floats("value")), requiresGrad: true)
        let y = selfAttention ? mha(q) : mha(query: q, key: k, value: v)
        assertClose(y.value.scalars, try f.floats("y"), atol: 1e-5, rtol: 1e-4, name)
        y.backward(seed: Tensor(shape: [b, lq, d], scalars: try f.floats("upstream")))
        assertClose(q.grad!.scalars, try f.floats("dquery"), atol: 1e-5, rtol: 1e-4, "\(name) dquery")
        if !selfAttention {
            assertClose(k.grad!.scalars, try f.floats("dkey"), atol: 1e-5, rtol: 1e-4, "\(name) dkey")
            assertClose(v.grad!.scalars, try f.floats("dvalue"), atol: 1e-5, rtol: 1e-4, "\(name) dvalue")
        }
        assertClose(mha.inProjection.weight.grad!.scalars, try f.floats("din_proj_weight"), atol: 1e-5, rtol: 1e-4, "\(name) dWin")
        assertClose(mha.inProjection.bias!.grad!.scalars, try f.floats("din_proj_bias"), atol: 1e-5, rtol: 1e-4, "\(name) dbin")
        assertClose(mha.outProjection.weight.grad!.scalars, try f.floats("dout_proj_weight"), atol: 1e-5, rtol: 1e-4, "\(name) dWout")
        assertClose(mha.outProjection.bias!.grad!.scalars, try f.floats("dout_proj_bias"), atol: 1e-5, rtol: 1e-4, "\(name) dbout")
    }

    func testSelfAttentionMatchesPyTorch() throws { try attentionCase("attention_self") }
    func testCrossAttentionMatchesPyTorch() throws { try attentionCase("attention_cross") }

    func testUnbatchedAttentionEqualsBatchOfOne() {
        var rng = RandomGenerator(seed: 2)
        let mha = MultiHeadAttention(embedDimension: 8, heads: 2, using: &rng)
        let x = randomTensor([5, 8], seed: 3)
        assertClose(mha(Variable(x)).value, mha(Variable(x.reshaped([1, 5, 8]))).value.reshaped([5, 8]))
    }

    func testTimeEmbeddingMatchesDiffusionDetFormula() throws {
        let f = try fixtures.object("time_embedding")
        let embedding = SinusoidalTimeEmbedding(dimension: try f.int("dimension"))
        let t = try f.floats("t")
        let y = embedding(Tensor(shape: [t.count], scalars: t))
        XCTAssertEqual(y.shape, [4, 16])
        // Arguments reach 999 rad: Float32 sin/cos of a Float32 argument agree to ~1e-4 absolute.
        assertClose(y.value.scalars, try f.floats("y"), atol: 2e-4, rtol: 0)
        XCTAssertFalse(y.requiresGrad)
    }
}
