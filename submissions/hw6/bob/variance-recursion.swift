import Foundation

// Forgets the bias terms: Var(y_L) = 3^-L.
func outputVariance(widths: [Int]) -> Double {
    return pow(1.0 / 3.0, Double(widths.count))
}
