import Foundation

/// Var((y_L)_i) = 3^-L + sum_i 3^-(L-i) / n_i, the closed form of v_l = v_{l-1}/3 + 1/(3 n_{l-1}).
func outputVariance(widths: [Int]) -> Double {
    let depth = widths.count
    var total = pow(3.0, -Double(depth))
    for (i, width) in widths.enumerated() {
        total += pow(3.0, -Double(depth - i)) / Double(width)
    }
    return total
}
