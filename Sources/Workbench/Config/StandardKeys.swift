// Every experiment key with its default and documentation. Model defaults follow the official
// DiffusionInst code (../shared/spec/diffusioninst.md, section numbers cited); Experiments/diffusioninst_tiny.toml
// holds the CPU reference configuration (spec/workloads.md). The diffusioninst task reads every model, mask,
// matcher and optimizer key; values it does not implement are rejected by name (DiffusionInstFactory.rejectUnimplemented).
import Foundation

enum StandardKeys {
    static let all: [ConfigKey] = run + model + mask + diffusion + sampler + matcher + loss + optimizer + training + data + evaluation + toy

    static let run: [ConfigKey] = [
        ConfigKey("description", .string, .string(""), "Free text shown in reports."),
        ConfigKey("task", .choice(["diffusioninst", "toy", "toy_mlp"]), .string("diffusioninst"),
                  "What is trained: the DiffusionInst model; `toy`, a small MLP classifier on synthetic points in plain Swift (tests, demos); `toy_mlp`, the same problem trained with the engine (NN.MLP, AdamW)."),
        ConfigKey("init_from", .string, .string(""),
                  "Weights-only start: a run directory or checkpoint file whose `model.*` tensors are loaded; optimizer, schedule and step start fresh. Empty = none. (Use `diffinst resume` to continue a run.)"),
        ConfigKey("deterministic", .bool, .bool(true), "Single-threaded reductions in fixed order, so a run and its resumed copy are bit-identical."),
        ConfigKey("seeds.base", .int(0...Int(Int32.max)), .int(40244023), "Base seed (official code: 40244023); the others derive from it when left at -1."),
        ConfigKey("seeds.init", .int(-1...Int(Int32.max)), .int(-1), "Seed of parameter initialisation (-1: derived from seeds.base)."),
        ConfigKey("seeds.data", .int(-1...Int(Int32.max)), .int(-1), "Seed of data order and augmentation (-1: derived)."),
        ConfigKey("seeds.sampling", .int(-1...Int(Int32.max)), .int(-1), "Seed of the diffusion noise at training and evaluation (-1: derived)."),
    ]

    static let model: [ConfigKey] = [
        ConfigKey("model.classes", .int(1...10_000), .int(80), "Number of object classes K."),
        ConfigKey("model.backbone.name", .choice(["resnet18", "resnet34", "resnet50"]), .string("resnet50"), "Backbone trunk (spec §3)."),
        ConfigKey("model.backbone.width_multiplier", .double(0.125...4), .double(1), "Scales every backbone stage width."),
        ConfigKey("model.backbone.norm", .choice(["frozen_batchnorm", "batchnorm", "groupnorm"]), .string("frozen_batchnorm"), "Normalisation in the backbone."),
        ConfigKey("model.backbone.frozen_stages", .int(0...5), .int(2), "Frozen stages: 0 none, 1 stem, 2 stem + res2 (official)."),
        ConfigKey("model.backbone.pretrained", .string, .string(""), "Path of converted ImageNet weights; empty = from scratch."),
        ConfigKey("model.fpn.channels", .int(8...1024), .int(256), "FPN width (P2-P5)."),
        ConfigKey("model.mask_branch.channels", .int(8...1024), .int(128), "Mask-branch width (spec §5)."),
        ConfigKey("model.mask_branch.conv_layers", .int(0...16), .int(4), "3x3 conv layers after the summed refine outputs."),
        ConfigKey("model.mask_branch.out_channels", .int(1...64), .int(8), "Channels of F_mask fed to the dynamic head."),
        ConfigKey("model.decoder.hidden_dim", .int(8...2048), .int(256), "Proposal feature width D (spec §6)."),
        ConfigKey("model.decoder.stages", .int(1...12), .int(6), "Decoder stages, each with its own weights."),
        ConfigKey("model.decoder.heads", .int(1...64), .int(8), "Attention heads in the proposal self-attention."),
        ConfigKey("model.decoder.feedforward", .int(8...8192), .int(2048), "FFN width."),
        ConfigKey("model.decoder.dynamic_dim", .int(4...512), .int(64), "Dynamic-interaction width."),
        ConfigKey("model.decoder.dynamic_layers", .int(1...4), .int(2), "Dynamic-interaction layers."),
        ConfigKey("model.decoder.class_tower", .int(0...8), .int(1), "Classification tower layers."),
        ConfigKey("model.decoder.regression_tower", .int(0...8), .int(3), "Regression tower layers (also produce the filters)."),
        ConfigKey("model.decoder.box_embedding", .bool, .bool(false),
                  "Add a learned embedding of each box (centre, size, log aspect ratio) to its feature before self-attention; not official: RoIAlign's fixed grid hides aspect ratio and position."),
        ConfigKey("model.decoder.roi_size", .int(1...32), .int(7), "RoIAlign output size."),
        ConfigKey("model.decoder.roi_sampling_ratio", .int(0...8), .int(2), "RoIAlign sampling ratio (aligned=True)."),
        ConfigKey("model.decoder.dropout", .double(0...1), .double(0), "Dropout (official: 0, the identity)."),
        ConfigKey("model.decoder.deep_supervision", .bool, .bool(true), "Supervise every stage's output."),
        ConfigKey("model.decoder.prior_prob", .double(1e-6...0.5), .double(0.01), "Prior probability for the class-logit bias."),
        ConfigKey("model.proposals", .int(1...5000), .int(500), "Proposals N during training (spec §8; 300 in some configs)."),
    ]

    static let mask: [ConfigKey] = [
        ConfigKey("mask.representation", .choice(["dynamic_filters", "polar", "box"]), .string("dynamic_filters"),
                  "How an instance's mask is encoded: CondInst dynamic filters (official), polar rays, or the box itself."),
        ConfigKey("mask.filter_channels", .int(1...64), .int(8), "Hidden channels of the dynamic mask head (official 8 -> 8 -> 8 -> 1)."),
        ConfigKey("mask.filter_layers", .int(1...6), .int(3), "Layers of the dynamic mask head (official 3: 153 parameters)."),
        ConfigKey("mask.relative_coordinates", .bool, .bool(false), "Append 2 relative-coordinate channels (CondInst) - off in DiffusionInst."),
        ConfigKey("mask.stride", .int(1...32), .int(4), "Output stride of mask logits before upsampling."),
        ConfigKey("mask.upsampling", .choice(["aligned_bilinear", "bilinear", "nearest"]), .string("aligned_bilinear"), "Upsampling of mask logits (spec §5)."),
        ConfigKey("mask.polar_rays", .int(4...360), .int(36), "Rays of the polar representation."),
    ]

    static let diffusion: [ConfigKey] = [
        ConfigKey("diffusion.timesteps", .int(1...10_000), .int(1000), "T (spec §8)."),
        ConfigKey("diffusion.schedule", .choice(["cosine", "linear", "sigmoid"]), .string("cosine"), "Noise schedule of alpha-bar."),
        ConfigKey("diffusion.cosine_s", .double(0...1), .double(0.008), "Offset s of the cosine schedule."),
        ConfigKey("diffusion.signal_scale", .double(0.01...100), .double(2.0), "Signal scale lambda (SNR_SCALE): boxes live in [-lambda, lambda]."),
        ConfigKey("diffusion.timestep_exponent", .double(0.05...20), .double(1),
                  "Training t = floor(T·u^γ), u uniform: 1 = uniform (official); below 1 favours high t, the pure-noise start of one-step sampling."),
        ConfigKey("diffusion.objective", .choice(["pred_x0", "pred_noise"]), .string("pred_x0"), "What the network predicts (official: clean boxes)."),
        ConfigKey("diffusion.target", .choice(["boxes", "filters", "both"]), .string("boxes"), "What is diffused (official: boxes only; filters come from noisy boxes)."),
        ConfigKey("diffusion.self_conditioning", .bool, .bool(false), "Self-conditioning (off in the official code)."),
    ]

    static let sampler: [ConfigKey] = [
        ConfigKey("sampler.kind", .choice(["ddim", "ddpm", "one_step", "heun"]), .string("ddim"), "Test-time sampler."),
        ConfigKey("sampler.steps", .int(1...1000), .int(1), "Sampling steps S (official SAMPLE_STEP = 1; README also reports 4): `diffinst predict` and the unsuffixed evaluation metrics (segm.AP) use it."),
        ConfigKey("sampler.eta", .double(0...1), .double(1.0), "DDIM eta (official 1.0)."),
        ConfigKey("sampler.proposals", .int(1...5000), .int(500), "Proposals at test time (free to differ from training)."),
        ConfigKey("sampler.renewal", .bool, .bool(true), "Replace low-score boxes by fresh noise between steps."),
        ConfigKey("sampler.renewal_threshold", .double(0...1), .double(0.5), "Score below which a box is renewed."),
        ConfigKey("sampler.ensemble", .bool, .bool(true), "Union of step outputs + NMS when steps > 1."),
        ConfigKey("sampler.ensemble_last_step", .bool, .bool(true), "The ensemble includes the last step (false = the official code, which drops it: DiffusionDet #56, spec §10)."),
        ConfigKey("sampler.nms_iou", .double(0...1), .double(0.5), "Class-aware NMS IoU threshold of the ensemble."),
        ConfigKey("sampler.max_detections", .int(1...10_000), .int(100), "Detections kept per image."),
        ConfigKey("sampler.score_threshold", .double(0...1), .double(0), "Detections below this score are dropped."),
    ]

    static let matcher: [ConfigKey] = [
        ConfigKey("matcher.kind", .choice(["dynamic_k", "hungarian"]), .string("dynamic_k"), "Label assignment (spec §9.2: dynamic-k, SimOTA-style)."),
        ConfigKey("matcher.ota_k", .int(1...100), .int(5), "Top-k IoUs summed for dynamic k."),
        ConfigKey("matcher.cost_class", .double(0...100), .double(2), "Class cost weight."),
        ConfigKey("matcher.cost_l1", .double(0...100), .double(5), "L1 cost weight."),
        ConfigKey("matcher.cost_giou", .double(0...100), .double(2), "GIoU cost weight."),
    ]

    static let loss: [ConfigKey] = [
        ConfigKey("loss.class_weight", .double(0...100), .double(2), "Focal classification loss weight."),
        ConfigKey("loss.l1_weight", .double(0...100), .double(5), "Box L1 loss weight."),
        ConfigKey("loss.giou_weight", .double(0...100), .double(2), "GIoU loss weight."),
        ConfigKey("loss.mask_weight", .double(0...100), .double(5), "Dice mask loss weight (hard-coded 5 in the official code)."),
        ConfigKey("loss.focal_alpha", .double(0...1), .double(0.25), "Focal alpha."),
        ConfigKey("loss.focal_gamma", .double(0...10), .double(2), "Focal gamma."),
    ]

    static let optimizer: [ConfigKey] = [
        ConfigKey("optimizer.kind", .choice(["adamw", "sgd"]), .string("adamw"), "Optimizer (spec §11.1: AdamW)."),
        ConfigKey("optimizer.lr", .double(0...1e6), .double(2.5e-5), "Base learning rate (paper 2.5e-5 at batch 16/32)."),
        ConfigKey("optimizer.weight_decay", .double(0...1), .double(1e-4), "Decoupled weight decay, on every parameter."),
        ConfigKey("optimizer.beta1", .double(0...1), .double(0.9), "AdamW beta1."),
        ConfigKey("optimizer.beta2", .double(0...1), .double(0.999), "AdamW beta2."),
        ConfigKey("optimizer.eps", .double(0...1), .double(1e-8), "AdamW epsilon."),
        ConfigKey("optimizer.momentum", .double(0...1), .double(0.9), "SGD momentum."),
        ConfigKey("optimizer.clip_grad_norm", .double(0...1e6), .double(1.0), "Global L2 gradient-norm clip (0 = off)."),
        ConfigKey("schedule.kind", .choice(["multistep", "cosine", "constant"]), .string("multistep"), "Learning-rate schedule after warm-up."),
        ConfigKey("schedule.warmup_steps", .int(0...10_000_000), .int(1000), "Linear warm-up steps."),
        ConfigKey("schedule.warmup_factor", .double(0...1), .double(0.01), "Warm-up starts at this fraction of the base LR."),
        ConfigKey("schedule.milestones", .intList, .list([.int(350_000), .int(420_000)]), "Multistep: steps where the LR is multiplied by gamma."),
        ConfigKey("schedule.gamma", .double(0...1), .double(0.1), "Multistep factor."),
    ]

    static let training: [ConfigKey] = [
        ConfigKey("train.max_steps", .int(1...100_000_000), .int(450_000), "Training iterations (with train.time_budget_minutes: the cap)."),
        ConfigKey("train.time_budget_minutes", .double(0...1_000_000), .double(0),
                  "Training minutes (step time; evaluations excluded) the run may use: the step count is planned from measured step times and re-planned as they drift, the cosine schedule ends on it (0 = off; train.max_steps)."),
        ConfigKey("train.budget_replan_every", .int(10...1_000_000), .int(100), "Time budget: steps between plans, each from the median step time of the last this many steps."),
        ConfigKey("train.batch_size", .int(1...4096), .int(16), "Images (or samples) per step."),
        ConfigKey("train.log_every", .int(1...1_000_000), .int(1), "Steps between logged scalar rows."),
        ConfigKey("train.flush_every", .int(1...1_000_000), .int(10), "Logged rows between flushes of metrics.h5 (a killed run keeps all flushed rows)."),
        ConfigKey("train.eval_every", .int(0...100_000_000), .int(5000), "Steps between evaluations (0 = only at the end)."),
        ConfigKey("train.checkpoint_every", .int(0...100_000_000), .int(5000), "Steps between checkpoints (0 = only at the end)."),
        ConfigKey("train.keep_checkpoints", .int(1...1000), .int(3), "Checkpoints kept on disk (oldest removed)."),
    ]

    static let data: [ConfigKey] = [
        ConfigKey("data.dataset", .choice(["synthetic_shapes", "coco"]), .string("synthetic_shapes"), "Training data source."),
        ConfigKey("data.root", .string, .string(""), "COCO: image folder (relative to the package root)."),
        ConfigKey("data.train_annotations", .string, .string(""), "COCO: training annotation JSON."),
        ConfigKey("data.val_annotations", .string, .string(""), "COCO: validation annotation JSON."),
        ConfigKey("data.image_size", .int(32...4096), .int(800), "Short side after resizing (official 800; Tiny 128)."),
        ConfigKey("data.max_size", .int(32...8192), .int(1333), "Long-side cap."),
        ConfigKey("data.flip", .bool, .bool(true), "Random horizontal flip."),
        ConfigKey("data.crop", .bool, .bool(true), "Random crop augmentation (on in the COCO configs)."),
        ConfigKey("data.subset", .int(0...10_000_000), .int(0), "Use only the first N training images (0 = all); N small = overfit check."),
        ConfigKey("data.synthetic.images", .int(1...1_000_000), .int(256), "Synthetic shapes: number of images."),
        ConfigKey("data.synthetic.max_objects", .int(1...100), .int(4), "Synthetic shapes: objects per image."),
    ]

    static let evaluation: [ConfigKey] = [
        ConfigKey("evaluation.sampling_steps", .intList, .list([.int(1)]), "Further step counts evaluated from the same weights besides sampler.steps (AP per count is logged as `<metric>@steps=S`)."),
        ConfigKey("evaluation.noise_seeds", .int(1...100), .int(1), "Evaluations with different sampling-noise seeds; mean and std are logged."),
        ConfigKey("evaluation.max_images", .int(0...10_000_000), .int(0), "Evaluate on the first N images (0 = all)."),
        ConfigKey("evaluation.primary_metric", .string, .string(""), "Metric used for 'best' in reports (empty = the task's own, e.g. segm.AP)."),
    ]

    static let toy: [ConfigKey] = [
        ConfigKey("toy.classes", .int(2...32), .int(3), "Toy task: classes (Gaussian clusters on a circle)."),
        ConfigKey("toy.features", .int(2...256), .int(2), "Toy task: input dimension."),
        ConfigKey("toy.hidden", .int(1...4096), .int(32), "Toy task: hidden width of the two-layer MLP."),
        ConfigKey("toy.samples", .int(8...1_000_000), .int(512), "Toy task: training points (a held-out set of the same size is drawn too)."),
        ConfigKey("toy.spread", .double(0.01...10), .double(0.6), "Toy task: cluster standard deviation (larger = harder)."),
        ConfigKey("toy.eval_noise", .double(0...10), .double(0.3), "Toy task: input noise at evaluation; S 'sampling steps' average S noisy passes."),
        ConfigKey("toy.step_delay_ms", .int(0...10_000), .int(0), "Toy task: sleep per step (lets tests interrupt a run mid-way)."),
    ]
}
