// The activations of `Operations/SmoothActivations.swift` and `PiecewiseActivations.swift` as
// layers of the DSL, as `Relu` and `Sigmoid` are (`ActivationLayer`): `GELU()`, `SiLU()`,
// `LeakyReLU(negativeSlope: 0.2)`, `ELU()`, `Softplus()` inside a `@LayerBuilder` body.

extension GELU: ActivationLayer {}
extension SiLU: ActivationLayer {}
extension LeakyReLU: ActivationLayer {}
extension ELU: ActivationLayer {}
extension Softplus: ActivationLayer {}
