/// Weights c_out * (c_in / groups) * k^2, plus c_out biases when `bias`.
func conv2dParameterCount(inChannels: Int, outChannels: Int, kernelSize: Int, groups: Int, bias: Bool) -> Int {
    let weights = outChannels * (inChannels / groups) * kernelSize * kernelSize
    return bias ? weights + outChannels : weights
}
